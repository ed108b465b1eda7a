// Charts from the page's own JSON twin (a <script type="application/json"> block), drawn with
// ECharts. No inline script and no style attributes: the CSP allows neither, so the tooltip is
// built from DOM nodes (ECharts' default tooltip writes style="" through innerHTML).
"use strict";

// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
  "#000000", "#999999"];

// Display only: the exact figures are the server's, in the tables and the JSON.
function dollars(cents) {
  return (cents / 100).toLocaleString("en-US", { style: "currency", currency: "USD" });
}

// Axis ticks: short enough for a phone ($1.5K, $20).
const AXIS = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD",
  notation: "compact", maximumFractionDigits: 1 });
function axisDollars(cents) {
  return AXIS.format(cents / 100);
}

// An axis tooltip of dollars, one line per series with its colour; empty series left out.
function tooltip(params) {
  return tooltipLines(params[0].axisValueLabel,
    params.filter((p) => p.value).map((p) => [p.seriesName, dollars(p.value), p.color]));
}

// A page of ours with the page's own query (range, teams) and the range of the chart's data.
function pageLink(path, data) {
  const query = new URLSearchParams(window.location.search);
  query.set("since", data.since);
  query.set("until", data.until);
  return `${path}?${query}`;
}

// Names come from users and upstream: control characters, and the invisible ones that reorder
// text (a U+202E name reads "test.exe"), are drawn as U+FFFD, as the pages show them.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(text) {
  return String(text).replace(CONTROL, "\ufffd");
}

function personPath(email) {
  return `/people/${encodeURIComponent(email || "-").replace("%40", "@")}`;
}

function modelPath(model) {
  return `/models/${encodeURIComponent(model)}`;
}

// A tooltip built from DOM nodes (the CSP forbids ECharts' HTML strings): a title, then
// [label, value, colour?] lines. Upstream text is set as text, never as HTML.
function tooltipLines(title, lines) {
  const box = document.createElement("div");
  const head = document.createElement("div");
  head.className = "tt-head";
  head.textContent = visible(title);
  box.append(head);
  for (const [label, value, color] of lines) {
    const row = document.createElement("div");
    row.className = "tt-row";
    if (color) {
      const dot = document.createElement("span");
      dot.className = "tt-dot";
      dot.style.backgroundColor = color;
      row.append(dot);
    }
    const name = document.createElement("span");
    name.textContent = visible(label);
    const figure = document.createElement("b");
    figure.textContent = value;
    row.append(name, figure);
    box.append(row);
  }
  return box;
}

function changes(el, data) {
  const rows = data.changes.slice().reverse();  // the largest rise on top
  const label = (c) => visible(c.model === null ? `Everyone else (${c.pairs} pairs)`
    : `${c.name || c.email || "Unattributed"} · ${c.model}`);
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.on("finished", () => { el.dataset.rendered = "true"; });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 24, top: 8, bottom: 24, containLabel: true },
    tooltip: {
      trigger: "item",
      formatter: (p) => {
        const c = rows[p.dataIndex];
        const sign = Number(c.change_cents) > 0 ? "+" : "";
        return tooltipLines(label(c), [["Before", dollars(Number(c.previous_cents))],
          ["Now", dollars(Number(c.spend_cents))],
          ["Change", sign + dollars(Number(c.change_cents))]]);
      },
    },
    xAxis: { type: "value", axisLabel: { formatter: axisDollars } },
    yAxis: { type: "category", data: rows.map(label),  // labels take at most 40% of a phone
      axisLabel: { width: Math.min(260, el.clientWidth * 0.4), overflow: "truncate" } },
    series: [{
      type: "bar", cursor: "pointer",
      data: rows.map((c) => ({ value: Number(c.change_cents),
        itemStyle: { color: Number(c.change_cents) > 0 ? PALETTE[5] : PALETTE[0] } })),
    }],
  });
  chart.on("click", (p) => {
    const c = rows[p.dataIndex];
    if (c.model !== null) window.location.href = pageLink(personPath(c.email), data);
  });
  window.addEventListener("resize", () => chart.resize());
}

function spendByModel(el, data) {
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.on("finished", () => { el.dataset.rendered = "true"; });
  chart.setOption({
    animation: false,
    color: PALETTE,
    grid: { left: 64, right: 16, top: 40, bottom: 32 },
    legend: { type: "scroll", top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: tooltip },
    xAxis: { type: "category", data: data.buckets },
    yAxis: { type: "value", axisLabel: { formatter: axisDollars } },
    series: data.series.map((s) => ({
      name: s.model, type: "bar", stack: "spend",
      cursor: s.model === "other" || data.links === false ? "default" : "pointer",
      data: s.spend_cents.map(Number),
    })),
  });
  chart.on("click", (p) => {  // a model's bar opens the model's page (providers have none)
    if (data.links !== false && p.seriesName !== "other") {
      window.location.href = pageLink(modelPath(p.seriesName), data);
    }
  });
  window.addEventListener("resize", () => chart.resize());
}

function countTooltip(params) {
  return tooltipLines(params[0].axisValueLabel,
    params.map((p) => [p.seriesName, Number(p.value).toLocaleString("en-US")]));
}

function requests(el, data) {
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.on("finished", () => { el.dataset.rendered = "true"; });
  const classes = [["Fast (premium)", data.fast, PALETTE[1]], ["Slow (standard)", data.slow, PALETTE[0]],
    ["Not charged", data.not_charged, PALETTE[8]]];
  chart.setOption({
    animation: false,
    grid: { left: 56, right: 16, top: 40, bottom: 32 },
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: countTooltip },
    xAxis: { type: "category", data: data.buckets },
    yAxis: { type: "value", minInterval: 1 },
    series: classes.map(([name, values, color]) => ({
      name, type: "bar", stack: "requests", data: values, itemStyle: { color },
    })),
  });
  window.addEventListener("resize", () => chart.resize());
}

// Horizontal bars, one per row, the first row on top, stacked by ``parts`` ([name, key, colour]);
// ``open(row)``, when given, is the page a click on a row's bar opens.
function stackedBars(el, given, named, parts, totalName, open) {
  const rows = given.slice().reverse();
  const label = (row) => visible(named(row));
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.on("finished", () => { el.dataset.rendered = "true"; });
  chart.setOption({
    animation: false,
    legend: { top: 0 },
    grid: { left: 8, right: 24, top: 32, bottom: 24, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: (params) => {
      const row = rows[params[0].dataIndex];
      const total = parts.reduce((sum, [, key]) => sum + Number(row[key]), 0);
      return tooltipLines(label(row), [...parts.map(([name, key]) => [name, dollars(Number(row[key]))]),
        [totalName, dollars(total)]]);
    } },
    xAxis: { type: "value", splitNumber: el.clientWidth < 500 ? 3 : 5,
      axisLabel: { formatter: axisDollars } },
    yAxis: { type: "category", data: rows.map(label),
      axisLabel: { width: Math.min(220, el.clientWidth * 0.4), overflow: "truncate" } },
    series: parts.map(([name, key, color]) => ({
      name, type: "bar", stack: "spend", cursor: open ? "pointer" : "default", itemStyle: { color },
      data: rows.map((row) => Number(row[key])),
    })),
  });
  if (open) chart.on("click", (p) => { window.location.href = open(rows[p.dataIndex]); });
  window.addEventListener("resize", () => chart.resize());
}

function people(el, data) {  // a person's bar opens their page
  stackedBars(el, data.people, (p) => p.name || p.email || "Unattributed",
    [["On-demand", "on_demand_cents", PALETTE[1]], ["Included", "included_cents", PALETTE[0]]],
    "Usage value", (p) => pageLink(personPath(p.email), data));
}

function teams(el, data) {
  stackedBars(el, data.teams, (t) => t.team,
    [["Cursor (billed)", "cursor_cents", PALETTE[1]],
      ["Claude Code (est.)", "claude_code_cents", PALETTE[2]],
      ["GitHub Copilot (billed)", "copilot_cents", PALETTE[3]],
      ["Cloud (billed)", "cloud_cents", PALETTE[0]]],
    "Billed", null);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("[data-chart]")) {
    const data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    if (el.dataset.chart === "spend-by-model") spendByModel(el, data);
    if (el.dataset.chart === "changes") changes(el, data);
    if (el.dataset.chart === "requests") requests(el, data);
    if (el.dataset.chart === "people") people(el, data);
    if (el.dataset.chart === "teams") teams(el, data);
  }
});
