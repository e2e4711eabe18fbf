// The kiosk: the card field keeps the focus (a card reader types the number and Enter);
// a tap on a tile picks the dish; each order attempt has one Idempotency-Key, kept through
// its retries (after a pause, or while offline), so a double tap or a retry is one order.
(() => {
  "use strict";
  const form = document.getElementById("order");
  const card = document.getElementById("card");
  const pin = document.getElementById("pin");
  const qty = document.getElementById("qty");
  const menuId = document.getElementById("menu-id");
  const key = document.getElementById("order-key");
  const answer = document.getElementById("answer");
  const tiles = document.getElementById("tiles");
  const idleSeconds = Number(form.dataset.idleSeconds);
  const confirmationSeconds = Number(form.dataset.confirmationSeconds);
  let idleTimer = null;
  let closeTimer = null;
  let countdown = null;
  let sending = false;
  // An order attempt not answered yet (on its way, paused, or waiting for the network):
  // the kiosk does not clear itself under it.
  let attempt = false;
  // The last attempt was taken: the same form sent again (a double tap) is the same order,
  // under the same key; anything changed first (a dish, the quantity, a card) is a new one.
  let taken = false;
  function changed() {
    if (taken) {
      taken = false;
      newKey();
    }
  }

  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    key.value = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function focusCard() {
    const target = pin.hidden ? card : pin;
    if (document.activeElement !== target) target.focus({ preventScroll: true });
  }
  function select(id) {
    if ((id || "") !== menuId.value) changed();
    menuId.value = id || "";
    tiles.querySelectorAll(".tile").forEach((tile) => {
      tile.setAttribute("aria-pressed", String(tile.dataset.menuId === menuId.value));
    });
  }
  function askPin(asked) {
    pin.hidden = !asked;
    form.querySelector("label.pin").hidden = !asked;
    if (!asked) pin.value = "";
  }
  function reset() {
    taken = false;
    clearTimeout(closeTimer);
    clearInterval(countdown);
    card.value = "";
    qty.value = "1";
    askPin(false);
    select("");
    answer.innerHTML = "";
    newKey();
    focusCard();
  }
  function touched() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => (attempt ? touched() : reset()), idleSeconds * 1000);
  }

  tiles.addEventListener("click", (event) => {
    const tile = event.target.closest(".tile");
    if (!tile || tile.disabled) return;
    select(tile.dataset.menuId);
    focusCard();
  });
  form.querySelectorAll("[data-qty]").forEach((button) => {
    button.addEventListener("click", () => {
      const next = Number(qty.value) + Number(button.dataset.qty);
      changed();
      qty.value = String(Math.min(Math.max(next, 1), Number(qty.dataset.max)));
      focusCard();
    });
  });
  // After the tiles are read again (a dish sold out), the picked dish stays picked unless
  // it can no longer be ordered.
  tiles.addEventListener("htmx:afterSwap", () => {
    const picked = tiles.querySelector(`.tile[data-menu-id="${menuId.value}"]`);
    select(picked && !picked.disabled ? menuId.value : "");
  });

  // The tiles inside the form are read again by htmx too: only the form's own requests
  // are orders.
  const ordering = (event) => event.detail.elt === form;
  form.addEventListener("htmx:confirm", (event) => {
    if (!ordering(event)) return;
    if (sending) {
      event.preventDefault(); // a second tap while the first is on its way
      return;
    }
    if (!menuId.value) {
      event.preventDefault();
      answer.innerHTML = "";
      const p = document.createElement("p");
      p.className = "message refused big";
      p.textContent = form.dataset.chooseFirst;
      answer.appendChild(p);
    }
  });
  form.addEventListener("htmx:beforeRequest", (event) => {
    if (ordering(event)) sending = attempt = true;
  });
  form.addEventListener("htmx:afterRequest", (event) => {
    if (!ordering(event)) return;
    sending = false;
    if (!event.detail.successful && !event.detail.xhr.status) {
      // Offline: the same attempt (same key) goes again when the network is back.
      answer.innerHTML = "";
      const p = document.createElement("p");
      p.className = "message paused big";
      p.dataset.outcome = "waiting";
      p.textContent = form.dataset.waitingText;
      answer.appendChild(p);
      setTimeout(() => htmx.trigger(form, "submit"), 3000);
    }
  });
  answer.addEventListener("htmx:afterSwap", () => {
    const outcome = answer.querySelector("[data-outcome]");
    if (!outcome) return;
    clearInterval(countdown);
    attempt = outcome.dataset.outcome === "paused";
    if (outcome.dataset.outcome === "placed") {
      taken = true;
      closeTimer = setTimeout(reset, confirmationSeconds * 1000);
    } else if (outcome.dataset.outcome === "paused") {
      let left = Number(outcome.dataset.retryAfter);
      const text = outcome.querySelector(".countdown");
      countdown = setInterval(() => {
        left -= 1;
        text.textContent = outcome.dataset.pattern.replace("{s}", String(Math.max(left, 0)));
        if (left <= 0) {
          clearInterval(countdown);
          htmx.trigger(form, "submit"); // the same attempt, the same key
        }
      }, 1000);
    } else {
      askPin(outcome.dataset.pin === "asked");
      card.value = outcome.dataset.pin === "asked" ? card.value : "";
      newKey(); // that attempt is over: the next is a new order
    }
    focusCard();
  });

  ["pointerdown", "keydown", "input"].forEach((name) => document.addEventListener(name, touched));
  card.addEventListener("input", changed);
  card.addEventListener("blur", () => setTimeout(focusCard, 0));
  pin.addEventListener("blur", () => setTimeout(focusCard, 0));
  newKey();
  focusCard();
  touched();
})();
