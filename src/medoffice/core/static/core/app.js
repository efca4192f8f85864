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
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    setupIdleTimer();
    setupConfirm();
    setupPrint();
  });
})();
