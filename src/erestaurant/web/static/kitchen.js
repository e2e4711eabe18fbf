// The kitchen display: each ticket's age counts up here, in the browser, and changes colour
// at the thresholds the board carries; a number key starts or finishes that ticket; an
// optional chime sounds for each new ticket.
(() => {
  "use strict";
  const board = document.getElementById("board");
  const warn = Number(board.dataset.warn);
  const late = Number(board.dataset.late);
  const chime = document.getElementById("chime");
  chime.checked = localStorage.getItem("kitchen.chime") === "on";
  chime.addEventListener("change", () => localStorage.setItem("kitchen.chime", chime.checked ? "on" : "off"));

  function tick() {
    const now = Date.now();
    board.querySelectorAll("[data-since]").forEach((el) => {
      const seconds = Math.max(0, Math.floor((now - Date.parse(el.dataset.since)) / 1000));
      const m = Math.floor(seconds / 60);
      const s = String(seconds % 60).padStart(2, "0");
      el.textContent = `${m}:${s}`;
      const ticket = el.closest(".ticket");
      ticket.classList.toggle("warn", seconds >= warn && seconds < late);
      ticket.classList.toggle("late", seconds >= late);
    });
  }
  setInterval(tick, 1000);
  board.addEventListener("htmx:afterSwap", tick);
  tick();

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.altKey || event.ctrlKey || event.metaKey) return;
    if (!/^[1-9]$/.test(event.key)) return;
    const form = board.querySelector(`.ticket[data-key="${event.key}"] form`);
    if (form) {
      event.preventDefault();
      htmx.trigger(form, "submit");
    }
  });

  // Browsers let a page make sound only after a person touched it: the chime's context is
  // made (or woken) by a tap.
  let audio = null;
  function wake() {
    if (!chime.checked) return;
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
  }
  chime.addEventListener("change", wake);
  document.addEventListener("pointerdown", wake);
  document.addEventListener("keydown", wake);
  document.addEventListener("live:tickets", (event) => {
    if (!chime.checked || !audio || event.detail.change !== "CookReceived") return;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
  });
})();
