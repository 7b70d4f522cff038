// The phone header's menu button: on a narrow screen the account links and the navigation
// fold away behind <button class="menu-toggle" aria-expanded aria-controls="id id">. The
// button starts hidden and the menu open, so without JavaScript everything stays visible;
// this script shows the button and closes the menu. Escape closes it and gives focus back
// to the button. On a wide screen the CSS hides the button and always shows the menu.
(function () {
  "use strict";
  function setup() {
    var button = document.querySelector("header.site .menu-toggle");
    if (!button) { return; }
    var header = button.closest("header.site");
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("menu-closed", !open);
    }
    button.hidden = false;
    header.classList.add("menu-ready");
    set(false);
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true"
          && window.getComputedStyle(button).display !== "none") {
        set(false);
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
