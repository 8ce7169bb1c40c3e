// The plan chart: inline SVG (no library) with the bands, the usual and scenario lines, promo and closed
// days, and the chosen day's cursor and figures.
import { $, el, levelPct, longDate, money, short, signed, state, weekday, whole } from "./common.js";

// grid line sits at the value its label says (a quarter of a "nice" 15,000 put "4k" on 3,750).
function yAxis(v) {
  if (!(v > 0)) return { top: 1, step: 0.25 };
  const raw = v / 4, p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw * (1 - 1e-9));
  return { top: step * Math.ceil(v / step - 1e-9), step };
}

// The y axis's labels short, in the reader's language's own words ("15K", "15 k", "1,5 Mio."; German writes
// thousands out: "15.000"), where an English "k" was added whatever the language. Two decimals: every tick is
// a multiple of 1, 2, 2.5 or 5 times a power of ten, so its label is the tick exactly (one decimal read
// 12,500 as "1.3万" in Japanese); "always" groups the short numbers as `money` does ("2.500", not "2500").
const compactFormat = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 2,
                                                         useGrouping: "always" });
const compact = (v) => compactFormat.format(v);

// ---- the plan chart: bands, usual line, scenario line, promo and closed days ----
// Runs of consecutive open days (indexes): lines and bands are drawn per run, so a closed day is a gap
// under its grey column, not a drop to zero that read as a sales crash every Sunday.
function openRuns(rows) {
  const out = [];
  let run = null;
  rows.forEach((d, i) => {
    if (!d.open) { run = null; return; }
    if (!run) out.push(run = []);
    run.push(i);
  });
  return out;
}

const LABEL_GAP = 8;  // px between two of the x axis's day labels at the least
const THUMB = 14;  // the day slider's thumb width (planner.css): its centre travels x(0)..x(n-1)

function drawChart(plan) {
  const box = $("chart");
  box.textContent = "";
  const usual = plan.usual.days, days = plan.scenario.days, n = days.length;
  const width = Math.max(300, box.clientWidth || 600);
  const narrow = width < 520;
  const height = narrow ? 220 : 280;
  const pad = { left: narrow ? 38 : 52, right: 8, top: 22, bottom: 38 };
  const w = width - pad.left - pad.right, h = height - pad.top - pad.bottom;
  const { top, step: tick } = yAxis(Math.max(...days.map((d) => d.outer_upper ?? d.upper),
                                              ...usual.map((d) => d.sales)));
  const x = (i) => pad.left + (n === 1 ? w / 2 : (i * w) / (n - 1));
  const y = (v) => pad.top + h - (Math.max(v, 0) / top) * h;
  const step = n > 1 ? w / (n - 1) : w;

  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
                          "aria-labelledby": "chart-title" }, box);
  el("title", { id: "chart-title" }, svg).textContent =
    `Store ${plan.store}: daily forecast sales, usual plan and scenario, ${days[0].date} to ${days[n - 1].date}`;

  days.forEach((d, i) => {  // closed days shaded, promo days marked under the axis
    if (!d.open) {  // cut at the plot's edges: the first and last day's half-steps fell on the labels
      const x0 = Math.max(x(i) - step / 2, pad.left), x1 = Math.min(x(i) + step / 2, pad.left + w);
      el("rect", { class: "closed-day", x: x0, y: pad.top, width: Math.max(x1 - x0, 1), height: h }, svg);
    }
    if (d.promo) {  // cut at the edges too: the last day's marker ran past the end of the axis
      const x0 = Math.max(x(i) - step / 2 + 0.5, pad.left), x1 = Math.min(x(i) + step / 2 - 0.5, pad.left + w);
      el("rect", { class: "promo-day", x: x0, y: pad.top + h + 2, width: Math.max(x1 - x0, 1), height: 5 }, svg);
    }
  });
  for (let k = 0; k * tick <= top * (1 + 1e-9); k += 1) {  // y grid and labels
    const v = k * tick;
    el("line", { class: "grid", x1: pad.left, x2: pad.left + w, y1: y(v), y2: y(v) }, svg);
    el("text", { class: "tick y-tick", x: pad.left - 4, y: y(v) + 4, "text-anchor": "end" }, svg).textContent =
      compact(v);
  }
  el("text", { class: "tick", x: 2, y: 11 }, svg).textContent = "sales per day";  // the y axis's unit
  let year = "", free = 0;  // `free`: the first x a next label may start at
  days.forEach((d, i) => {  // x labels on Mondays; the year under the first and under the first of a new year
    if (weekday(d.date) !== 1) return;
    el("line", { class: "grid", x1: x(i), x2: x(i), y1: pad.top, y2: pad.top + h }, svg);
    // a Monday's label only where it has room: 92 days at phone width put all 13 about 20 px apart, and
    // "5 Jan12 Jan19 Jan..." ran into one unreadable line (the grid line stays on every Monday)
    const label = el("text", { class: "tick x-tick", x: x(i), y: height - 14, "text-anchor": "middle" }, svg);
    label.textContent = short(d.date);
    const half = (label.getComputedTextLength() || label.textContent.length * 6.5) / 2;  // 0 in a hidden view
    if (x(i) - half < free || x(i) + half > width) { label.remove(); return; }
    free = x(i) + half + LABEL_GAP;
    if (d.date.slice(0, 4) === year) return;
    year = d.date.slice(0, 4);
    el("text", { class: "tick year", x: x(i), y: height - 2, "text-anchor": "middle" }, svg).textContent = year;
  });
  const runs = openRuns(days);
  const band = (lo, hi, cls) => {
    if (days.some((d) => d[lo] === null || d[lo] === undefined)) return;
    const half = Math.min(step / 3, 4);  // a lone open day's band: a short bar, not a zero-width line,
    const inside = (px) => Math.min(Math.max(px, pad.left), pad.left + w);  // cut at the plot's edges
    const d = runs.map((run) => {
      const xs = run.length === 1 ? [inside(x(run[0]) - half), inside(x(run[0]) + half)] : run.map(x);
      const at = (k) => (run.length === 1 ? run[0] : run[k]);
      const upper = xs.map((px, k) => `${px},${y(days[at(k)][hi])}`);
      const lower = xs.map((px, k) => `${px},${y(days[at(k)][lo])}`).reverse();
      return `M${upper.concat(lower).join("L")}Z`;
    }).join("");
    el("path", { class: cls, d }, svg);
  };
  band("outer_lower", "outer_upper", "band95");
  band("lower", "upper", "band80");
  const line = (rows, cls) => {
    const parts = openRuns(rows);
    el("path", { class: `${cls}-line`, d: parts.map((run) => run.map((i, k) => `${k ? "L" : "M"}${x(i)},${y(rows[i].sales)}`)
      .join("")).join("") }, svg);
    for (const run of parts.filter((r) => r.length === 1)) {  // a lone open day: a dot, or it vanished
      el("circle", { class: `${cls}-dot`, cx: x(run[0]), cy: y(rows[run[0]].sales), r: 2.5 }, svg);
    }
  };
  line(usual, "usual");
  line(days, "scenario");
  el("line", { class: "axis", x1: pad.left, x2: pad.left + w, y1: pad.top + h, y2: pad.top + h }, svg);

  // The chosen day: a cursor line with a dot on each open plan's value, and its figures in #chart-day.
  const cursor = el("g", { class: "cursor", "aria-hidden": "true" }, svg);
  state.cursorAt = (i) => {
    cursor.textContent = "";
    el("line", { x1: x(i), x2: x(i), y1: pad.top, y2: pad.top + h }, cursor);
    if (usual[i].open) el("circle", { class: "usual", cx: x(i), cy: y(usual[i].sales), r: 3.5 }, cursor);
    if (days[i].open) el("circle", { class: "scenario", cx: x(i), cy: y(days[i].sales), r: 3.5 }, cursor);
  };
  // Pointing (a mouse moving, a finger's tap) picks the nearest day; the slider under the chart does the
  // same from the keyboard, and a screen reader reads its value text.
  const pick = (e) => {
    const r = svg.getBoundingClientRect();
    const px = ((e.clientX - r.left) * width) / r.width;
    chooseDay(Math.min(n - 1, Math.max(0, n === 1 ? 0 : Math.round((px - pad.left) / step))));
  };
  svg.addEventListener("pointermove", pick);
  svg.addEventListener("pointerdown", pick);
  const slider = $("chart-days");
  slider.max = String(n - 1);
  slider.hidden = n < 2;  // one day: nothing to move along, its figures are shown as they are
  slider.style.marginLeft = `${x(0) - THUMB / 2}px`;  // CSSOM, which the page's CSP allows (not a style="")
  slider.style.width = `${x(n - 1) - x(0) + THUMB}px`;
  const at = days.findIndex((d) => d.date === state.day);
  if (at >= 0 || n === 1) chooseDay(Math.max(at, 0));
  else {
    state.day = null;
    slider.value = "0";
    slider.setAttribute("aria-valuetext", dayText(plan, 0));
    $("chart-day").textContent = "Point at the chart, or use the slider under it (arrow keys), for a day's figures.";
  }
}

// A day's figures in the page's whole units, for the line under the chart and the slider's value text.
function dayText(plan, i) {
  const u = plan.usual.days[i], d = plan.scenario.days[i];
  const head = longDate(d.date);
  if (!u.open && !d.open) return `${head}: closed, no sales`;
  const us = whole(u.sales), sc = whole(d.sales);
  const parts = [`usual ${u.open ? money.format(us) : "closed"}`,
                 d.open ? `scenario ${money.format(sc)} (${signed(sc - us)})` : `scenario closed (${signed(sc - us)})`];
  if (d.open && d.lower !== null && d.lower !== undefined) {
    parts.push(`${plan.level ? levelPct(plan.level) : "inner band"}: ${money.format(whole(d.lower))}–${money.format(whole(d.upper))}`);
  }
  if (d.open && d.outer_lower !== null && d.outer_lower !== undefined) {
    parts.push(`${plan.outer_level ? levelPct(plan.outer_level) : "outer band"}: ${money.format(whole(d.outer_lower))}–`
               + `${money.format(whole(d.outer_upper))}`);
  }
  if (d.open) parts.push(d.promo ? "promo" : "no promo");
  return `${head}: ${parts.join(", ")}`;
}

function chooseDay(i) {
  const plan = state.plan;
  if (!plan || !state.cursorAt) return;
  const text = dayText(plan, i);
  state.day = plan.scenario.days[i].date;
  state.cursorAt(i);
  const slider = $("chart-days");
  slider.value = String(i);
  slider.setAttribute("aria-valuetext", text);
  $("chart-day").textContent = text;
}

export { drawChart, chooseDay };
