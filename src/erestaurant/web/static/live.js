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

  // Each part is read again at most once a second (the last notice of a burst included):
  // a lunch rush must not turn into a flood of reads counted against the cook's rate.
  const MIN_GAP_MS = 1000;
  const lastRead = new WeakMap();
  const waiting = new WeakSet();
  function read(el) {
    const since = Date.now() - (lastRead.get(el) || 0);
    if (since >= MIN_GAP_MS) {
      lastRead.set(el, Date.now());
      htmx.trigger(el, "refresh");
    } else if (!waiting.has(el)) {
      waiting.add(el);
      setTimeout(() => {
        waiting.delete(el);
        read(el);
      }, MIN_GAP_MS - since);
    }
  }
  function refresh(selector) {
    document.querySelectorAll(selector).forEach(read);
  }
  function refreshTopic(topic) {
    refresh(`[data-refresh-on~="${topic}"]`);
  }
  function refreshAll() {
    refresh("[data-refresh-on]");
  }
  let downTimer = null;
  function offline(down) {
    clearTimeout(downTimer);
    document.body.dataset.live = down ? "down" : "open";
    if (!down) {
      if (banner) banner.hidden = true;
      return;
    }
    // A stream that ends cleanly (its token expired) is back within a second or two: the
    // banner is for a real outage.
    downTimer = setTimeout(() => {
      if (banner && document.body.dataset.live === "down") banner.hidden = false;
    }, 1500);
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

  window.addEventListener("offline", () => {
    offline(true);
    clearTimeout(downTimer);
    if (banner) banner.hidden = false; // the browser knows: no need to wait
  });
  // A request the server refused or could not answer: say so, in the page's language.
  const toasts = document.getElementById("toasts");
  document.addEventListener("htmx:responseError", (event) => {
    if (!toasts || !document.body.dataset.failedText) return;
    const note = document.createElement("p");
    note.className = "toast failed";
    note.textContent = document.body.dataset.failedText.replace(
      "{status}",
      String(event.detail.xhr.status),
    );
    toasts.appendChild(note);
    setTimeout(() => note.remove(), 6000);
  });
  // Back online: do not wait for the stream's next retry; read everything again now.
  window.addEventListener("online", () => {
    if (source && source.readyState !== EventSource.OPEN) {
      source.close();
      connect();
    }
    refreshAll();
  });
  document.addEventListener("htmx:sendError", () => offline(true));
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful && source && source.readyState === EventSource.OPEN) offline(false);
  });
  connect();
})();
