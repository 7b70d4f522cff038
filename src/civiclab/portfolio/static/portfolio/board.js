/* The challenge board: move a challenge to another phase by dragging its card (the HTML
   drag-and-drop API) or with the keyboard (focus the card, Space picks it up, the arrow keys
   choose the column, Space drops, Escape cancels). Every move is posted, with the CSRF token
   of the card's own "Move to" form, to the view that calls the same service as that form
   (services.set_phase: permission, validation, audit). A refused move puts the card back in
   its column with the service's reason. Without this script the "Move to" form still works.
   Announcements go to the board's aria-live region; the sentences come translated from the
   board's data-msg-* attributes. */
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  if (!board) {
    return;
  }
  var live = document.getElementById("board-live");
  var columns = Array.prototype.slice.call(board.querySelectorAll(".board-column"));
  var dragged = null; // the card being dragged with the mouse
  var picked = null; // {card, column, next}: the card picked up with the keyboard, and its place

  function say(name, values) {
    var text = board.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(values[key]);
    });
    return text;
  }

  function announce(text) {
    if (live) {
      live.textContent = "";
      // A new text node after clearing, so the same sentence is read again.
      window.setTimeout(function () { live.textContent = text; }, 30);
    }
  }

  function columnOf(card) {
    return card.closest(".board-column");
  }

  function listOf(column) {
    return column.querySelector(".board-cards");
  }

  function refreshCounts() {
    columns.forEach(function (column) {
      var cards = column.querySelectorAll(".challenge-card").length;
      var count = column.querySelector("[data-count]");
      var empty = column.querySelector(".board-empty");
      if (count) { count.textContent = String(cards); }
      if (empty) { empty.hidden = cards > 0; }
    });
  }

  function place(card, column, before) {
    var list = listOf(column);
    var empty = list.querySelector(".board-empty");
    list.insertBefore(card, before && before.parentNode === list ? before : empty);
    refreshCounts();
  }

  function showError(card, text) {
    var box = card.querySelector(".card-error");
    if (box) { box.textContent = text; }
  }

  function updateForm(card, phase, suggested) {
    var select = card.querySelector("form.move select[name=phase]");
    if (!select) { return; }
    Array.prototype.forEach.call(select.options, function (option) {
      option.disabled = option.value === phase;
      option.selected = option.value === suggested;
    });
  }

  // Post the move of ``card`` (already shown in ``column``); on refusal put it back at
  // ``from`` (before ``next``) with the reason.
  function save(card, column, from, next) {
    var form = card.querySelector("form.move");
    var title = card.getAttribute("data-title");
    var phase = column.getAttribute("data-phase");
    var data = new FormData(form);
    data.set("phase", phase);
    showError(card, "");
    announce(say("saving", { title: title, phase: column.getAttribute("data-label") }));
    card.setAttribute("aria-busy", "true");

    function refuse(text) {
      place(card, from, next);
      showError(card, text);
      announce(say("refused", { title: title, error: text }));
      card.focus();
    }

    fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") || "" }
    }).then(function (response) {
      return response.json().then(function (body) {
        return { ok: response.ok, body: body };
      }, function () {
        return { ok: false, body: {} };
      });
    }).then(function (answer) {
      card.removeAttribute("aria-busy");
      if (answer.ok) {
        card.setAttribute("data-phase", answer.body.phase);
        updateForm(card, answer.body.phase, answer.body.next_phase);
        announce(answer.body.message || "");
      } else {
        refuse(answer.body.error || say("failed"));
      }
    }, function () {
      card.removeAttribute("aria-busy");
      refuse(say("failed"));
    });
  }

  function move(card, column) {
    var from = columnOf(card);
    if (!column || column === from) { return; }
    var next = card.nextElementSibling;
    place(card, column, null);
    save(card, column, from, next);
  }

  var cards = Array.prototype.slice.call(board.querySelectorAll(".challenge-card[data-move-url]"));
  cards.forEach(function (card) {
    card.setAttribute("draggable", "true");

    card.addEventListener("dragstart", function (event) {
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.id);
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("dragging");
      columns.forEach(function (column) { column.classList.remove("drop-target"); });
      dragged = null;
    });

    // The "Move to" form, with the script: the same move without a page load.
    var form = card.querySelector("form.move");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var phase = form.querySelector("select[name=phase]").value;
      move(card, board.querySelector('.board-column[data-phase="' + phase + '"]'));
    });

    card.addEventListener("keydown", function (event) {
      if (event.target !== card) { return; } // keys on the card's link or form are theirs
      var key = event.key;
      var title = card.getAttribute("data-title");
      if (key === " " || key === "Enter") {
        event.preventDefault();
        if (!picked) {
          picked = { card: card, column: columnOf(card), next: card.nextElementSibling };
          card.classList.add("picked");
          announce(say("picked", { title: title, phase: picked.column.getAttribute("data-label") }));
        } else if (picked.card === card) {
          var target = columnOf(card);
          var origin = picked;
          picked = null;
          card.classList.remove("picked");
          if (target === origin.column) {
            announce(say("cancelled", { title: title, phase: target.getAttribute("data-label") }));
          } else {
            save(card, target, origin.column, origin.next);
          }
        }
        return;
      }
      if (!picked || picked.card !== card) { return; }
      if (key === "Escape") {
        event.preventDefault();
        place(card, picked.column, picked.next);
        card.classList.remove("picked");
        announce(say("cancelled", { title: title, phase: picked.column.getAttribute("data-label") }));
        picked = null;
        card.focus();
        return;
      }
      var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[key];
      if (!step) { return; }
      event.preventDefault();
      var at = columns.indexOf(columnOf(card)) + step;
      if (at < 0 || at >= columns.length) { return; }
      place(card, columns[at], null);
      card.focus();
      announce(say("over", { title: title, phase: columns[at].getAttribute("data-label") }));
    });
  });

  columns.forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("drop-target");
    });
    column.addEventListener("dragleave", function (event) {
      if (!column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
    });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("drop-target");
      if (dragged) { move(dragged, column); }
    });
  });
})();
