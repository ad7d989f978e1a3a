"""The page of `viz.replay`: HTML, CSS and JavaScript, with ``__TITLE__`` and
``__DATA__`` (the run's JSON) to fill in. No external resource of any kind."""

PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>__TITLE__</title>
<style>
  body { margin: 0; font: 13px/1.35 system-ui, sans-serif; color: #1f2328; background: #f6f8fa; }
  header { padding: 6px 12px; background: #24292f; color: #fff; display: flex; gap: 14px;
           align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 15px; margin: 0 8px 0 0; }
  #clock { font: 600 15px ui-monospace, monospace; min-width: 170px; }
  button, select { font: inherit; padding: 2px 8px; }
  #slider { flex: 1; min-width: 200px; }
  main { display: grid; grid-template-columns: 1fr 380px; gap: 8px; padding: 8px;
         height: calc(100vh - 56px); box-sizing: border-box; }
  #mapbox { background: #fff; border: 1px solid #d0d7de; position: relative; min-height: 300px; }
  svg { width: 100%; height: 100%; display: block; }
  aside { display: flex; flex-direction: column; gap: 8px; min-height: 0; }
  .panel { background: #fff; border: 1px solid #d0d7de; padding: 6px 8px; }
  #layers label { margin-right: 10px; white-space: nowrap; }
  #details { min-height: 70px; white-space: pre-wrap; font: 12px ui-monospace, monospace; }
  #log { flex: 1; overflow-y: auto; margin: 0; padding: 0; list-style: none; min-height: 0; }
  #log li { padding: 3px 6px; border-bottom: 1px solid #eaeef2; color: #8c959f; cursor: pointer; }
  #log li.past { color: #1f2328; }
  #log li.current { background: #fff8c5; color: #1f2328; }
  #log li.inject { border-left: 4px solid #8250df; }
  #log li b { font-family: ui-monospace, monospace; }
  .entity { cursor: pointer; }
  .label { font: 10px sans-serif; fill: #1f2328; pointer-events: none; }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <span id="clock">--</span>
  <button id="play" title="play / pause (space)">▶ play</button>
  <label>speed <select id="speed">
    <option value="60">1 min/s</option><option value="300" selected>5 min/s</option>
    <option value="900">15 min/s</option><option value="3600">1 h/s</option>
    <option value="21600">6 h/s</option></select></label>
  <input id="slider" type="range" min="0" max="10000" value="0" step="1">
  <button id="next-event" title="jump to the next event">next event »</button>
  <button id="next-inject" title="jump to the next inject">next inject ⚑</button>
</header>
<main>
  <div id="mapbox"><svg id="map" xmlns="http://www.w3.org/2000/svg"></svg></div>
  <aside>
    <div class="panel" id="layers">
      <label><input type="checkbox" id="toggle-coverage" checked> coverage</label>
      <label><input type="checkbox" id="toggle-tracks" checked> tracks</label>
      <label><input type="checkbox" id="toggle-alerts" checked> alerts</label>
      <label><input type="checkbox" id="toggle-truth"> true paths</label>
    </div>
    <div class="panel" id="details">Click a unit, track, alert, sensor or group.</div>
    <ul class="panel" id="log"></ul>
  </aside>
</main>
<script id="run-data" type="application/json">__DATA__</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("run-data").textContent);
const NS = "http://www.w3.org/2000/svg";
const W = 1000, B = D.bounds, K = W / (B[1] - B[0]), H = Math.round((B[3] - B[2]) * K);
const sx = x => (x - B[0]) * K, sy = y => (B[3] - y) * K;
const TRACK_TAIL_S = 600, ALERT_SHOWN_S = 1800;
const svg = document.getElementById("map");
svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
document.getElementById("title").textContent = D.name;
document.title = D.name + " — replay";

function el(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
function pts(list) { return list.map(p => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" "); }
function layer(id) { return el("g", {id: id}, svg); }

// static layers
const gZones = layer("layer-zones");
for (const z of D.zones) el("polygon", {points: pts(z.pts), fill: z.colour}, gZones);
el("polyline", {points: pts(D.border), fill: "none", stroke: "#000", "stroke-width": 2.5}, gZones);
const gCoverage = layer("layer-coverage");
for (const c of D.coverage) {
  const attrs = c.shape === "poly"
    ? {points: pts(c.pts), fill: c.colour, "fill-opacity": c.kind === "patrol" ? 0.05 : 0.07,
       stroke: c.colour, "stroke-opacity": 0.5}
    : {points: pts(c.pts), fill: "none", stroke: c.colour, "stroke-width": 4};
  el(c.shape === "poly" ? "polygon" : "polyline", attrs, gCoverage);
}
const gSensors = layer("layer-sensors");
const sensorDots = {};
for (const s of D.sensors) {
  const d = el("rect", {x: sx(s.x) - 4, y: sy(s.y) - 4, width: 8, height: 8, fill: s.colour,
                        class: "entity"}, gSensors);
  d.addEventListener("click", () => show(sensorInfo(s)));
  sensorDots[s.id] = d;
}
for (const b of D.bases) el("path", {d: `M${sx(b.x) - 6},${sy(b.y)}h12M${sx(b.x)},${sy(b.y) - 6}v12`,
                                     stroke: "#cf222e", "stroke-width": 3}, gSensors);
const gTruth = layer("layer-truth");
const gTracks = layer("layer-tracks");
const gAlerts = layer("layer-alerts");
const gUnits = layer("layer-units");
gTruth.style.display = "none";      // the operators did not see the true paths

// time helpers
function bisect(ts, t) { let lo = 0, hi = ts.length; while (lo < hi) { const m = (lo + hi) >> 1; if (ts[m] <= t) lo = m + 1; else hi = m; } return lo; }
function posAt(o, t) {
  const n = o.t.length;
  if (!n || t < o.t[0] || t > o.t[n - 1]) return null;
  const i = Math.min(Math.max(bisect(o.t, t), 1), n - 1);
  const t0 = o.t[i - 1], t1 = o.t[i], f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
  return [o.x[i - 1] + f * (o.x[i] - o.x[i - 1]), o.y[i - 1] + f * (o.y[i] - o.y[i - 1])];
}
function trail(o, t0, t) {
  const a = bisect(o.t, t0), b = bisect(o.t, t), out = [];
  const p0 = posAt(o, t0); if (p0) out.push(p0);
  for (let i = a; i < b; i++) out.push([o.x[i], o.y[i]]);
  const p = posAt(o, t); if (p) out.push(p);
  return out;
}
const start = (() => { const m = D.start.match(/(\d+)-(\d+)-(\d+)T(\d+):(\d+):?(\d*)/);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)); })();
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
function clockText(t) {
  const d = new Date(start + Math.floor(t) * 1000), p = n => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)} ` +
         `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

// dynamic entities: created once, shown while active
function mover(o, group, colour, r, info) {
  o.line = el("polyline", {fill: "none", stroke: colour, "stroke-width": 1.5, "stroke-opacity": 0.8}, group);
  o.dot = el("circle", {r: r, fill: colour, stroke: "#000", "stroke-width": 0.6, class: "entity"}, group);
  o.dot.addEventListener("click", () => show(info(o)));
  o.line.style.display = o.dot.style.display = "none";
  o.t0 = o.t[0]; o.t1 = o.t[o.t.length - 1];
}
for (const g of D.groups) mover(g, gTruth, g.colour, 5, groupInfo);
for (const tr of D.tracks) mover(tr, gTracks, "#0969da", 4, trackInfo);
for (const u of D.units) mover(u, gUnits, u.kind === "team" ? "#bc4c00" : "#0a3069", 5, unitInfo);
for (const a of D.alerts) {
  const x = sx(a.x), y = sy(a.y), s = 7;
  a.mark = el("polygon", {points: `${x},${y - s} ${x + s},${y} ${x},${y + s} ${x - s},${y}`,
    fill: a.priority === 1 ? "#cf222e" : a.priority === 2 ? "#bf8700" : "#8c959f",
    "fill-opacity": 0.85, stroke: "#000", "stroke-width": 0.6, class: "entity"}, gAlerts);
  a.mark.addEventListener("click", () => show(alertInfo(a)));
  a.mark.style.display = "none";
}

// details
const details = document.getElementById("details");
function show(text) { details.textContent = text; }
function fmt(t) { return t === null || t === undefined ? "-" : clockText(t); }
function sensorInfo(s) {
  const st = D.status.filter(e => e.sensor === s.id && e.t <= now);
  return `sensor ${s.id} (${s.kind})\nat (${s.x.toFixed(0)}, ${s.y.toFixed(0)})\n` +
         `status known to the command: ${st.length ? st[st.length - 1].status : "online"}`;
}
function groupInfo(g) { return `TRUE PATH ${g.id}\n${g.size} persons\noutcome: ${g.outcome.replace("_", " ")}\ncrossed ${fmt(g.t0)}`; }
function trackInfo(tr) { const p = posAt(tr, now); return `track T-${tr.id} (the command's picture)\nfirst ${fmt(tr.t0)}, last update ${fmt(tr.t1)}` + (p ? `\nnow at (${p[0].toFixed(0)}, ${p[1].toFixed(0)})` : ""); }
function unitInfo(u) { const p = posAt(u, now); return `${u.kind} ${u.id}\nthis mission ${fmt(u.t0)} – ${fmt(u.t1)}` + (p ? `\nnow at (${p[0].toFixed(0)}, ${p[1].toFixed(0)})` : ""); }
function alertInfo(a) {
  return `alert A-${a.id} (priority ${a.priority}) on track T-${a.track}\nraised ${fmt(a.t)}` +
         (a.source ? `\nseen by ${a.source}` : "") +
         `\ndecision: ${a.decision || "pending"}${a.camera ? " through " + a.camera : ""} at ${fmt(a.decided)}` +
         `\nteam: ${a.team || "none"}`;
}

// event log
const logEl = document.getElementById("log");
const items = D.log.map((e, i) => {
  const li = document.createElement("li");
  li.innerHTML = `<b></b> <span></span>`;
  li.firstChild.textContent = e.clock;
  li.lastChild.textContent = e.text;
  if (e.inject) li.classList.add("inject");
  li.addEventListener("click", () => { setTime(e.t_s); if (e.x !== null) show(e.text); });
  logEl.appendChild(li);
  return li;
});
const logT = D.log.map(e => e.t_s);
let shownUpTo = -1, currentAt = -1;
function updateLog(t) {
  const k = bisect(logT, t) - 1;           // the last line at or before t ...
  let j = k;                               // ... and the first line of its instant
  while (j > 0 && logT[j - 1] === logT[k]) j--;
  if (k !== shownUpTo) {
    const lo = Math.max(Math.min(k, shownUpTo), 0), hi = Math.max(k, shownUpTo);
    for (let i = lo; i <= hi && i < items.length; i++) items[i].classList.toggle("past", i <= k);
    shownUpTo = k;
  }
  if (j !== currentAt) {
    if (currentAt >= 0) items[currentAt].classList.remove("current");
    if (j >= 0) { items[j].classList.add("current"); items[j].scrollIntoView({block: "nearest"}); }
    currentAt = j;
  }
}

// the clock
let now = 0, playing = false, last = null;
const slider = document.getElementById("slider"), clockEl = document.getElementById("clock");
const playBtn = document.getElementById("play"), speedSel = document.getElementById("speed");
function render(t) {
  for (const g of D.groups) draw(g, t, g.t0);
  for (const tr of D.tracks) draw(tr, t, t - TRACK_TAIL_S, 60);
  for (const u of D.units) draw(u, t, t - 1800);
  for (const a of D.alerts) {
    const on = a.t <= t && t < a.t + ALERT_SHOWN_S;
    if (on !== a.on) { a.mark.style.display = on ? "" : "none"; a.on = on; }
  }
  for (const s of D.sensors) {
    const st = D.status.filter(e => e.sensor === s.id && e.t <= t);
    sensorDots[s.id].setAttribute("fill-opacity", st.length && st[st.length - 1].status === "offline" ? 0.2 : 1);
  }
  clockEl.textContent = clockText(t);
  slider.value = Math.round(10000 * t / Math.max(D.horizon, 1));
  updateLog(t);
}
function draw(o, t, from, linger) {
  const on = t >= o.t0 && t <= o.t1 + (linger || 0);
  if (on !== o.on) { o.dot.style.display = o.line.style.display = on ? "" : "none"; o.on = on; }
  if (!on) return;
  const p = posAt(o, Math.min(t, o.t1));
  o.dot.setAttribute("cx", sx(p[0])); o.dot.setAttribute("cy", sy(p[1]));
  o.line.setAttribute("points", pts(trail(o, Math.max(from, o.t0), Math.min(t, o.t1))));
}
function setTime(t) { now = Math.min(Math.max(t, 0), D.horizon); render(now); }
function tick(ts) {
  if (!playing) { last = null; return; }
  if (last !== null) setTime(now + (ts - last) / 1000 * Number(speedSel.value));
  last = ts;
  if (now >= D.horizon) { setPlaying(false); return; }
  requestAnimationFrame(tick);
}
function setPlaying(on) {
  playing = on; playBtn.textContent = on ? "⏸ pause" : "▶ play";
  if (on) requestAnimationFrame(tick);
}
playBtn.addEventListener("click", () => setPlaying(!playing));
slider.addEventListener("input", () => setTime(Number(slider.value) / 10000 * D.horizon));
function jump(pred) {
  const i = D.log.findIndex(e => e.t_s > now + 1e-6 && pred(e));
  if (i >= 0) setTime(D.log[i].t_s);
}
document.getElementById("next-event").addEventListener("click", () => jump(() => true));
document.getElementById("next-inject").addEventListener("click", () => jump(e => e.inject));
for (const [id, g] of [["coverage", gCoverage], ["tracks", gTracks], ["alerts", gAlerts], ["truth", gTruth]]) {
  const box = document.getElementById("toggle-" + id);
  box.addEventListener("change", () => { g.style.display = box.checked ? "" : "none"; });
}
document.addEventListener("keydown", e => { if (e.code === "Space" && e.target === document.body) { e.preventDefault(); setPlaying(!playing); } });
window.replay = {setTime, setPlaying, get now() { return now; }, data: D};
setTime(0);
</script>
</body>
</html>
"""
