/*
 * The map page's layout (templates/geo/map.html): the map fills the window below the header,
 * the filters and layers sit in a side panel; on a phone (<= 600 px wide) the panel is a
 * drawer, opened and closed with one button at the bottom of the map, within a thumb's reach.
 * Without JavaScript the panel simply stands above the map.
 *
 * Also: "Zoom to it" in the table of hot and cold spots by area (partials/map_layers.html)
 * zooms the map to the area — its shape when a boundary with that name is drawn
 * (window.civiclabMap.areaBounds, from map_layers.js), else the extent of its hot and cold
 * cells (data-bounds="west,south,east,north") — and, on a phone, closes the drawer.
 */
(function () {
  "use strict";

  var page = document.getElementById("map-page");
  var panel = document.getElementById("map-panel");
  var toggle = document.getElementById("map-drawer-toggle");
  var close = document.getElementById("map-drawer-close");
  if (!page || !panel || !toggle || !close) {
    return;
  }
  var phone = window.matchMedia("(max-width: 600px)");

  // The map takes the height left below the header and the page's title.
  function fit() {
    var layout = page.querySelector(".map-layout");
    var top = layout.getBoundingClientRect().top + window.scrollY;
    page.style.setProperty("--map-top", Math.max(0, Math.round(top)) + "px");
    if (window.civiclabMap && window.civiclabMap.map) {
      window.civiclabMap.map.invalidateSize();
    }
  }

  function setOpen(open, focus) {
    page.classList.toggle("drawer-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    // On a phone a closed drawer is out of the way for the keyboard and screen readers too.
    if (phone.matches) {
      panel.inert = !open;
    } else {
      panel.inert = false;
    }
    if (open && focus) {
      panel.focus({ preventScroll: true });
    } else if (!open && focus) {
      toggle.focus({ preventScroll: true });
    }
  }

  function layout() {
    setOpen(page.classList.contains("drawer-open") && phone.matches, false);
    fit();
  }

  page.classList.add("has-drawer");
  toggle.hidden = false;
  close.hidden = false;
  toggle.addEventListener("click", function () {
    setOpen(!page.classList.contains("drawer-open"), true);
  });
  close.addEventListener("click", function () {
    setOpen(false, true);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && phone.matches && page.classList.contains("drawer-open")) {
      setOpen(false, true);
    }
  });
  if (phone.addEventListener) {
    phone.addEventListener("change", layout);
  }
  window.addEventListener("resize", fit);
  layout();

  // --- Zoom to an area of the hot spots table ----------------------------------------------
  function boundsOf(button) {
    var map = window.civiclabMap && window.civiclabMap.map;
    var known = (window.civiclabMap && window.civiclabMap.areaBounds) || {};
    var found = null;
    // A cell in areas of several boundaries is named "A · B": each part may be drawn.
    (button.dataset.area || "").split(" · ").forEach(function (name) {
      var shape = known[name];
      if (shape) {
        found = found ? found.extend(shape) : L.latLngBounds(shape.getSouthWest(), shape.getNorthEast());
      }
    });
    if (found || !map) {
      return found;
    }
    var b = (button.dataset.bounds || "").split(",").map(Number);
    if (b.length === 4 && b.every(isFinite)) {
      return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    }
    return null;
  }
  page.addEventListener("click", function (event) {
    var button = event.target.closest(".map-zoom");
    if (!button || !window.civiclabMap || !window.civiclabMap.map) {
      return;
    }
    var bounds = boundsOf(button);
    if (!bounds) {
      return;
    }
    if (phone.matches) {
      setOpen(false, false);
    }
    window.civiclabMap.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
    document.getElementById("map").dataset.zoomedTo = button.dataset.area || "";
  });
})();
