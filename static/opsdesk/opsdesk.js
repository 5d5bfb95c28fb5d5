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
