// MedOffice page behaviour. No inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";

  // Idle logoff: warn a minute before the server-side timeout, then reload so the
  // server signs the session out and shows the sign-in page.
  function setupIdleTimer() {
    var body = document.body;
    var timeout = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
    if (!timeout) return;
    var dialog = document.getElementById("idle-warning");
    var stay = document.getElementById("idle-stay");
    var warnTimer, expireTimer;
    function schedule() {
      clearTimeout(warnTimer);
      clearTimeout(expireTimer);
      if (timeout > 90) {
        warnTimer = setTimeout(function () {
          if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
        }, (timeout - 60) * 1000);
      }
      expireTimer = setTimeout(function () { window.location.reload(); }, (timeout + 5) * 1000);
    }
    if (stay) {
      stay.addEventListener("click", function () {
        fetch(stay.getAttribute("data-keepalive-url"), { credentials: "same-origin" }).then(function () {
          if (dialog && dialog.open) dialog.close();
          schedule();
        });
      });
    }
    // Activity the server sees (page loads, htmx requests without the background header) restarts the clock.
    document.body.addEventListener("htmx:afterRequest", function (evt) {
      var headers = (evt.detail && evt.detail.requestConfig && evt.detail.requestConfig.headers) || {};
      if (!headers["X-MedOffice-Background"]) schedule();
    });
    schedule();
  }

  // Buttons that ask for confirmation carry data-confirm (instead of inline onclick handlers).
  function setupConfirm() {
    document.addEventListener("submit", function (evt) {
      var form = evt.target;
      var message = form.getAttribute && form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) evt.preventDefault();
    });
  }

  // Print buttons.
  function setupPrint() {
    document.addEventListener("click", function (evt) {
      var target = evt.target.closest && evt.target.closest("[data-print]");
      if (target) { evt.preventDefault(); window.print(); }
    });
  }

  // The main menu is a <details> that starts open (a closed <details> does not render its
  // content, whatever the CSS says): phones fold it behind the "Menu" toggle, wider screens
  // keep it open with the toggle hidden (see app.css).
  function setupMenu() {
    var menu = document.querySelector("details.menu-toggle");
    if (!menu || !window.matchMedia) return;
    var narrow = window.matchMedia("(max-width: 768px)");
    function sync() { menu.open = !narrow.matches; }
    sync();
    if (narrow.addEventListener) narrow.addEventListener("change", sync);
    // Escape folds the phone menu back behind its toggle; an open group inside it closes
    // first (setupNavGroups).
    document.addEventListener("keydown", function (evt) {
      if (evt.key !== "Escape" || !narrow.matches || !menu.open) return;
      if (!menu.contains(document.activeElement)) return;
      if (menu.querySelector("details.dropdown[open]")) return;
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  }

  // The main menu's groups are Pico dropdowns (<details class="dropdown">): they open and
  // close without script, from the mouse or the keyboard (Tab to a group, Enter or Space).
  // This adds what a menu is expected to do: one group open at a time, Escape closes the open
  // one and puts focus back on its name, and tabbing out of a group closes it.
  function setupNavGroups() {
    var groups = Array.prototype.slice.call(document.querySelectorAll(".main-nav details.dropdown"));
    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (!group.open) return;
        groups.forEach(function (other) { if (other !== group) other.open = false; });
      });
      group.addEventListener("focusout", function (evt) {
        // Focus moved to something else on the page (Tab) while the group's list covers the
        // page (a desktop dropdown). A click elsewhere lands on Pico's transparent overlay,
        // which closes the group by itself. In the phone menu the list is part of the menu's
        // column: closing it on a tap elsewhere would move what was tapped before the click.
        if (!group.open || !evt.relatedTarget || group.contains(evt.relatedTarget)) return;
        var list = group.querySelector("ul");
        if (list && window.getComputedStyle(list).position === "absolute") group.open = false;
      });
    });
    document.addEventListener("keydown", function (evt) {
      if (evt.key !== "Escape") return;
      var open = groups.filter(function (g) { return g.open; })[0];
      if (!open) return;
      var hadFocus = open.contains(document.activeElement);
      open.open = false;
      if (hadFocus) open.querySelector("summary").focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    setupNavGroups();
    setupIdleTimer();
    setupConfirm();
    setupPrint();
  });
})();
