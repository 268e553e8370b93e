/* The top bar's menus (templates/base.html). Everything works without this file: the menus are <details>
   disclosures. It adds what a person expects of a menu: Escape closes an open one (focus back on its
   button), a click elsewhere closes it, and on a wide screen the main menu stays open in browsers that
   cannot show a closed <details>'s content through CSS (::details-content). */
(function () {
  "use strict";
  var WIDE = window.matchMedia("(min-width: 900px)");

  function openNavWhenWide() {
    var nav = document.querySelector("details.nav-menu");
    if (!nav) { return; }
    var cssShowsIt = CSS.supports && CSS.supports("selector(::details-content)");
    if (WIDE.matches && !cssShowsIt) { nav.open = true; }
  }

  function openMenus() {
    return document.querySelectorAll("header.top details[open]");
  }

  function closeMenu(details) {
    // The main menu is not a drop-down on a wide screen: leave it as it is.
    if (details.classList.contains("nav-menu") && WIDE.matches) { return false; }
    details.open = false;
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    openMenus().forEach(function (details) {
      if (details.contains(document.activeElement) && closeMenu(details)) {
        details.querySelector("summary").focus();
      }
    });
  });

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (details) {
      if (!details.contains(event.target)) { closeMenu(details); }
    });
  });

  openNavWhenWide();
  if (WIDE.addEventListener) { WIDE.addEventListener("change", openNavWhenWide); }
})();
