// The plan view: a store's usual plan and scenario from POST /plan, its totals and weeks to switch, and the
// store list from GET /model.
import { api, failed } from "./api.js";
import { drawChart } from "./chart.js";
import {
  $, TOKEN_KEY, addDays, horizonNote, iso, levelPct, money, pct, periodOf, say, scenarioSets, short, signed, state, twoYears,
  valid, weekday, wholeSum,
} from "./common.js";

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
  planBusy(false);  // an answer still on its way is not drawn (see `seq`)
  markPlanStale();
}

// A From or Days typed since the plan shown was asked, and not yet forecast: the cards showed the earlier
// period's totals under boxes saying another (42 days' totals under "Days 14"). Until Forecast is pressed,
// or the boxes say that period again, a note names the period shown and the totals and chart are greyed,
// as the ranking does. A store chosen is planned at once, so only the dates count here.
function markPlanStale() {
  const days = state.plan ? state.plan.scenario.days : null;
  const stale = Boolean(days) && ($("start").value !== days[0].date || Number($("days").value) !== days.length);
  const note = $("plan-stale");
  note.hidden = !stale;
  note.textContent = stale
    ? `Showing store ${state.plan.store} for ${periodOf(days[0].date, days.length)}; press Forecast to update.` : "";
  for (const node of [document.querySelector("#view-plan .totals"), document.querySelector("#view-plan .chart")]) {
    node.classList.toggle("stale", stale);
  }
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
  // the buttons show the weeks as now asked at once, the figures follow with the answer: with a slow server
  // nothing moved where the week was pressed (the "forecasting…" line can be a screen above it), and a second
  // press to make it take undid the first
  drawWeeks(state.plan);
  loadPlan(true);
}

// The figures an answer will replace, marked while it is on its way (greyed in planner.css).
function planBusy(on) {
  for (const node of [$("weeks"), document.querySelector("#view-plan .totals")]) {
    node.setAttribute("aria-busy", on ? "true" : "false");
  }
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
  const share = u > 0 ? ` (${d >= 0 ? "+" : "−"}${pct(Math.abs((100 * d) / u))})` : "";
  $("difference-total").textContent = `${signed(d)}${share}`;
  $("difference-total").classList.toggle("neg", d < 0);
  $("difference-total").classList.toggle("pos", d > 0);  // no change, or none yet, in plain ink, not as a gain
  $("level-inner").textContent = plan.level ? levelPct(plan.level) : "";
  // a model calibrated at one level has no wider band: no key for a band the chart does not draw
  const outer = Boolean(plan.outer_level);
  $("level-outer").textContent = outer ? levelPct(plan.outer_level) : "";
  for (const node of [$("level-outer"), document.querySelector("#legend .key.band95")]) node.hidden = !outer;
  // both ends of the plan: days before the training data were as unmeasured as days past the horizon, but
  // only the latter were noted, so a plan of a year the model never saw read as trusted as any other
  const days = plan.scenario.days;
  $("horizon-note").textContent = horizonNote(plan, days[0].date, days[days.length - 1].date,
                                              { before: "their forecasts and bands", after: "Bands" });
}

// The store list moved with the arrow keys changes at every press: passing from store 3 to store 9 asked
// for seven plans, and the server worked through them all though only the last was drawn. A store is
// planned once the list has rested SETTLE_MS (at once on Enter); a plan asked from the form meanwhile
// (Forecast, a ranked store) reads the chosen store itself and takes the waiting one's place.
const SETTLE_MS = 250;
let settling = 0;  // the timer of a store change not yet planned; 0 when none waits

function storeChanged() {
  clearTimeout(settling);
  settling = setTimeout(() => loadPlan(false), SETTLE_MS);
}

function storeKey(e) {
  if (e.key !== "Enter" || !settling) return;
  e.preventDefault();
  loadPlan(false);
}

async function loadPlan(withScenario) {
  if (!withScenario) {
    clearTimeout(settling);
    settling = 0;
  }
  const seq = ++state.seq;  // an answer still on its way is not drawn over the message below
  const drawn = state.plan;
  let body;
  if (withScenario && drawn) {
    // The week buttons belong to the plan on screen: a From or Days typed since and not yet forecast made
    // the listed days fall outside the new window (a 422 per day) and wiped the plan.
    const days = drawn.scenario.days;
    body = { store: drawn.store, start: days[0].date, days: days.length };
  } else {
    if (!$("store").options.length && (!(await modelRead("plan")) || seq !== state.seq)) return;
    if (!valid($("plan-form"))) { clearPlan(); return; }
    body = { store: Number($("store").value), start: $("start").value, days: Number($("days").value) };
  }
  if (withScenario) {
    body.promo_days = [...state.promo].sort();
    body.closed_days = [...state.closed].sort();
  }
  say("forecasting…", false, "plan");
  planBusy(true);
  try {
    const plan = await api("/plan", body);
    if (seq !== state.seq) return;
    planBusy(false);
    state.plan = plan;
    if (!withScenario) [state.promo, state.closed] = scenarioSets(plan.usual);
    else {  // the form says which plan is shown again: a week of store 1's table pressed while store 2's
      // plan was on its way drew store 1's scenario under a store list that still said 2
      $("store").value = String(body.store);
      $("start").value = body.start;
      $("days").value = String(body.days);
    }
    drawTotals(plan);
    drawChart(plan);
    drawWeeks(plan);
    $("plan-csv").disabled = false;
    markPlanStale();  // a From or Days typed while it ran: the plan drawn is already the earlier period's
    say("", false, "plan");
    document.body.dataset.plan = String(seq);
    return true;  // drawn (openStore then says what it switched on)
  } catch (err) {
    if (seq !== state.seq) return;
    planBusy(false);
    if (withScenario && drawn && err.status !== 422) {
      // Not about what was asked (no answer, a refused token, a server fault): the plan on screen stays and
      // so does the scenario its buttons show; a server stopped mid-way cost every week clicked so far.
      [state.promo, state.closed] = scenarioSets(drawn.scenario);
      drawWeeks(drawn);  // the buttons pressed since, back to the plan shown
      failed(err, true, "plan");
      return;
    }
    clearPlan();
    if (err.types && err.types.includes("unknown_store")) storeGone(body.store);
    else failed(err, false, "plan");
  }
}

// The store list came from the model served when the page loaded; a server restarted since with another
// model may not know the chosen store. The API's words ("ask for one of those or serve a model trained with
// store N") do not say why it changed: here the list is reloaded and the page says why.
async function storeGone(store) {
  try {
    await loadModel();
  } catch (err) {
    failed(err, false, "plan");
    return;
  }
  say(`Store ${store} is not known to the model the server serves now (the server was probably restarted `
      + "with another model since this page loaded). The store list is reloaded from it: pick a store.", true,
      "plan");
  $("store").focus();
}

// ---- start-up: the model's stores and the day after its training end ----
// Whether the store list and the dates are there, asking GET /model for them first where they are not: when
// the server was down as the page loaded it said "Try again in a moment", but Forecast and Rank stores then
// met an empty store list and no dates ("From: Please fill out this field.") and only a reload helped.
async function modelRead(view) {
  say("loading the model…", false, view);
  try {
    await loadModel();
    return true;
  } catch (err) {
    if (err.why !== "superseded") modelUnread(err);  // a newer reading of the model says what came of it
    failed(err, false, view);
    return false;
  }
}

// The line under the title when GET /model failed: it said "loading the model…" for good; says why no
// model is named.
function modelUnread(err) {
  $("model-name").textContent = err.status === 401
    ? (sessionStorage.getItem(TOKEN_KEY) ? "model not shown: the server refused this API token"
                                         : "model not shown: the server does not show it without an API token")
    : "model not shown: the server did not answer with it";
}

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

export { clearPlan, markPlanStale, weeks, loadPlan, loadModel, modelRead, modelUnread, storeChanged, storeKey };
