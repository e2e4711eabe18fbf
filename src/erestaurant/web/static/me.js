// My orders: each order shows the furthest step seen, from the list (the read model) or
// from the live stream, whichever is further, so a read that lags never moves it back.
(() => {
  "use strict";
  const STEPS = ["placed", "cooking", "ready", "deducted"];
  const orders = document.getElementById("orders");
  const toasts = document.getElementById("toasts");
  const labels = {};
  document.getElementById("step-labels").content.querySelectorAll("[data-step]").forEach((el) => {
    labels[el.dataset.step] = el.textContent;
  });
  const furthest = JSON.parse(sessionStorage.getItem("me.steps") || "{}");
  const toasted = JSON.parse(sessionStorage.getItem("me.toasted") || "[]");

  function further(a, b) {
    return STEPS.indexOf(b) > STEPS.indexOf(a) ? b : a;
  }
  function show(row) {
    const id = row.dataset.orderId;
    const step = further(row.dataset.step, furthest[id] || "placed");
    row.dataset.step = step;
    const reached = STEPS.indexOf(step);
    row.querySelectorAll("[data-step-name]").forEach((li) => {
      const index = STEPS.indexOf(li.dataset.stepName);
      li.classList.toggle("done", index <= reached);
      if (index === reached) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    });
    const now = row.querySelector(".step-now");
    if (now) now.textContent = now.dataset.pattern.replace("{step}", labels[step] || step);
    if (reached >= STEPS.indexOf("cooking")) row.querySelector("form")?.remove();
  }
  function showAll() {
    orders.querySelectorAll(".order[data-order-id]").forEach(show);
  }
  function toast(text) {
    const note = document.createElement("p");
    note.className = "toast";
    note.textContent = text;
    toasts.appendChild(note);
    setTimeout(() => note.remove(), 8000);
  }

  document.addEventListener("live:order", (event) => {
    const { orderId, step } = event.detail;
    if (step === "cancelled" || !STEPS.includes(step)) return;
    const before = furthest[orderId] || "placed";
    furthest[orderId] = further(before, step);
    sessionStorage.setItem("me.steps", JSON.stringify(furthest));
    const row = orders.querySelector(`.order[data-order-id="${orderId}"]`);
    if (row) show(row);
    else awaited.set(orderId, awaited.get(orderId) || 0);
    // Hall says "ready" and payment "deducted" on their own: either may come first, and
    // either means the meal is ready. One toast per order.
    if ((step === "ready" || step === "deducted") && !toasted.includes(orderId)) {
      toasted.push(orderId);
      sessionStorage.setItem("me.toasted", JSON.stringify(toasted.slice(-200)));
      const dish = row ? row.dataset.dish : "";
      toast(orders.dataset.readyText.replace("{dish}", dish));
    }
  });
  // An order the stream told of but the list (the read view) does not hold yet: read the
  // list again, a few times, until the view has caught up.
  const awaited = new Map();
  function awaitMissing() {
    for (const [id, tries] of awaited) {
      if (orders.querySelector(`.order[data-order-id="${id}"]`) || tries >= 5) {
        awaited.delete(id);
      } else {
        awaited.set(id, tries + 1);
      }
    }
    if (awaited.size) setTimeout(() => htmx.trigger(orders, "refresh"), 1000);
  }
  orders.addEventListener("htmx:afterSwap", () => {
    showAll();
    awaitMissing();
  });
  showAll();
})();
