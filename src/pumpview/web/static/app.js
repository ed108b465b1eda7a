// Progressive enhancement only: every page works without this file.
// While a sync runs, reload Settings → Integrations every two seconds so the bar moves.
document.addEventListener("DOMContentLoaded", () => {
  if (document.querySelector('[data-syncing="true"]') && !document.querySelector("details[open] form input:focus")) {
    setTimeout(() => window.location.reload(), 2000);
  }
});
