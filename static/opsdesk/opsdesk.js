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

// The incident queue (issue #10 item 4): the bulk-action bar follows the selected rows (hidden while
// none is selected, its fields those of the chosen action), the periodic refresh waits while rows are
// selected, and keyboard shortcuts: / search, n new incident, j/k move, Enter open, x select,
// a acknowledge, ? help. Never while typing in a field or with a modifier key held.
(() => {
  const rowBoxes = () => [...document.querySelectorAll('input[name="rows"][form="bulk-form"]')];

  const syncBulkBar = () => {
    const bar = document.querySelector("[data-bulk-bar]");
    if (!bar) return;
    const boxes = rowBoxes();
    const checked = boxes.filter((box) => box.checked).length;
    bar.hidden = checked === 0 && !bar.hasAttribute("data-has-errors");
    const count = bar.querySelector("[data-bulk-count]");
    if (count) count.textContent = `${checked} selected:`;
    const action = bar.querySelector("[data-bulk-action]")?.value;
    for (const part of bar.querySelectorAll("[data-bulk-for]")) part.hidden = part.dataset.bulkFor !== action;
    const all = document.querySelector("[data-select-all]");
    if (all) {
      all.checked = checked > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  };

  document.addEventListener("change", (event) => {
    if (event.target.matches?.("[data-select-all]")) {
      for (const box of rowBoxes()) box.checked = event.target.checked;
    }
    if (event.target.closest?.("[data-bulk-bar], table.queue")) syncBulkBar();
  });

  // The queue's refresh would drop the selection: skip its turn while rows are selected.
  document.addEventListener("htmx:confirm", (event) => {
    const element = event.detail.elt;
    if (element?.hasAttribute?.("data-skip-refresh-while-selected") && rowBoxes().some((box) => box.checked)) {
      event.preventDefault();
    }
  });

  let currentRow = null; // the data-incident of the row j/k moved to (kept across table refreshes)
  const rows = () => [...document.querySelectorAll("table.queue tbody tr[data-row]")];
  const rowOf = (number) => rows().find((row) => row.dataset.incident === number) || null;

  const mark = (row, focus) => {
    for (const other of document.querySelectorAll("table.queue tr.is-current")) {
      other.classList.remove("is-current");
      other.removeAttribute("aria-current");
    }
    if (!row) return;
    currentRow = row.dataset.incident;
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    if (focus) {
      row.querySelector("a")?.focus(); // Enter on the focused link opens the incident
      row.scrollIntoView({ block: "nearest" });
    }
  };

  const move = (step) => {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(rowOf(currentRow));
    const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    mark(all[next], true);
  };

  const acknowledge = (row) => {
    const bar = document.querySelector("[data-bulk-bar]");
    if (!row || !bar) return;
    const form = document.createElement("form");
    form.method = "post";
    form.setAttribute("action", bar.getAttribute("action")); // bar.action is its <select name="action">
    form.hidden = true;
    const fields = {
      csrfmiddlewaretoken: bar.querySelector('[name="csrfmiddlewaretoken"]')?.value || "",
      next: bar.querySelector('[name="next"]')?.value || "",
      action: "acknowledge",
      rows: row.dataset.row,
    };
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  };

  const openHelp = () => {
    const dialog = document.getElementById("shortcuts-help");
    if (dialog && !dialog.open) dialog.showModal();
  };

  const typing = (element) =>
    element instanceof HTMLElement &&
    (element.isContentEditable ||
      element.matches("textarea, select, input:not([type=checkbox], [type=radio], [type=button], [type=submit])"));

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    const row = rowOf(currentRow);
    switch (event.key) {
      case "/": {
        const search =
          document.querySelector('[data-shortcut-focus="/"]') || document.querySelector('header input[type="search"]');
        if (!search) return;
        search.focus();
        search.select?.();
        break;
      }
      case "n": {
        const link = document.querySelector('[data-shortcut="n"]');
        if (!link) return;
        link.click();
        break;
      }
      case "j":
      case "k":
        if (!rows().length) return;
        move(event.key === "j" ? 1 : -1);
        break;
      case "Enter":
        if (!row || event.target.closest?.("a, button")) return; // a focused link or button opens itself
        row.querySelector("a")?.click();
        break;
      case "x": {
        const box = row?.querySelector('input[name="rows"]');
        if (!box) return;
        box.checked = !box.checked;
        syncBulkBar();
        break;
      }
      case "a":
        if (!row || !document.querySelector("[data-bulk-bar]")) return;
        acknowledge(row);
        break;
      case "?":
        if (!document.getElementById("shortcuts-help")) return;
        openHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest?.("[data-shortcuts-help]")) openHelp();
  });

  document.addEventListener("DOMContentLoaded", syncBulkBar);
  document.addEventListener("htmx:afterSettle", () => {
    syncBulkBar();
    if (currentRow) mark(rowOf(currentRow), false);
  });
})();
