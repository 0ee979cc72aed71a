/* Mulin signature pad: the owner signs on the phone with a finger, a pen or a mouse.
 *
 * Markup (see decisions/record/canvass_elector.html):
 *   <div data-mulin-signature data-empty="…" data-signed="…" data-required="…">
 *     <canvas>                          the box; pointer events, so touch, mouse and pen alike
 *     [data-mulin-signature-clear]      starts again
 *     [data-mulin-signature-status]     "Not signed yet." / "Signed." (aria-live)
 *     [data-mulin-signature-value]      hidden input: the PNG as a data URL, "" until signed
 *     [data-mulin-signature-keyboard]   shown to keyboard users: a drawn signature is needed
 *     [data-mulin-signature-error]      shown when the form is sent unsigned
 *   </div>
 * The form (`data-mulin-signature-form`) is not sent while the box is empty; the server checks
 * again (`ballots.signature_from_data_url`). The strokes are kept in box-relative coordinates,
 * so turning the phone redraws them at the new size. After a refused submission the posted
 * signature comes back in the hidden input and is shown again.
 */
(function () {
  "use strict";

  var EXPORT_WIDTH = 900; // px of the stored PNG: enough to read, small to send

  function setup(root) {
    var canvas = root.querySelector("canvas");
    var field = root.querySelector("[data-mulin-signature-value]");
    var status = root.querySelector("[data-mulin-signature-status]");
    var clear = root.querySelector("[data-mulin-signature-clear]");
    var keyboard = root.querySelector("[data-mulin-signature-keyboard]");
    var error = root.querySelector("[data-mulin-signature-error]");
    if (!canvas || !field || !canvas.getContext) return;
    var ctx = canvas.getContext("2d");
    var strokes = []; // each: [{x, y, w}], x and y in 0..1 of the box
    var current = null;
    var restored = null; // the image posted before, until the owner draws again
    var pointerRecently = false;

    function lineWidth(event) {
      // A pen reports pressure; a finger or a mouse reports 0.5 (or 0): a steady line.
      var pressure = event.pointerType === "pen" && event.pressure > 0 ? event.pressure : 0.5;
      return 1.5 + pressure * 3;
    }

    function resize() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.max(1, Math.round(rect.width * ratio));
      canvas.height = Math.max(1, Math.round(rect.height * ratio));
      redraw();
    }

    function drawStrokes(target, width, height, scale) {
      target.lineCap = "round";
      target.lineJoin = "round";
      target.strokeStyle = "#111";
      strokes.forEach(function (stroke) {
        if (stroke.length === 1) {
          var p = stroke[0];
          target.beginPath();
          target.arc(p.x * width, p.y * height, (p.w * scale) / 2, 0, Math.PI * 2);
          target.fillStyle = "#111";
          target.fill();
          return;
        }
        for (var i = 1; i < stroke.length; i++) {
          target.beginPath();
          target.lineWidth = stroke[i].w * scale;
          target.moveTo(stroke[i - 1].x * width, stroke[i - 1].y * height);
          target.lineTo(stroke[i].x * width, stroke[i].y * height);
          target.stroke();
        }
      });
    }

    function redraw() {
      var ratio = window.devicePixelRatio || 1;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      if (restored && restored.complete) {
        ctx.drawImage(restored, 0, 0, canvas.width, canvas.height);
      }
      drawStrokes(ctx, canvas.width, canvas.height, ratio);
    }

    function signed() {
      return strokes.length > 0 || Boolean(restored);
    }

    function announce() {
      if (status) {
        status.textContent = root.getAttribute(signed() ? "data-signed" : "data-empty") || "";
      }
      if (signed() && error) error.hidden = true;
    }

    function exportPng() {
      if (!strokes.length) return;
      var rect = canvas.getBoundingClientRect();
      var out = document.createElement("canvas");
      out.width = EXPORT_WIDTH;
      out.height = Math.round((EXPORT_WIDTH * rect.height) / Math.max(1, rect.width));
      var octx = out.getContext("2d");
      octx.fillStyle = "#fff";
      octx.fillRect(0, 0, out.width, out.height);
      if (restored && restored.complete) octx.drawImage(restored, 0, 0, out.width, out.height);
      drawStrokes(octx, out.width, out.height, EXPORT_WIDTH / Math.max(1, rect.width));
      field.value = out.toDataURL("image/png");
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - rect.left) / Math.max(1, rect.width),
        y: (event.clientY - rect.top) / Math.max(1, rect.height),
        w: lineWidth(event),
      };
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) return; // only the main button
      event.preventDefault();
      pointerRecently = true;
      if (keyboard) keyboard.hidden = true;
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      current = [point(event)];
      strokes.push(current);
      redraw();
    });

    canvas.addEventListener("pointermove", function (event) {
      if (!current) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) events = [event];
      events.forEach(function (e) { current.push(point(e)); });
      redraw();
    });

    function end() {
      if (!current) return;
      current = null;
      exportPng();
      announce();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    // Keyboard users reach the box but cannot sign with keys: say so, plainly.
    canvas.addEventListener("focus", function () {
      if (!pointerRecently && keyboard) keyboard.hidden = false;
      pointerRecently = false;
    });
    canvas.addEventListener("keydown", function (event) {
      if (event.key === "Tab" || event.key === "Shift") return;
      if (keyboard) keyboard.hidden = false;
    });

    if (clear) {
      clear.addEventListener("click", function () {
        strokes = [];
        restored = null;
        field.value = "";
        redraw();
        announce();
        canvas.focus({ preventScroll: true });
      });
    }

    var form = root.closest("form");
    if (form && form.hasAttribute("data-mulin-signature-form")) {
      form.addEventListener("submit", function (event) {
        if (field.value) return;
        event.preventDefault();
        if (error) {
          error.textContent = root.getAttribute("data-required") || "";
          error.hidden = false;
        }
        canvas.scrollIntoView({ block: "center" });
        canvas.focus({ preventScroll: true });
      });
    }

    if (field.value && field.value.indexOf("data:image/png;base64,") === 0) {
      restored = new Image();
      restored.onload = function () { redraw(); announce(); };
      restored.src = field.value;
    }

    window.addEventListener("resize", resize);
    resize();
    announce();
  }

  function init() {
    document.querySelectorAll("[data-mulin-signature]").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
