// The calendar: book by clicking a free time, move by dragging a card, the side panel.
// Plain JavaScript on top of htmx; no inline scripts or styles (the CSP forbids them): the
// server places everything with classes, and only the pointer feedback (the ghost under the
// pointer, the card being dragged) is positioned here, through the CSSOM.
(function () {
  "use strict";

  var SLOT_MINUTES = 5;
  var DRAG_THRESHOLD = 6; // pixels the pointer moves before a press becomes a drag
  var SWAPPABLE_ERRORS = [400, 403, 409]; // the server's answers with a message to show

  document.documentElement.classList.add("js");
  // htmx carries class and style attributes over when it swaps in an element with the same
  // id; copying a style attribute (a browser or an extension may leave an empty one on an
  // input) is an inline style the CSP refuses. Classes are all the panels need.
  if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];

  function grid() { return document.getElementById("cal-grid"); }
  function panel() { return document.getElementById("cal-panel"); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hhmm(minute) { return pad(Math.floor(minute / 60)) + ":" + pad(minute % 60); }
  function clock(minute) {
    var h = Math.floor(minute / 60) % 24;
    return ((h % 12) || 12) + ":" + pad(minute % 60) + (h < 12 ? " AM" : " PM");
  }

  // Where a pointer is in a column: its 5-minute row and that row's minute of the day.
  function rowAt(body, clientY) {
    var g = grid();
    var rows = parseInt(g.getAttribute("data-rows"), 10);
    var rect = body.getBoundingClientRect();
    var px = rect.height / rows;
    var row = Math.floor((clientY - rect.top) / px);
    return { row: Math.max(0, Math.min(rows - 1, row)), px: px, rows: rows,
             start: parseInt(g.getAttribute("data-axis-start"), 10) };
  }

  // The location of the hours under the pointer (a provider may work at two places in a week).
  function locationAt(col, x, y) {
    var under = document.elementsFromPoint ? document.elementsFromPoint(x, y) : [];
    for (var i = 0; i < under.length; i++) {
      if (under[i].classList && under[i].classList.contains("cal-slice") && col.contains(under[i])) {
        return under[i].getAttribute("data-location");
      }
    }
    return col.getAttribute("data-location");
  }

  // --- the hint under the pointer -------------------------------------------------------------

  var ghost = null;
  function showGhost(body, row, span, text, isDrop) {
    if (!ghost) {
      ghost = document.createElement("div");
      ghost.className = "cal-ghost";
      ghost.setAttribute("aria-hidden", "true");
    }
    var info = rowAt(body, 0);
    span = Math.max(1, Math.min(span, info.rows - row));
    if (ghost.parentNode !== body) body.appendChild(ghost);
    ghost.style.top = (row * info.px) + "px";
    ghost.style.height = (span * info.px) + "px";
    ghost.textContent = text;
    ghost.classList.toggle("is-drop", !!isDrop);
  }
  function hideGhost() {
    if (ghost && ghost.parentNode) ghost.parentNode.removeChild(ghost);
  }

  // --- booking a free time --------------------------------------------------------------------

  function bookableBody(target) {
    if (!target.closest || target.closest(".cal-card")) return null;
    var body = target.closest(".cal-col-body");
    if (!body) return null;
    var col = body.closest(".cal-col");
    return col && col.hasAttribute("data-bookable") && !col.classList.contains("is-closed") ? body : null;
  }

  function openBooking(col, minute, location) {
    var g = grid();
    var params = new URLSearchParams();
    params.set("view", g.getAttribute("data-view"));
    params.set("return", g.getAttribute("data-return"));
    params.set("location", location);
    params.set("date", col.getAttribute("data-date"));
    params.set("time", hhmm(minute));
    if (col.hasAttribute("data-provider")) params.set("provider", col.getAttribute("data-provider"));
    if (col.hasAttribute("data-room")) params.set("room", col.getAttribute("data-room"));
    // Who the time is for, when another page sent the person here to book (a follow-up).
    new URLSearchParams(g.getAttribute("data-book-extra") || "").forEach(function (value, key) {
      params.set(key, value);
    });
    window.htmx.ajax("GET", g.getAttribute("data-book-url") + "?" + params.toString(),
                     { target: "#cal-panel", swap: "innerHTML" });
  }

  var suppressClick = false;
  document.addEventListener("click", function (evt) {
    if (suppressClick) {
      // The click that ends a drag must not also open the card (htmx listens on the card).
      suppressClick = false;
      if (evt.target.closest && evt.target.closest(".cal-card")) {
        evt.preventDefault();
        evt.stopPropagation();
      }
      return;
    }
    if (!window.htmx) return;
    var card = evt.target.closest && evt.target.closest("#cal-grid .cal-card");
    if (card) {
      // A card opens its panel beside the grid (its link is the page of its own without JS).
      evt.preventDefault();
      var g = grid();
      var params = new URLSearchParams();
      params.set("view", g.getAttribute("data-view"));
      params.set("return", g.getAttribute("data-return"));
      window.htmx.ajax("GET", card.getAttribute("href") + "?" + params.toString(),
                       { target: "#cal-panel", swap: "innerHTML" });
      return;
    }
    var body = bookableBody(evt.target);
    if (!body) return;
    var col = body.closest(".cal-col");
    var at = rowAt(body, evt.clientY);
    openBooking(col, at.start + at.row * SLOT_MINUTES, locationAt(col, evt.clientX, evt.clientY));
  }, true);

  // --- dragging a card to another time, provider, room or day ---------------------------------

  var drag = null;

  document.addEventListener("pointerdown", function (evt) {
    if (evt.button !== 0 || evt.pointerType === "touch") return; // on touch: the Move form
    var card = evt.target.closest && evt.target.closest(".cal-card[data-movable]");
    if (!card || card.classList.contains("is-saving")) return;
    var body = card.closest(".cal-col-body");
    var at = rowAt(body, evt.clientY);
    var cardTop = card.getBoundingClientRect().top;
    drag = {
      card: card, fromCol: card.closest(".cal-col"), x: evt.clientX, y: evt.clientY, moved: false,
      grabRows: Math.floor((evt.clientY - cardTop) / at.px),
      span: parseInt(card.getAttribute("data-span"), 10) || 1,
      fromMinute: parseInt(card.getAttribute("data-start-minute"), 10), target: null
    };
  });

  function autoScroll(evt) {
    var box = document.getElementById("cal-scroll");
    if (!box) return;
    var rect = box.getBoundingClientRect();
    var edge = 40;
    if (evt.clientX > rect.right - edge) box.scrollLeft += 20;
    else if (evt.clientX < rect.left + edge + 60) box.scrollLeft -= 20;
    if (evt.clientY > rect.bottom - edge) box.scrollTop += 20;
    else if (evt.clientY < rect.top + edge + 40) box.scrollTop -= 20;
  }

  document.addEventListener("pointermove", function (evt) {
    if (!drag) {
      hover(evt);
      return;
    }
    var dx = evt.clientX - drag.x, dy = evt.clientY - drag.y;
    if (!drag.moved) {
      if (Math.abs(dx) + Math.abs(dy) < DRAG_THRESHOLD) return;
      drag.moved = true;
      drag.card.classList.add("is-dragging");
      document.body.classList.add("cal-dragging");
    }
    evt.preventDefault();
    drag.card.style.transform = "translate(" + dx + "px, " + dy + "px)";
    autoScroll(evt);
    var under = document.elementFromPoint(evt.clientX, evt.clientY);
    var body = under && under.closest ? under.closest(".cal-col-body") : null;
    var col = body && body.closest(".cal-col");
    if (!col || !col.hasAttribute("data-bookable") || col.classList.contains("is-closed")) {
      drag.target = null;
      hideGhost();
      return;
    }
    var at = rowAt(body, evt.clientY);
    var row = Math.max(0, Math.min(at.rows - drag.span, at.row - drag.grabRows));
    var minute = at.start + row * SLOT_MINUTES;
    drag.target = { col: col, minute: minute, location: locationAt(col, evt.clientX, evt.clientY) };
    var where = col === drag.fromCol ? "" : " · " + col.getAttribute("data-title");
    var label = "→ " + clock(minute) + where;
    showGhost(body, row, drag.span, label, true);
    drag.card.setAttribute("data-drop-label", label);
  });

  function hover(evt) {
    if (evt.pointerType !== "mouse") return;
    var body = evt.target && bookableBody(evt.target);
    if (!body) { hideGhost(); return; }
    var at = rowAt(body, evt.clientY);
    showGhost(body, at.row, 3, "+ " + clock(at.start + at.row * SLOT_MINUTES), false);
  }

  document.addEventListener("pointerleave", hideGhost);

  function snapBack(card) {
    card.removeAttribute("data-drop-label");
    card.classList.remove("is-dragging", "is-saving");
    card.classList.add("is-returning");
    card.style.transform = "";
    card.removeAttribute("style");
    window.setTimeout(function () { card.classList.remove("is-returning"); }, 300);
  }

  function endDrag(evt, cancelled) {
    var d = drag;
    drag = null;
    document.body.classList.remove("cal-dragging");
    hideGhost();
    if (!d || !d.moved) return;
    suppressClick = true;
    window.setTimeout(function () { suppressClick = false; }, 400);
    var t = d.target;
    if (cancelled || !t || (t.col === d.fromCol && t.minute === d.fromMinute)) {
      snapBack(d.card);
      return;
    }
    submitMove(d.card, t);
  }

  document.addEventListener("pointerup", function (evt) { endDrag(evt, false); });
  document.addEventListener("pointercancel", function (evt) { endDrag(evt, true); });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    if (drag) { endDrag(evt, true); return; }
    var p = panel();
    if (p && p.classList.contains("is-open")) closePanel();
  });

  function submitMove(card, target) {
    var g = grid();
    card.classList.remove("is-dragging");
    card.classList.add("is-saving");
    var values = {
      version: card.getAttribute("data-version"), date: target.col.getAttribute("data-date"),
      time: hhmm(target.minute), location: target.location, source: "drag",
      view: g.getAttribute("data-view"), "return": g.getAttribute("data-return")
    };
    if (target.col.hasAttribute("data-provider")) values.provider = target.col.getAttribute("data-provider");
    if (target.col.hasAttribute("data-room")) values.room = target.col.getAttribute("data-room");
    var url = g.getAttribute("data-move-url").replace("/0/", "/" + card.getAttribute("data-id") + "/");
    window.htmx.ajax("POST", url, { target: "#cal-grid", swap: "outerHTML", values: values, source: card })
      .then(function () {
        // On success the grid was redrawn (the card is gone); otherwise it goes back.
        if (document.body.contains(card)) snapBack(card);
      }, function () {
        if (document.body.contains(card)) snapBack(card);
      });
  }

  // --- the side panel -------------------------------------------------------------------------

  var opener = null;

  function openPanel() {
    var p = panel();
    if (!p || !p.classList.contains("cal-panel")) return;
    if (!p.classList.contains("is-open")) {
      opener = document.activeElement;
      p.classList.add("is-open");
    }
    if (!p.querySelector("[autofocus]")) {
      var title = p.querySelector("#panel-title");
      if (title) title.focus();
    }
  }

  function closePanel() {
    var p = panel();
    if (!p) return;
    p.classList.remove("is-open");
    window.setTimeout(function () { if (!p.classList.contains("is-open")) p.innerHTML = ""; }, 200);
    if (opener && document.body.contains(opener)) opener.focus();
    opener = null;
  }

  document.addEventListener("click", function (evt) {
    var closer = evt.target.closest && evt.target.closest("[data-panel-close]");
    if (closer) {
      evt.preventDefault();
      closePanel();
      return;
    }
    var dismiss = evt.target.closest && evt.target.closest("[data-status-close]");
    if (dismiss) {
      var box = document.getElementById("cal-status");
      box.innerHTML = "";
      box.className = "cal-status";
    }
  });

  function inCalendar(elt) {
    return !!(elt && elt.closest && (elt.closest("#cal-panel") || elt.closest("#cal-grid") ||
                                     elt.id === "cal-status"));
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr && SWAPPABLE_ERRORS.indexOf(xhr.status) >= 0 && inCalendar(evt.detail.target)) {
      evt.detail.shouldSwap = true; // field errors (400) and taken slots (409) are content
      evt.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (evt) {
    var p = panel();
    if (p && evt.detail.target === p) openPanel();
  });

  function say(text) {
    var box = document.getElementById("cal-status");
    if (!box) return;
    box.className = "cal-status tone-bad";
    box.innerHTML = "";
    var p = document.createElement("p");
    p.textContent = text;
    box.appendChild(p);
  }
  document.addEventListener("htmx:responseError", function (evt) {
    if (SWAPPABLE_ERRORS.indexOf(evt.detail.xhr.status) < 0) {
      say("Something went wrong (" + evt.detail.xhr.status + "). Reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    say("The server could not be reached. Check the connection and try again.");
  });

  // --- small things: the date picker, the phone's provider picker -----------------------------

  document.addEventListener("change", function (evt) {
    var form = evt.target.form;
    if (form && form.hasAttribute("data-autosubmit") && evt.target.type === "date" && evt.target.value) {
      form.submit();
    }
    if (evt.target.hasAttribute && evt.target.hasAttribute("data-cal-jump")) {
      var col = document.getElementById(evt.target.value);
      var box = document.getElementById("cal-scroll");
      var axis = box && box.querySelector(".cal-axis");
      if (col && box) box.scrollTo({ left: col.offsetLeft - (axis ? axis.offsetWidth : 0), behavior: "smooth" });
    }
  });

  // Keep the phone's picker on the column in view as the person swipes.
  function syncJump() {
    var box = document.getElementById("cal-scroll");
    var pick = document.querySelector("[data-cal-jump]");
    if (!box || !pick) return;
    var timer = null;
    box.addEventListener("scroll", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var axis = box.querySelector(".cal-axis");
        var left = box.scrollLeft + (axis ? axis.offsetWidth : 0) + 4;
        var cols = box.querySelectorAll(".cal-col");
        for (var i = 0; i < cols.length; i++) {
          if (cols[i].offsetLeft + cols[i].offsetWidth > left) { pick.value = cols[i].id; break; }
        }
      }, 120);
    });
  }
  // Open the day where it matters: around now on today's page, else near the first visit.
  function scrollToFocus() {
    var box = document.getElementById("cal-scroll");
    var g = grid();
    var body = g && g.querySelector(".cal-col-body");
    if (!box || !body) return;
    var minute = parseInt(g.getAttribute("data-focus-minute"), 10);
    var start = parseInt(g.getAttribute("data-axis-start"), 10);
    if (isNaN(minute) || minute <= start) return;
    var at = rowAt(body, 0);
    box.scrollTop = Math.max(0, ((minute - start) / SLOT_MINUTES) * at.px);
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncJump();
    scrollToFocus();
  });
})();
