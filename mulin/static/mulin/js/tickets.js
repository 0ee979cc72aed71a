/* Mulin request pages: small enhancements. Every form works without this file.
 *
 * - Photo inputs (`data-mulin-photos="<preview list id>"`): thumbnails of the chosen photos
 *   before sending (HEIC may not preview in the browser: its name is shown instead).
 * - "Where" (`data-mulin-where`): only the fields that belong to the chosen kind of place.
 * - Cost lines (`data-mulin-costs`): another row on demand, and the running total.
 * - Forms marked `data-mulin-submit-once`: the button is disabled after the first tap.
 * Listeners sit on the document, so content swapped in by HTMX works too.
 */
(function () {
  "use strict";

  var MAX_PHOTOS = 6;

  function previewPhotos(list) {
    var inputs = document.querySelectorAll("[data-mulin-photos='" + list.id + "']");
    var files = [];
    inputs.forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { files.push(file); });
    });
    list.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    list.textContent = "";
    files.forEach(function (file, i) {
      var item = document.createElement("li");
      var isHeic = /heic|heif/i.test(file.type) || /\.(heic|heif)$/i.test(file.name);
      if (!isHeic && /^image\//.test(file.type)) {
        var box = document.createElement("span");
        box.className = "mulin-photo-stub p-0";
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = (list.getAttribute("data-mulin-chosen") || "") + " " + file.name;
        box.appendChild(img);
        item.appendChild(box);
      } else {
        var stub = document.createElement("span");
        stub.className = "mulin-photo-stub";
        stub.textContent = file.name + " (" + (list.getAttribute("data-mulin-no-preview") || "") + ")";
        item.appendChild(stub);
      }
      list.appendChild(item);
    });
    if (files.length > MAX_PHOTOS) {
      var warn = document.createElement("li");
      warn.className = "mulin-field-error w-100";
      warn.textContent = list.getAttribute("data-mulin-too-many") || "";
      list.appendChild(warn);
    }
  }

  function showWhere(box) {
    var checked = box.querySelector("input[name$='location_kind']:checked");
    if (!checked) return;
    box.querySelectorAll("[data-mulin-when]").forEach(function (part) {
      var kinds = part.getAttribute("data-mulin-when").split(" ");
      part.hidden = kinds.indexOf(checked.value) === -1;
    });
  }

  function costTotal(box) {
    var out = box.querySelector("[data-mulin-cost-total]");
    if (!out) return;
    var cents = 0;
    var any = false;
    box.querySelectorAll("input[name$='cost_amount']").forEach(function (input) {
      var v = input.value.trim();
      if (/^\d+(\.\d{1,2})?$/.test(v)) {
        var parts = v.split(".");
        cents += parseInt(parts[0], 10) * 100 + (parts[1] ? parseInt((parts[1] + "0").slice(0, 2), 10) : 0);
        any = true;
      }
    });
    out.textContent = any
      ? (out.getAttribute("data-mulin-label") || "") + " " + Math.floor(cents / 100) + "." + ("0" + (cents % 100)).slice(-2)
      : "";
  }

  function setUp(root) {
    root.querySelectorAll("[data-mulin-where]").forEach(showWhere);
    root.querySelectorAll("[data-mulin-add-cost]").forEach(function (button) { button.hidden = false; });
    root.querySelectorAll("[data-mulin-costs]").forEach(costTotal);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-mulin-photos]")) {
      var list = document.getElementById(target.getAttribute("data-mulin-photos"));
      if (list) previewPhotos(list);
    }
    var where = target.closest("[data-mulin-where]");
    if (where) showWhere(where);
  });

  document.addEventListener("input", function (event) {
    var costs = event.target.closest("[data-mulin-costs]");
    if (costs) costTotal(costs);
  });

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-mulin-add-cost]");
    if (!add) return;
    var box = add.closest("[data-mulin-costs]");
    var rows = box.querySelectorAll("[data-mulin-cost-row]");
    var last = rows[rows.length - 1];
    var copy = last.cloneNode(true);
    var n = rows.length + 1;
    copy.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.id = input.id.replace(/-\d+$/, "-" + n);
    });
    copy.querySelectorAll("label").forEach(function (label) {
      label.htmlFor = label.htmlFor.replace(/-\d+$/, "-" + n);
    });
    last.after(copy);
    copy.querySelector("input").focus();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-mulin-submit-once")) return;
    var button = form.querySelector("button[type='submit']");
    if (!button) return;
    // Disabled after the browser has taken the click, so the form is still sent.
    setTimeout(function () { button.disabled = true; }, 0);
    setTimeout(function () { button.disabled = false; }, 15000);
  });

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setUp(event.detail.elt || document); });
})();
