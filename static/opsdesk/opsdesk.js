// After an action redraws the incident in place, move keyboard focus to what changed: the error if
// there is one, otherwise the incident's heading (the button that was pressed no longer exists).
document.addEventListener("htmx:afterSettle", (event) => {
  const detail = event.target;
  if (!(detail instanceof HTMLElement) || detail.id !== "incident-detail") return;
  const target = detail.querySelector("#detail-error") || detail.querySelector("h1");
  if (!target) return;
  target.setAttribute("tabindex", "-1");
  target.focus();
});

// SLA countdowns. Every [data-due] element shows the time left to its ISO instant and ticks each
// second; the server renders the same text, so without JavaScript the page still says it. The
// browser's clock is corrected by the server's (data-now) once per element. The enclosing
// [data-sla] badge only moves forward: on_track → at_risk (data-at-risk passed) → breached (zero).
(() => {
  const LABELS = { on_track: "On track", at_risk: "At risk", breached: "Breached" };
  const RANK = { on_track: 0, at_risk: 1, breached: 2 };

  // The same words as core/formatting.py duration_text(delta, "clock").
  const span = (ms) => {
    let s = Math.max(Math.floor(ms / 1000), 0);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const two = (n) => String(n).padStart(2, "0");
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${two(m)}m`;
    if (m) return `${m}m ${two(s)}s`;
    return `${s}s`;
  };

  const setState = (root, state) => {
    if (!root || !(state in RANK) || RANK[state] <= (RANK[root.dataset.sla] ?? 99)) return;
    root.dataset.sla = state;
    for (const pill of root.querySelectorAll(".sla-pill")) {
      pill.className = pill.className.replace(/\bsla-(on_track|at_risk)\b/, `sla-${state}`);
      const label = pill.querySelector(".sla-state");
      if (label) label.textContent = LABELS[state];
    }
  };

  const tick = () => {
    const clientNow = Date.now();
    for (const el of document.querySelectorAll("[data-due]")) {
      if (el.dataset.skew === undefined) {
        const serverNow = Date.parse(el.dataset.now || "");
        el.dataset.skew = Number.isNaN(serverNow) ? "0" : String(serverNow - clientNow);
      }
      const now = clientNow + Number(el.dataset.skew);
      const due = Date.parse(el.dataset.due);
      if (Number.isNaN(due)) continue;
      const atRisk = Date.parse(el.dataset.atRisk || "");
      const left = due - now;
      el.textContent = left > 0 ? span(left) : `overdue ${span(-left)}`;
      setState(el.closest("[data-sla]"), left <= 0 ? "breached" : now >= atRisk ? "at_risk" : "on_track");
    }
  };

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 1000);
})();

// The notification bell's dropdown (a <details>) closes on Escape or a click elsewhere.
document.addEventListener("click", (event) => {
  for (const open of document.querySelectorAll("details.notification-bell[open]")) {
    if (!open.contains(event.target)) open.open = false;
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const open of document.querySelectorAll("details.notification-bell[open]")) {
    open.open = false;
    open.querySelector("summary")?.focus();
  }
});

// Copy buttons: data-copy names the element whose value (or text) goes to the clipboard; data-copied
// names where to say it worked, data-copied-label replaces the button's text instead. (No inline
// scripts or handlers anywhere: the Content-Security-Policy allows none.)
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const isField = "value" in source && typeof source.select === "function";
  const text = isField ? source.value : source.textContent;
  if (isField) source.select();
  const done = () => {
    if (button.dataset.copiedLabel) button.textContent = button.dataset.copiedLabel;
    const status = button.dataset.copied && document.querySelector(button.dataset.copied);
    if (status) status.textContent = "Copied.";
  };
  const fallback = () => isField && document.execCommand("copy") && done();
  if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, fallback);
  else fallback();
});

// Read-only fields that select their whole value on focus (endpoint URLs, keys).
document.addEventListener("focusin", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.hasAttribute("data-select-on-focus")) {
    event.target.select();
  }
});

// A periodic refresh skips its turn while the element holds an open dropdown (the notification bell).
document.addEventListener("htmx:confirm", (event) => {
  const element = event.detail.elt;
  if (element?.hasAttribute?.("data-skip-refresh-while-open") && element.querySelector("details[open]")) {
    event.preventDefault();
  }
});
