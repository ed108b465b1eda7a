// Progressive enhancement only: every page works without this file.
"use strict";

// A person filling in a form (a field focused, a file chosen) is not interrupted by a reload.
function busy() {
  const chosen = Array.from(document.querySelectorAll('input[type="file"]'))
    .some((input) => input.files.length > 0);
  return Boolean(document.querySelector("form input:focus")) || chosen;
}

// While other work runs in the background (an import: data-running="true"), reload the page
// every two seconds so its bar moves, waiting while a person is filling in a form.
function followProgress() {
  if (!document.querySelector('[data-running="true"]:not([data-sync-run])')) return;
  const reload = () => (busy() ? setTimeout(reload, 2000) : window.location.reload());
  setTimeout(reload, 2000);
}

// While a sync runs (data-sync-run: its run's id), follow the JSON twin every two seconds and
// move its line and bar in place. The page reloads once the run has ended (to show how), and
// a data page marked data-reload-on-day reloads its figures each time more days have landed.
function followSyncs() {
  const shown = Array.from(document.querySelectorAll("[data-sync-run]"));
  if (!shown.length) return;
  const poll = async () => {
    let listed;
    try {
      const answer = await fetch("/api/integrations", { headers: { Accept: "application/json" } });
      listed = answer.ok ? await answer.json() : null;
    } catch {
      listed = null;
    }
    if (!listed) return setTimeout(poll, 5000);
    let reload = false;
    for (const element of shown) {
      const found = listed.find((i) => i.run && String(i.run.id) === element.dataset.syncRun);
      if (!found || !found.progress) {
        reload = true;
        continue;
      }
      const progress = found.progress;
      const line = element.querySelector("[data-line]");
      const syncing = element.matches("section") ? "Syncing: " : "";
      if (line) line.textContent = syncing + progress.line;
      const bar = element.querySelector("progress");
      if (bar && progress.days_total) {
        bar.setAttribute("max", progress.days_total);
        bar.setAttribute("value", progress.days_done);
        bar.textContent = `${progress.days_done} of ${progress.days_total}`;
      }
      const stats = element.querySelector("[data-stats]");
      if (stats) {
        const waited = Math.round(found.run.rate_limit_wait_ms / 1000);
        stats.textContent = `${found.run.requests.toLocaleString("en-US")} requests to Cursor, `
          + `${waited} s waiting on its rate limit`;
      }
      const before = Number(element.dataset.daysDone);
      if ("reloadOnDay" in element.dataset && progress.days_done > before) reload = true;
    }
    if (reload && !busy()) window.location.reload();
    else setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}

// Sortable tables: each heading becomes a button; numbers sort by their exact value.
function sortable(table) {
  const body = table.tBodies[0];
  const headings = Array.from(table.tHead.rows[0].cells);
  headings.forEach((th, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = th.textContent;
    th.textContent = "";
    th.append(button);
    th.setAttribute("aria-sort", "none");
    button.addEventListener("click", () => {
      const descending = th.getAttribute("aria-sort") !== "descending";
      headings.forEach((other) => other.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const numeric = th.classList.contains("num");
      const key = (row) => row.cells[index].dataset.value ?? row.cells[index].textContent;
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const order = numeric ? (Number(x || -Infinity) - Number(y || -Infinity))
          : x.localeCompare(y, undefined, { sensitivity: "base" });
        return descending ? -order : order;
      });
      body.append(...rows);
    });
  });
}

// A search box over a table's rows (names, emails, models): rows that do not match are hidden.
function searchable(input) {
  const table = document.getElementById(input.dataset.filter);
  const count = input.parentElement.querySelector("[data-count]");
  input.parentElement.hidden = false;
  input.addEventListener("input", () => {
    const needle = input.value.trim().toLowerCase();
    let shown = 0;
    for (const row of table.tBodies[0].rows) {
      const match = !needle || row.textContent.toLowerCase().includes(needle);
      row.hidden = !match;
      shown += match;
    }
    count.textContent = needle ? `${shown} of ${table.tBodies[0].rows.length} rows` : "";
  });
}

// A file larger than the server takes (data-max-bytes) is refused as it is chosen, saying what
// to do, rather than sent only to be cut off at the limit (the server answers 413 either way).
function capped(input) {
  input.addEventListener("change", () => {
    const file = input.files[0];
    const over = file && file.size > Number(input.dataset.maxBytes);
    input.setCustomValidity(over ? `${file.name} is larger than the ${input.dataset.maxText} `
      + "this server takes: import it with pumpview import focus FILE." : "");
    if (over) input.reportValidity();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  followProgress();
  followSyncs();
  document.querySelectorAll("table[data-sortable]").forEach(sortable);
  document.querySelectorAll("input[data-filter]").forEach(searchable);
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(capped);
});
