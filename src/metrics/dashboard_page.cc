// The dashboard page (see dashboard_page.h). Plain HTML, CSS and JavaScript in one string, so the
// binary serves it without files and the browser fetches nothing but /api/status.
#include "metrics/dashboard_page.h"

namespace wb::metrics {

const std::string_view kDashboardHtml = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>writebehind</title>
<style>
  :root { --bg:#f4f5f7; --card:#fff; --ink:#1d2330; --muted:#6b7385; --line:#e2e5eb;
          --ok:#1a7f37; --bad:#c62828; --warn:#b26a00; --paused:#5b5fc7; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; flex-wrap:wrap; gap:16px; align-items:baseline; padding:12px 20px; background:#1d2330; color:#fff; }
  header h1 { font-size:18px; margin:0; letter-spacing:.02em; }
  header .meta { color:#b9c0cf; font-size:12px; }
  header .meta b { color:#fff; font-weight:600; }
  main { padding:16px 20px; display:grid; gap:16px; }
  .card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
  .card h2 { font-size:16px; margin:0 0 10px; display:flex; gap:10px; align-items:center; }
  .badge { font-size:11px; font-weight:600; text-transform:uppercase; padding:2px 8px; border-radius:10px; color:#fff; background:var(--muted); }
  .badge.running, .badge.reachable, .badge.up { background:var(--ok); }
  .badge.paused { background:var(--paused); }
  .badge.retrying, .badge.schema-error, .badge.unreachable, .badge.down { background:var(--bad); }
  .badge.unknown { background:var(--warn); }
  .stats { display:grid; grid-template-columns:repeat(auto-fill, minmax(110px, 1fr)); gap:8px; margin-bottom:12px; }
  .stat { border:1px solid var(--line); border-radius:6px; padding:6px 8px; }
  .stat .label { color:var(--muted); font-size:11px; text-transform:uppercase; letter-spacing:.04em; }
  .stat .value { font-size:18px; font-weight:600; font-variant-numeric:tabular-nums; }
  .charts { display:grid; grid-template-columns:repeat(auto-fit, minmax(320px, 1fr)); gap:12px; }
  .chart h3 { font-size:12px; color:var(--muted); margin:0 0 4px; font-weight:600; text-transform:uppercase; }
  .chart svg { width:100%; height:150px; display:block; background:#fbfcfd; border:1px solid var(--line); border-radius:6px; }
  .legend { display:flex; flex-wrap:wrap; gap:10px; font-size:11px; color:var(--muted); margin-top:4px; }
  .legend i { display:inline-block; width:10px; height:3px; margin-right:4px; vertical-align:middle; }
  table { border-collapse:collapse; width:100%; }
  th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
  th { color:var(--muted); font-size:11px; text-transform:uppercase; font-weight:600; }
  td.num { font-variant-numeric:tabular-nums; }
  .rejected { margin-top:12px; }
  .rejected td.error { color:var(--bad); font-family:ui-monospace, monospace; font-size:12px; word-break:break-word; }
  .empty { color:var(--muted); font-style:italic; }
  #error { color:#ffb4b4; font-weight:600; }
</style>
</head>
<body>
<header>
  <h1>writebehind</h1>
  <span class="meta">instance <b id="instance">-</b></span>
  <span class="meta">version <b id="version">-</b></span>
  <span class="meta">Redis <b id="redis">-</b> <span id="redis-state" class="badge unknown">unknown</span></span>
  <span class="meta">ready <span id="ready" class="badge unknown">unknown</span></span>
  <span class="meta">updated <b id="updated">never</b></span>
  <span id="error"></span>
</header>
<main id="dashboard" data-seq="0">
  <section class="card" id="targets-card">
    <h2>Targets</h2>
    <table><thead><tr><th>Connection</th><th>Type</th><th>State</th><th>Checked</th></tr></thead>
      <tbody id="targets"><tr><td colspan="4" class="empty">waiting for the first sample</td></tr></tbody></table>
  </section>
  <div id="jobs"></div>
</main>
<script>
"use strict";
const REFRESH_MS = 1000;
const OPS = [["inserted", "#1f77b4"], ["updated", "#2ca02c"], ["deleted", "#d62728"],
             ["filtered", "#9467bd"], ["rejected", "#ff7f0e"]];
const STATS = [["inserted", "Inserted"], ["updated", "Updated"], ["deleted", "Deleted"], ["filtered", "Filtered"],
               ["rejected", "Rejected"], ["backlog", "Backlog"], ["pending", "Pending"], ["lag", "Lag (ms)"],
               ["dead_letters", "Dead letters"], ["rate", "Entries/s"]];
const SVG_NS = "http://www.w3.org/2000/svg";
const PAD_L = 46, PAD_R = 8, PAD_T = 8, PAD_B = 18;

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
function fmt(n) { return Number(n).toLocaleString("en-US", {maximumFractionDigits: 1}); }
function ago(ms) {
  if (!ms) return "never";
  const s = Math.max(0, (Date.now() - ms) / 1000);
  return s < 60 ? s.toFixed(1) + " s ago" : Math.round(s / 60) + " min ago";
}
function setValue(id, value, shown) {
  const e = document.getElementById(id);
  if (!e) return;
  e.dataset.value = String(value);
  e.textContent = shown !== undefined ? shown : fmt(value);
}
function setBadge(e, word) { e.className = "badge " + word; e.textContent = word; }

// Entries per second of each operation between consecutive history points.
function rates(history) {
  const out = {t: []};
  for (const [op] of OPS) out[op] = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1], b = history[i];
    const dt = (b.t_ms - a.t_ms) / 1000;
    if (dt <= 0) continue;
    out.t.push(b.t_ms);
    for (const [op] of OPS) out[op].push(Math.max(0, (b[op] - a[op]) / dt));
  }
  return out;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// Draws series [{name, color, t: [...], v: [...]}] over [t0, t1] into the svg element.
function drawChart(root, series, t0, t1, unit) {
  while (root.firstChild) root.removeChild(root.firstChild);
  const CHART_W = root.clientWidth || 600, CHART_H = root.clientHeight || 150;  // draw in CSS pixels
  root.setAttribute("viewBox", "0 0 " + CHART_W + " " + CHART_H);
  let max = 0;
  for (const s of series) for (const v of s.v) max = Math.max(max, v);
  max = niceMax(max);
  const w = CHART_W - PAD_L - PAD_R, h = CHART_H - PAD_T - PAD_B;
  const x = t => PAD_L + (t1 > t0 ? (t - t0) / (t1 - t0) : 1) * w;
  const y = v => PAD_T + h - (v / max) * h;
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4;
    root.appendChild(svg("line", {x1: PAD_L, x2: CHART_W - PAD_R, y1: y(v), y2: y(v), stroke: "#e2e5eb", "stroke-width": 1}));
    const label = svg("text", {x: PAD_L - 4, y: y(v) + 3, "text-anchor": "end", "font-size": 10, fill: "#6b7385"});
    label.textContent = fmt(v);
    root.appendChild(label);
  }
  const span = Math.round((t1 - t0) / 1000);
  for (const [t, text] of [[t0, "-" + span + " s"], [t1, "now"]]) {
    const label = svg("text", {x: x(t), y: CHART_H - 4, "text-anchor": t === t0 ? "start" : "end", "font-size": 10, fill: "#6b7385"});
    label.textContent = text;
    root.appendChild(label);
  }
  for (const s of series) {
    if (s.v.length === 0) continue;
    const pts = s.v.map((v, i) => x(s.t[i]).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
    root.appendChild(svg("polyline", {points: pts, fill: "none", stroke: s.color, "stroke-width": 1.6,
                                      "data-series": s.name}));
  }
  root.dataset.unit = unit;
  root.dataset.max = String(max);
}

function jobCard(job) {
  const card = el("section", {class: "card job", "data-job": job.name, id: "job-" + job.name});
  const title = el("h2", {}, job.name);
  title.appendChild(el("span", {class: "badge unknown", id: "job-" + job.name + "-state"}, "unknown"));
  card.appendChild(title);
  const stats = el("div", {class: "stats"});
  for (const [field, label] of STATS) {
    const s = el("div", {class: "stat"});
    s.appendChild(el("div", {class: "label"}, label));
    s.appendChild(el("div", {class: "value", id: "job-" + job.name + "-" + field, "data-field": field, "data-value": "0"}, "0"));
    stats.appendChild(s);
  }
  card.appendChild(stats);
  const charts = el("div", {class: "charts"});
  const tput = el("div", {class: "chart"});
  tput.appendChild(el("h3", {}, "Throughput (entries/s per operation)"));
  tput.appendChild(svg("svg", {id: "job-" + job.name + "-throughput-chart", class: "throughput"}));
  const legend = el("div", {class: "legend"});
  for (const [op, color] of OPS) {
    const item = el("span", {});
    const swatch = el("i", {});
    swatch.style.background = color;
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(op));
    legend.appendChild(item);
  }
  tput.appendChild(legend);
  const lag = el("div", {class: "chart"});
  lag.appendChild(el("h3", {}, "Lag (ms, oldest unacknowledged entry)"));
  lag.appendChild(svg("svg", {id: "job-" + job.name + "-lag-chart", class: "lag"}));
  charts.appendChild(tput);
  charts.appendChild(lag);
  card.appendChild(charts);
  const rej = el("div", {class: "rejected"});
  rej.appendChild(el("h3", {}, "Latest rejected"));
  rej.appendChild(el("table", {id: "job-" + job.name + "-rejected-list"}));
  card.appendChild(rej);
  return card;
}

function renderRejected(table, job) {
  while (table.firstChild) table.removeChild(table.firstChild);
  if (job.latest_rejected.length === 0) {
    const row = el("tr", {});
    row.appendChild(el("td", {class: "empty"}, "none"));
    table.appendChild(row);
    return;
  }
  const head = el("tr", {});
  for (const h of ["Time", "Key", "Output", "Error"]) head.appendChild(el("th", {}, h));
  table.appendChild(head);
  for (const r of job.latest_rejected) {
    const row = el("tr", {"data-id": r.id});
    row.appendChild(el("td", {class: "num"}, r.time));
    row.appendChild(el("td", {}, r.key));
    row.appendChild(el("td", {}, r.output));
    row.appendChild(el("td", {class: "error"}, r.error));
    table.appendChild(row);
  }
}

function renderJob(job, now) {
  const id = "job-" + job.name;
  setBadge(document.getElementById(id + "-state"), job.state);
  for (const op of ["inserted", "updated", "deleted", "filtered", "rejected"]) setValue(id + "-" + op, job.counters[op]);
  setValue(id + "-backlog", job.backlog);
  setValue(id + "-pending", job.pending);
  setValue(id + "-lag", job.lag_ms);
  setValue(id + "-dead_letters", job.dead_letters);
  const r = rates(job.history);
  let latest = 0;
  if (r.t.length > 0) for (const [op] of OPS) latest += r[op][r[op].length - 1];
  setValue(id + "-rate", Math.round(latest * 10) / 10);
  const t1 = now, t0 = job.history.length > 0 ? Math.min(job.history[0].t_ms, now - 60000) : now - 60000;
  drawChart(document.getElementById(id + "-throughput-chart"),
            OPS.map(([op, color]) => ({name: op, color, t: r.t, v: r[op]})), t0, t1, "entries/s");
  drawChart(document.getElementById(id + "-lag-chart"),
            [{name: "lag", color: "#c62828", t: job.history.map(p => p.t_ms), v: job.history.map(p => p.lag_ms)}],
            t0, t1, "ms");
  renderRejected(document.getElementById(id + "-rejected-list"), job);
}

function renderTargets(targets) {
  const body = document.getElementById("targets");
  while (body.firstChild) body.removeChild(body.firstChild);
  if (targets.length === 0) {
    const row = el("tr", {});
    row.appendChild(el("td", {colspan: "4", class: "empty"}, "no target probed yet"));
    body.appendChild(row);
  }
  for (const t of targets) {
    const row = el("tr", {"data-target": t.name, id: "target-" + t.name});
    row.appendChild(el("td", {}, t.name));
    row.appendChild(el("td", {}, t.type));
    const state = el("td", {});
    const badge = el("span", {id: "target-" + t.name + "-state", "data-reachable": String(t.reachable)});
    setBadge(badge, t.reachable ? "reachable" : "unreachable");
    state.appendChild(badge);
    row.appendChild(state);
    row.appendChild(el("td", {}, ago(t.checked_ms)));
    body.appendChild(row);
  }
}

function render(s) {
  document.getElementById("instance").textContent = s.instance;
  document.getElementById("version").textContent = s.version;
  document.getElementById("redis").textContent = s.redis.url;
  setBadge(document.getElementById("redis-state"), s.redis.reachable ? "up" : "down");
  setBadge(document.getElementById("ready"), s.ready ? "up" : "down");
  document.getElementById("updated").textContent = new Date(s.now_ms || Date.now()).toLocaleTimeString();
  const container = document.getElementById("jobs");
  const names = s.jobs.map(j => j.name).join("\n");
  if (container.dataset.names !== names) {
    while (container.firstChild) container.removeChild(container.firstChild);
    for (const job of s.jobs) container.appendChild(jobCard(job));
    container.dataset.names = names;
  }
  for (const job of s.jobs) renderJob(job, s.now_ms || Date.now());
  renderTargets(s.targets);
  const root = document.getElementById("dashboard");
  root.dataset.seq = String(s.seq);
  root.dataset.renders = String(Number(root.dataset.renders || 0) + 1);
}

async function refresh() {
  try {
    const response = await fetch("/api/status", {cache: "no-store"});
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = "cannot reach the applier: " + e.message;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}
refresh();
</script>
</body>
</html>
)HTML";

}  // namespace wb::metrics
