// The promotion planner page: calls /model, /plan and /plan/rank; charts are inline SVG drawn here (no library).
"use strict";

(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const TOKEN_KEY = "storecast-token";
  const DAY_MS = 86400000;
  const WEEKDAY = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const MONTH = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const money = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  // Each day's forecast in whole sales units, and every week, total and difference added up from those, so
  // each column adds up to its total (rounded separately, a total was 1 off the sum of the weeks above it).
  // The rule of storecast.api.planner.whole_units, which `storecast plan` prints; `|| 0` keeps "-0" away.
  const whole = (v) => Math.round(v) || 0;
  const wholeSum = (rows, idx) => idx.reduce((a, i) => a + whole(rows[i].sales), 0);
  const signed = (v) => `${v >= 0 ? "+" : "−"}${money.format(Math.abs(v))}`;  // one minus sign, not a hyphen
  const $ = (id) => document.getElementById(id);

  const state = {
    plan: null,          // the last /plan answer
    promo: new Set(),    // scenario promo days (ISO dates)
    closed: new Set(),   // scenario closed days (ISO dates)
    seq: 0,              // only the newest answer is drawn
    rank: null,          // the last /plan/rank answer
    rankSeq: 0,          // the same rule for the ranking
    rankSaid: ["", false],  // the ranking's last message: said again when its view is shown
    day: null,           // the chart's chosen day (ISO date), kept across redraws of the same period
    cursorAt: null,      // draws the chart's day cursor at an index (set by drawChart)
  };

  // ---- dates as UTC ISO strings ----
  const parse = (iso) => new Date(iso + "T00:00:00Z");
  const iso = (d) => d.toISOString().slice(0, 10);
  const addDays = (isoDate, n) => iso(new Date(parse(isoDate).getTime() + n * DAY_MS));
  const weekday = (isoDate) => parse(isoDate).getUTCDay(); // 0 = Sunday
  // "29 Dec", with the year ("29 Dec 2014") where the dates shown run over two years: "29 Dec" and "5 Jan"
  // alone left the reader to guess which year was which
  const short = (isoDate, withYear) => {
    const d = parse(isoDate);
    return `${d.getUTCDate()} ${MONTH[d.getUTCMonth()]}${withYear ? ` ${d.getUTCFullYear()}` : ""}`;
  };
  const twoYears = (first, last) => first.slice(0, 4) !== last.slice(0, 4);

  // ---- API calls, with the bearer token when one is stored ----
  // The API's field names in the words of this page's labels: "From (start): ..." says which box to fix.
  const FIELD = { store: "Store", start: "From", days: "Days", top: "Top", promo_days: "Promo", closed_days: "Closed" };

  class ApiError extends Error {
    constructor(status, detail) {
      const named = (d) => {
        const field = String(d.field ?? ""), label = FIELD[field.split(/[.[]/)[0]];
        return `${label ? `${label} (${field})` : field}: ${d.msg}`;
      };
      const text = Array.isArray(detail) ? detail.map(named).join("; ") : String(detail || "");
      super(text || `the server answered ${status} with no reason given`);
      this.status = status;
      this.types = Array.isArray(detail) ? detail.map((d) => d.type) : [];
    }
  }

  async function api(path, body) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let r;
    try {
      r = await fetch(path, { method: body === undefined ? "GET" : "POST", headers,
                              body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, "no answer");  // status 0: nothing came back (a fault of this page keeps none)
    }
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new ApiError(r.status, data.detail);
    return data;
  }

  function say(text, isError) {
    const el = $("status");
    el.textContent = text || "";
    el.classList.toggle("error", Boolean(isError));
  }

  // The label's own words ("From", "Days"): the text before the control inside its <label>.
  const labelOf = (input) => (input.labels && input.labels[0] ? input.labels[0].firstChild.textContent.trim() : input.id);

  // The forms are `novalidate` so that a bad field is named in the status line (the browser's bubble is easy
  // to miss and never shows for the store list or a week's button, which plan without a submit): false when
  // a control is empty, out of range or an impossible date (a date input then reads "").
  function valid(form) {
    for (const input of form.querySelectorAll("input, select")) {
      if (input.checkValidity()) continue;
      const why = input.type === "date" && input.validity.badInput
        ? "this is not a whole, real date: type day, month and year again" : input.validationMessage;
      say(`${labelOf(input)}: ${why}`, true);
      input.focus();
      return false;
    }
    return true;
  }

  // Nothing of an earlier answer stays on screen beside an error about other inputs (store 1's totals under
  // "store 7" would read as store 7's).
  function clearPlan() {
    state.plan = null;
    for (const id of ["usual-total", "scenario-total", "difference-total"]) $(id).textContent = "–";
    $("difference-total").classList.remove("neg", "pos");
    $("chart").textContent = "";
    state.cursorAt = null;
    $("chart-days").hidden = true;
    $("chart-day").textContent = "";
    $("horizon-note").textContent = "";
    $("weeks").querySelector("tbody").textContent = "";
    $("weeks-usual").textContent = $("weeks-scenario").textContent = "–";
    $("plan-csv").disabled = true;
  }

  // What went wrong, in the status line's words. `kept`: the plan on screen stayed as it was, which the
  // message says first.
  function failure(err, kept) {
    let text;
    if (err.status === 422) {
      return err.message;  // names the field: "From (start): ..."
    } else if (err.status === 401) {
      text = sessionStorage.getItem(TOKEN_KEY)
        ? "the server refused this API token: type the right one above and press Use"
        : "this server wants an API token: type it above and press Use";
      // Use plans this scenario again (see init): said, so that nobody clicks the weeks again from memory
      text += kept && changedFromUsual() ? " (the weeks switched so far are kept)." : ".";
    } else if (err.status === 0) {
      // in the words of someone planning, not of whoever runs the server ("Failed to fetch", "storecast serve")
      text = "no answer from the server. Try again in a moment; if this goes on, the planner's server has "
        + "stopped or cannot be reached: ask whoever runs it.";
    } else if (err.status === undefined) {  // not an answer at all: a fault of this page
      text = `this page failed (${err.message}): reload it and try again.`;
    } else {
      text = `the server could not answer (HTTP ${err.status}): ${err.message}`;
    }
    text = (kept ? "Nothing changed: " : "") + text;
    return text[0].toUpperCase() + text.slice(1);
  }

  function failed(err, kept) {
    say(failure(err, kept), true);
    if (err.status === 401) {
      // selected: the refused token stays in the box behind the dots, and the new one typed went after it
      $("token").focus();
      $("token").select();
    }
  }

  // ---- SVG helpers ----
  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  // The y axis: a round step (1, 2, 2.5 or 5 x 10^k) and at most four of them up to the top, so that every
  // grid line sits at the value its label says (a quarter of a "nice" 15,000 put "4k" on 3,750).
  function yAxis(v) {
    if (!(v > 0)) return { top: 1, step: 0.25 };
    const raw = v / 4, p = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw * (1 - 1e-9));
    return { top: step * Math.ceil(v / step - 1e-9), step };
  }

  const thousands = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  const compact = (v) => (v >= 1000 ? `${thousands.format(v / 1000)}k` : money.format(v));

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
    let year = "";
    days.forEach((d, i) => {  // x labels on Mondays; the year under the first and under the first of a new year
      if (weekday(d.date) !== 1) return;
      el("line", { class: "grid", x1: x(i), x2: x(i), y1: pad.top, y2: pad.top + h }, svg);
      el("text", { class: "tick", x: x(i), y: height - 14, "text-anchor": "middle" }, svg).textContent = short(d.date);
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
    const head = `${WEEKDAY[weekday(d.date)]} ${short(d.date, true)}`;
    if (!u.open && !d.open) return `${head}: closed, no sales`;
    const us = whole(u.sales), sc = whole(d.sales);
    const parts = [`usual ${u.open ? money.format(us) : "closed"}`,
                   d.open ? `scenario ${money.format(sc)} (${signed(sc - us)})` : `scenario closed (${signed(sc - us)})`];
    const pct = (lv) => `${Math.round(lv * 100)}%`;
    if (d.open && d.lower !== null && d.lower !== undefined) {
      parts.push(`${plan.level ? pct(plan.level) : "inner band"}: ${money.format(whole(d.lower))}–${money.format(whole(d.upper))}`);
    }
    if (d.open && d.outer_lower !== null && d.outer_lower !== undefined) {
      parts.push(`${plan.outer_level ? pct(plan.outer_level) : "outer band"}: ${money.format(whole(d.outer_lower))}–`
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

  // ---- weeks: Monday-started groups of the window's days ----
  function weeks(days) {
    const out = [];
    days.forEach((d, i) => {
      if (!out.length || weekday(d.date) === 1) out.push({ monday: addDays(d.date, -((weekday(d.date) + 6) % 7)),
                                                            idx: [] });
      out[out.length - 1].idx.push(i);
    });
    return out;
  }

  const weekdaysOf = (wk, days) => wk.idx.filter((i) => weekday(days[i].date) >= 1 && weekday(days[i].date) <= 5);

  // Whether a week's promo (Monday-Friday) or closure is on in the scenario being planned.
  function weekOn(wk, kind, days) {
    if (kind === "closed") return wk.idx.every((i) => state.closed.has(days[i].date));
    const mf = weekdaysOf(wk, days);
    return mf.length > 0 && mf.every((i) => state.promo.has(days[i].date));
  }

  function drawWeeks(plan) {
    const body = $("weeks").querySelector("tbody");
    // the rows are drawn anew: a week's button pressed from the keyboard keeps the focus (it fell to <body>,
    // and Tab started again from the top of the page)
    const had = body.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") : null;
    body.textContent = "";
    const days = plan.scenario.days, all = weeks(days);
    const years = twoYears(all[0].monday, days[days.length - 1].date);  // a first Monday may lie in December
    all.forEach((wk, k) => {
      const mf = weekdaysOf(wk, days);
      const promoOn = weekOn(wk, "promo", days), closedOn = weekOn(wk, "closed", days);
      const tr = document.createElement("tr");
      const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text;
                                    if (cls) td.className = cls; tr.appendChild(td); return td; };
      cell(`${short(wk.monday, years)}${wk.idx.length < 7 ? ` (${wk.idx.length} d)` : ""}`);
      for (const [kind, on, usable] of [["promo", promoOn, mf.length > 0], ["closed", closedOn, true]]) {
        const td = cell("");
        const b = document.createElement("button");
        b.type = "button";
        b.className = `toggle ${kind}${on ? " on" : ""}`;
        b.dataset.week = String(k);
        b.setAttribute("aria-pressed", on ? "true" : "false");
        // its name for a screen reader or voice control: "on"/"off" alone said neither what nor which week
        b.setAttribute("aria-label", `${kind === "promo" ? "Promo" : "Closed"}, week of ${short(wk.monday, years)}`);
        b.textContent = on ? "on" : "off";
        b.disabled = !usable;
        b.title = `${on ? "Remove" : "Add"} ${kind === "promo" ? "a promo (Mon–Fri)" : "a closure"} in the week of ${wk.monday}`;
        // on or off when pressed, not when drawn: a second press before the answer came undid nothing
        b.addEventListener("click", () => toggleWeek(wk, kind, weekOn(wk, kind, days)));
        td.appendChild(b);
      }
      const usualSum = wholeSum(plan.usual.days, wk.idx), scenarioSum = wholeSum(days, wk.idx);
      cell(money.format(usualSum), "num");
      cell(money.format(scenarioSum), scenarioSum !== usualSum ? "num changed" : "num");
      body.appendChild(tr);
    });
    if (had) [...body.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === had)?.focus();
    const totals = planTotals(plan);
    $("weeks-usual").textContent = money.format(totals.usual);
    $("weeks-scenario").textContent = money.format(totals.scenario);
  }

  function toggleWeek(wk, kind, on) {
    const days = state.plan.scenario.days, usual = state.plan.usual.days;
    if (kind === "promo") {
      for (const i of weekdaysOf(wk, days)) { if (on) state.promo.delete(days[i].date); else state.promo.add(days[i].date); }
    } else {
      for (const i of wk.idx) {  // reopening restores the usual closures (Sundays, public holidays)
        if (!on) state.closed.add(days[i].date);
        else if (usual[i].open) state.closed.delete(days[i].date);
      }
      if (on && wk.idx.every((i) => state.closed.has(days[i].date))) wk.idx.forEach((i) => state.closed.delete(days[i].date));
    }
    loadPlan(true);
  }

  // The plan's totals as the page shows them: sums of the whole-unit days (see `whole`), not the API's
  // unrounded `total`s, so usual + difference = scenario on screen and in the CSV.
  function planTotals(plan) {
    const all = plan.usual.days.map((_, i) => i);
    const usual = wholeSum(plan.usual.days, all), scenario = wholeSum(plan.scenario.days, all);
    return { usual, scenario, difference: scenario - usual };
  }

  function drawTotals(plan) {
    const { usual: u, scenario: s, difference: d } = planTotals(plan);
    $("usual-total").textContent = money.format(u);
    $("scenario-total").textContent = money.format(s);
    const pct = u > 0 ? ` (${d >= 0 ? "+" : "−"}${Math.abs((100 * d) / u).toFixed(1)}%)` : "";
    $("difference-total").textContent = `${signed(d)}${pct}`;
    $("difference-total").classList.toggle("neg", d < 0);
    $("difference-total").classList.toggle("pos", d > 0);  // no change, or none yet, in plain ink, not as a gain
    $("level-inner").textContent = plan.level ? `${Math.round(plan.level * 100)}%` : "";
    $("level-outer").textContent = plan.outer_level ? `${Math.round(plan.outer_level * 100)}%` : "";
    const last = plan.scenario.days[plan.scenario.days.length - 1].date;
    $("horizon-note").textContent = plan.calibrated_through && last > plan.calibrated_through
      ? `Bands after ${plan.calibrated_through} (training end + 42 days) were never checked against sales: read them as rougher.`
      : "";
  }

  // ---- downloads: the figures on screen as CSV, for a spreadsheet ----
  function download(name, rows) {
    const cell = (v) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const text = rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);  // not at once: the download may still be reading it
  }

  // One row a day with the page's whole-unit figures: the columns add up to the totals on screen.
  function downloadPlan() {
    const plan = state.plan;
    if (!plan) return;
    const usual = plan.usual.days, days = plan.scenario.days;
    const pct = (lv, fallback) => (lv ? String(Math.round(lv * 100)) : fallback);
    const inner = pct(plan.level, "inner"), outer = pct(plan.outer_level, "outer");
    const rows = [["store", "date", "weekday", "usual_open", "usual_promo", "usual_sales", "scenario_open",
                   "scenario_promo", "scenario_sales", "difference", `scenario_lower_${inner}`,
                   `scenario_upper_${inner}`, `scenario_lower_${outer}`, `scenario_upper_${outer}`]];
    const band = (v) => (v === null || v === undefined ? "" : whole(v));
    days.forEach((d, i) => {
      const u = whole(usual[i].sales), s = whole(d.sales);
      rows.push([plan.store, d.date, WEEKDAY[weekday(d.date)], usual[i].open, usual[i].promo, u, d.open, d.promo, s,
                 s - u, band(d.lower), band(d.upper), band(d.outer_lower), band(d.outer_upper)]);
    });
    download(`storecast-plan-store-${plan.store}-${days[0].date}-${days.length}d.csv`, rows);
  }

  // The ranking as shown: gains and totals in whole units, the gain in percent to one decimal.
  function downloadRank() {
    const answer = state.rank;
    if (!answer) return;
    const rows = [["rank", "store", "gain", "gain_pct", "usual_total", "week"]];
    answer.stores.forEach((r, k) => rows.push([k + 1, r.store, whole(r.gain),
                                               r.gain_pct === null ? "" : r.gain_pct.toFixed(1),
                                               whole(r.usual_total), r.week]));
    download(`storecast-rank-${answer.start}-${answer.days}d.csv`, rows);
  }

  // ---- the plan view ----
  const scenarioSets = (plan) => [new Set(plan.days.filter((d) => d.promo).map((d) => d.date)),
                                  new Set(plan.days.filter((d) => !d.open).map((d) => d.date))];

  async function loadPlan(withScenario) {
    const seq = ++state.seq;  // an answer still on its way is not drawn over the message below
    const drawn = state.plan;
    let body;
    if (withScenario && drawn) {
      // The week buttons belong to the plan on screen: a From or Days typed since and not yet forecast made
      // the listed days fall outside the new window (a 422 per day) and wiped the plan.
      const days = drawn.scenario.days;
      body = { store: drawn.store, start: days[0].date, days: days.length };
    } else {
      if (!valid($("plan-form"))) { clearPlan(); return; }
      body = { store: Number($("store").value), start: $("start").value, days: Number($("days").value) };
    }
    if (withScenario) {
      body.promo_days = [...state.promo].sort();
      body.closed_days = [...state.closed].sort();
    }
    say("forecasting…");
    try {
      const plan = await api("/plan", body);
      if (seq !== state.seq) return;
      state.plan = plan;
      if (!withScenario) [state.promo, state.closed] = scenarioSets(plan.usual);
      else {  // the form says which plan is shown again
        $("start").value = body.start;
        $("days").value = String(body.days);
      }
      drawTotals(plan);
      drawChart(plan);
      drawWeeks(plan);
      $("plan-csv").disabled = false;
      say("");
      document.body.dataset.plan = String(seq);
      return true;  // drawn (openStore then says what it switched on)
    } catch (err) {
      if (seq !== state.seq) return;
      if (withScenario && drawn && err.status !== 422) {
        // Not about what was asked (no answer, a refused token, a server fault): the plan on screen stays and
        // so does the scenario its buttons show; a server stopped mid-way cost every week clicked so far.
        [state.promo, state.closed] = scenarioSets(drawn.scenario);
        failed(err, true);
        return;
      }
      clearPlan();
      if (err.types && err.types.includes("unknown_store")) storeGone(body.store);
      else failed(err);
    }
  }

  // The store list came from the model served when the page loaded; a server restarted since with another
  // model may not know the chosen store. The API's words ("remove the row or serve a model trained with this
  // store") were written for /predict's callers: here the list is reloaded and the page says why.
  async function storeGone(store) {
    try {
      await loadModel();
    } catch (err) {
      failed(err);
      return;
    }
    say(`Store ${store} is not known to the model the server serves now (the server was probably restarted `
        + "with another model since this page loaded). The store list is reloaded from it: pick a store.", true);
    $("store").focus();
  }

  // ---- the ranking view ----
  // Rank stores is busy while a ranking runs: the server plans one job at a time, so every further press
  // queued another whole ranking behind it (and held up the plan view's answers). aria-disabled, not
  // disabled: a disabled button drops the keyboard focus to <body>, and Tab started again at the top.
  function rankBusy(on) {
    const b = $("rank-submit");
    if (on) b.setAttribute("aria-disabled", "true"); else b.removeAttribute("aria-disabled");
    b.textContent = on ? "Ranking…" : "Rank stores";
    $("rank-table").setAttribute("aria-busy", on ? "true" : "false");
  }

  // The ranking's own message, on the status line only while its view is shown (a ranking answered after
  // the user went to plan a store said "20 stores shown" over the plan), and again when it is shown next.
  function sayRank(text, isError) {
    state.rankSaid = [text, isError];
    if (!$("view-rank").hidden) say(text, isError);
  }

  async function loadRank() {
    if ($("rank-submit").getAttribute("aria-disabled") === "true") return;  // one ranking at a time
    const seq = ++state.rankSeq;  // and only the newest answer is drawn, as in the plan view
    const clear = () => {
      $("rank-table").querySelector("tbody").textContent = "";
      delete document.body.dataset.rank;
      state.rank = null;
      $("rank-csv").disabled = true;
    };
    if (!valid($("rank-form"))) { clear(); state.rankSaid = ["", false]; return; }
    const body = { start: $("rank-start").value, days: Number($("rank-days").value), top: Number($("rank-top").value) };
    sayRank("ranking every store…");
    rankBusy(true);
    try {
      const answer = await api("/plan/rank", body);
      if (seq !== state.rankSeq) return;
      const tbody = $("rank-table").querySelector("tbody");
      tbody.textContent = "";
      const years = twoYears(answer.start, addDays(answer.start, answer.days - 1));
      const best = Math.max(...answer.stores.map((r) => Math.abs(r.gain)), 1);
      answer.stores.forEach((r, k) => {
        const tr = document.createElement("tr");
        const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text;
                                      if (cls) td.className = cls; tr.appendChild(td); return td; };
        cell(String(k + 1), "num");
        const b = document.createElement("button");
        b.type = "button";
        b.className = "link";
        b.textContent = `Store ${r.store}`;
        b.addEventListener("click", () => openStore(r.store, answer.start, answer.days, r.week));
        cell("").appendChild(b);
        cell(money.format(r.gain), "num");
        cell(r.gain_pct === null ? "–" : `${r.gain_pct.toFixed(1)}%`, "num");
        cell(money.format(r.usual_total), "num");
        cell(short(r.week, years));
        const svg = el("svg", { viewBox: "0 0 100 10", width: 100, height: 10, "aria-hidden": "true" });
        el("rect", { class: r.gain >= 0 ? "gain-bar" : "loss-bar", x: 0, y: 1, height: 8,
                     width: Math.max(1, (100 * Math.abs(r.gain)) / best) }, svg);
        cell("", "bar-col").appendChild(svg);
        tbody.appendChild(tr);
      });
      state.rank = answer;
      $("rank-csv").disabled = false;
      sayRank(`${answer.stores.length} stores shown; candidate weeks: ${answer.weeks.map((w) => short(w, years))
        .join(", ")}.`);
      document.body.dataset.rank = String(answer.stores.length);
    } catch (err) {
      if (seq !== state.rankSeq) return;
      clear();
      if ($("view-rank").hidden) sayRank(failure(err), true); else failed(err);
    } finally {
      if (seq === state.rankSeq) rankBusy(false);
    }
  }

  async function openStore(store, start, days, week) {
    showTab("plan");
    $("tab-plan").focus();  // the pressed store's row is hidden now: the focus fell to <body>, Tab to the top
    $("store").value = String(store);
    $("start").value = start;
    $("days").value = String(days);
    await loadPlan(false);
    if (!state.plan) return;
    for (let k = 0; k < 5; k += 1) {  // the ranked extra promo week, switched on
      const d = addDays(week, k);
      if (state.plan.usual.days.some((x) => x.date === d)) state.promo.add(d);
    }
    if (!(await loadPlan(true))) return;
    // the plan comes up already different from the usual one: said, with the way back, as the week's
    // button names it ("Promo, week of 3 Aug")
    const shown = state.plan.scenario.days;
    const label = short(week, twoYears(weeks(shown)[0].monday, shown[shown.length - 1].date));
    say(`Store ${store}: its usual plan with the ranked extra promo week of ${label} switched on `
        + "(Back to the usual plan takes it off).");
  }

  // The WAI-ARIA tabs pattern: only the selected tab is in the Tab order (roving tabindex), so Tab goes from
  // the tabs straight into the view; the arrow keys, Home and End move between tabs and select on the way.
  const TABS = ["plan", "rank"];

  function showTab(name) {
    if (name === "rank") say(...state.rankSaid); else say("");
    for (const t of TABS) {
      $(`tab-${t}`).setAttribute("aria-selected", t === name ? "true" : "false");
      $(`tab-${t}`).tabIndex = t === name ? 0 : -1;
      $(`view-${t}`).hidden = t !== name;
    }
    if (name === "plan" && state.plan) drawChart(state.plan);
  }

  function tabKey(e) {
    const at = TABS.indexOf(e.currentTarget.id.slice(4)), last = TABS.length - 1;
    const to = { ArrowLeft: at === 0 ? last : at - 1, ArrowRight: at === last ? 0 : at + 1, Home: 0, End: last }[e.key];
    if (to === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();  // no page scroll on Home/End
    showTab(TABS[to]);
    $(`tab-${TABS[to]}`).focus();
  }

  // ---- start-up: the model's stores and the day after its training end ----
  // The model line, its stores and the first day after its training, from GET /model.
  async function loadModel() {
    const card = await api("/model");
    $("model-name").textContent = `model ${card.model} · trained through ${card.train_end || "?"}`;
    const select = $("store");
    const chosen = select.value;  // pressing Use again keeps the store and dates the user chose
    select.textContent = "";
    for (const st of card.stores) {
      const o = document.createElement("option");
      o.value = String(st);
      o.textContent = String(st);
      select.appendChild(o);
    }
    if (card.stores.map(String).includes(chosen)) select.value = chosen;
    const first = card.train_end ? addDays(card.train_end.slice(0, 10), 1) : iso(new Date());
    for (const id of ["start", "rank-start"]) if (!$(id).value) $(id).value = first;
  }

  // Whether the weeks on screen differ from the plan's usual ones: a scenario the user built by hand.
  function changedFromUsual() {
    if (!state.plan) return false;
    const [promo, closed] = scenarioSets(state.plan.usual);
    const same = (a, b) => a.size === b.size && [...a].every((d) => b.has(d));
    return !same(state.promo, promo) || !same(state.closed, closed);
  }

  async function init() {
    try {
      await loadModel();
      say("");
      // A token refused mid-scenario (the server's token changed) and then replaced: the weeks switched so far
      // are forecast again, not dropped for the usual plan. An unchanged plan is asked as usual, from the form,
      // so that a model served since with another promo rhythm draws its own usual plan.
      await loadPlan(changedFromUsual());
    } catch (err) {
      // the line under the title said "loading the model…" for good: say why no model is named
      $("model-name").textContent = err.status === 401
        ? (sessionStorage.getItem(TOKEN_KEY) ? "model not shown: the server refused this API token"
                                             : "model not shown: the server does not show it without an API token")
        : "model not shown: the server did not answer with it";
      failed(err);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
    $("token-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const t = $("token").value.trim();
      if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
      init();
    });
    $("plan-form").addEventListener("submit", (e) => { e.preventDefault(); loadPlan(false); });
    $("store").addEventListener("change", () => loadPlan(false));
    $("reset").addEventListener("click", () => loadPlan(false));
    $("plan-csv").addEventListener("click", downloadPlan);
    $("chart-days").addEventListener("input", () => chooseDay(Number($("chart-days").value)));
    $("chart-days").addEventListener("focus", () => chooseDay(Number($("chart-days").value)));
    $("rank-csv").addEventListener("click", downloadRank);
    $("rank-form").addEventListener("submit", (e) => { e.preventDefault(); loadRank(); });
    for (const t of TABS) {
      $(`tab-${t}`).addEventListener("click", () => showTab(t));
      $(`tab-${t}`).addEventListener("keydown", tabKey);
    }
    let pending = 0;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => { if (state.plan && !$("view-plan").hidden) drawChart(state.plan); }, 150);
    });
    init();
  });
})();
