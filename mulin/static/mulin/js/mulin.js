/* Mulin: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Copy buttons: <button data-mulin-copy="#element-id">. The button's status text says
  // what happened, so the feedback is not only visual.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-mulin-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-mulin-copy"));
    var status = button.querySelector("[data-mulin-copy-status]");
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (status) status.textContent = button.getAttribute("data-mulin-copied") || "";
    });
  });

  // On small screens the menu scrolls sideways: bring the current page's item into view.
  document.addEventListener("DOMContentLoaded", function () {
    var current = document.querySelector(".mulin-nav-list [aria-current='page']");
    if (current && current.scrollIntoView) {
      current.scrollIntoView({ block: "nearest", inline: "center" });
    }
  });

  // After an HTMX swap, move keyboard focus to the element the response marks, so keyboard
  // and screen-reader users land on the result of what they just did.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt && event.detail.elt.querySelector
      ? event.detail.elt.querySelector("[data-mulin-focus]")
      : null;
    if (!target) target = document.querySelector("[data-mulin-focus]");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
      target.removeAttribute("data-mulin-focus");
    }
  });
})();
