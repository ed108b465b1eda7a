// Charts from the page's own JSON twin (a <script type="application/json"> block), drawn with
// ECharts. No inline script and no style attributes: the CSP allows neither, so the tooltip is
// built from DOM nodes (ECharts' default tooltip writes style="" through innerHTML).
"use strict";

// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
  "#000000", "#999999"];

function dollars(cents) {
  return (cents / 100).toLocaleString("en-US", { style: "currency", currency: "USD" });
}

function tooltip(params) {
  const box = document.createElement("div");
  const head = document.createElement("div");
  head.className = "tt-head";
  head.textContent = params[0].axisValueLabel;
  box.append(head);
  for (const p of params) {
    if (!p.value) continue;
    const row = document.createElement("div");
    row.className = "tt-row";
    const dot = document.createElement("span");
    dot.className = "tt-dot";
    dot.style.backgroundColor = p.color;
    const name = document.createElement("span");
    name.textContent = p.seriesName;  // upstream text: set as text, never as HTML
    const value = document.createElement("b");
    value.textContent = dollars(p.value);
    row.append(dot, name, value);
    box.append(row);
  }
  return box;
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
    yAxis: { type: "value", axisLabel: { formatter: (v) => dollars(v) } },
    series: data.series.map((s) => ({
      name: s.model, type: "bar", stack: "spend",
      data: s.spend_cents.map(Number),
    })),
  });
  window.addEventListener("resize", () => chart.resize());
}

document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("[data-chart]")) {
    const data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    if (el.dataset.chart === "spend-by-model") spendByModel(el, data);
  }
});
