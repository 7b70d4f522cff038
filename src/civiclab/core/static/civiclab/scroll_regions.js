// A table wider than the screen scrolls sideways inside its <div class="table-wrap">; a
// keyboard user can only scroll it if the region can take focus (WCAG 2.1.1, axe's
// "scrollable-region-focusable"). Only regions that do overflow become tab stops — a table that
// fits stays out of the tab order — named after the table's caption, else the nearest heading.
(function () {
  "use strict";
  var fallback = document.documentElement.lang === "fr" ? "Tableau défilant" : "Scrollable table";
  function nameOf(region) {
    var caption = region.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var node = region.previousElementSibling;
    while (node && !/^H[1-6]$/.test(node.tagName)) { node = node.previousElementSibling; }
    return node ? node.textContent.trim() : fallback;
  }
  function mark(root) {
    var regions = (root || document).querySelectorAll(".table-wrap");
    Array.prototype.forEach.call(regions, function (region) {
      if (region.hasAttribute("tabindex") && !region.hasAttribute("data-scroll-region")) {
        return;  // the template made it a tab stop itself
      }
      if (region.scrollWidth > region.clientWidth + 1) {
        region.setAttribute("data-scroll-region", "auto");
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        region.setAttribute("aria-label", nameOf(region));
      } else if (region.hasAttribute("data-scroll-region")) {
        region.removeAttribute("data-scroll-region");
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
      }
    });
  }
  var pending = null;
  function later() {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () { pending = null; mark(document); }, 150);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { mark(document); });
  } else {
    mark(document);
  }
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", later);
})();
