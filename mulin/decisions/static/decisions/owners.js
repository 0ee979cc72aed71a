/* Owners' ballot: a live counter for elections that stops at the number of seats, and a send
 * button that cannot be pressed twice. The server refuses more candidates than seats and a
 * second ballot anyway; this only spares the owner the error. */
(function () {
  "use strict";

  function setUp(group) {
    var seats = parseInt(group.getAttribute("data-dv-seats"), 10);
    var boxes = group.querySelectorAll("input[type=checkbox]");
    var counter = group.querySelector("[data-dv-counter]");
    if (!seats || !counter) return;
    function update() {
      var ticked = 0;
      boxes.forEach(function (box) { if (box.checked) ticked += 1; });
      var full = ticked >= seats;
      boxes.forEach(function (box) { box.disabled = full && !box.checked; });
      var text = counter.getAttribute("data-template").replace("__N__", String(ticked));
      if (ticked === 0) text = counter.getAttribute("data-none");
      else if (full) text += " " + counter.getAttribute("data-full");
      counter.textContent = text;
      counter.classList.toggle("dv-full", full);
      counter.hidden = false;
    }
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dv-seats]").forEach(setUp);
    // Disabled boxes are not sent: enable them again just before the form goes.
    document.querySelectorAll("form[data-dv-ballot]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("[data-dv-seats] input[type=checkbox]").forEach(function (box) {
          box.disabled = false;
        });
      });
    });
    document.querySelectorAll("form[data-dv-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
        form.setAttribute("data-sent", "1");
      });
    });
    var focus = document.querySelector("[data-mulin-focus]");
    if (focus) { focus.focus(); focus.scrollIntoView({ block: "start" }); }
  });
})();
