// Operations: the events as they pass, newest first, the last fifty.
(() => {
  "use strict";
  const list = document.getElementById("events");
  document.addEventListener("live:events", (event) => {
    const item = document.createElement("li");
    const at = new Date(event.detail.at);
    item.textContent = `${at.toLocaleTimeString()} ${event.detail.type}`;
    list.prepend(item);
    while (list.children.length > 50) list.lastElementChild.remove();
  });
})();
