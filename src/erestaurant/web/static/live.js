// The screen's live stream: each server-sent event tells which parts of the page to read
// again (elements whose data-refresh-on names its topic get an htmx "refresh", which their
// hx-sync coalesces), and scripts of the screen hear it as a "live:<topic>" DOM event.
// The browser's EventSource reconnects by itself with Last-Event-ID; after a reconnect the
// page reads everything again, so a network drop loses nothing.
(() => {
  "use strict";
  const url = document.body.dataset.stream;
  if (!url) return;
  const banner = document.getElementById("offline");
  const topics = ["tickets", "menus", "order", "payments", "payroll", "events"];
  let source = null;
  let everOpen = false;

  function refresh(selector) {
    document.querySelectorAll(selector).forEach((el) => htmx.trigger(el, "refresh"));
  }
  function refreshTopic(topic) {
    refresh(`[data-refresh-on~="${topic}"]`);
  }
  function refreshAll() {
    refresh("[data-refresh-on]");
  }
  function offline(down) {
    if (banner) banner.hidden = !down;
    document.body.dataset.live = down ? "down" : "open";
  }

  function connect() {
    source = new EventSource(url);
    source.onopen = () => {
      offline(false);
      if (everOpen) refreshAll(); // catch up on what happened while away
      everOpen = true;
    };
    source.onerror = () => {
      offline(true);
      if (source.readyState === EventSource.CLOSED) {
        // Refused (signed out, or the screen is gone): a fragment read sends the page to
        // sign in if need be; then try again.
        refreshAll();
        setTimeout(connect, 3000);
      }
    };
    for (const topic of topics) {
      source.addEventListener(topic, (event) => {
        refreshTopic(topic);
        document.dispatchEvent(new CustomEvent(`live:${topic}`, { detail: JSON.parse(event.data) }));
      });
    }
    source.addEventListener("resync", refreshAll);
  }

  window.addEventListener("offline", () => offline(true));
  document.addEventListener("htmx:sendError", () => offline(true));
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful && source && source.readyState === EventSource.OPEN) offline(false);
  });
  connect();
})();
