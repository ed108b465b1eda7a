// Progressive enhancement only: every page works without this file.
"use strict";

// While work runs in the background (a sync, an import: marked data-running="true"), reload
// the page every two seconds so its bar moves; while a person is filling in a form (a field
// focused, a file chosen), wait and look again rather than lose what they typed.
function followProgress() {
  if (!document.querySelector('[data-running="true"]')) return;
  const chosen = () => Array.from(document.querySelectorAll('input[type="file"]'))
    .some((input) => input.files.length > 0);
  const busy = () => document.querySelector("form input:focus") || chosen();
  const reload = () => (busy() ? setTimeout(reload, 2000) : window.location.reload());
  setTimeout(reload, 2000);
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
  document.querySelectorAll("table[data-sortable]").forEach(sortable);
  document.querySelectorAll("input[data-filter]").forEach(searchable);
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(capped);
});
