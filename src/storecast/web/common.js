// The planner page's shared pieces: constants, whole-unit rounding, UTC dates, the page state, the status
// line, form checks and the SVG element helper.

const SVG = "http://www.w3.org/2000/svg";
const TOKEN_KEY = "storecast-token";
const DAY_MS = 86400000;
const WEEKDAY = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];  // the CSV's weekday column, in every language
// Figures in the reader's own way of writing numbers (the browser's language: "1.234" and "0,3 %" in German,
// "1,234" and "0.3%" in English); the CSV files keep one format whatever the language (docs/planner.md).
const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percent1 = new Intl.NumberFormat(undefined, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percent0 = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });
// Each day's forecast in whole sales units, and every week, total and difference added up from those, so
// each column adds up to its total (rounded separately, a total was 1 off the sum of the weeks above it).
// The rule of storecast.api.planner.whole_units, which `storecast plan` prints; `|| 0` keeps "-0" away.
const whole = (v) => Math.round(v) || 0;
const wholeSum = (rows, idx) => idx.reduce((a, i) => a + whole(rows[i].sales), 0);
// A percentage to one decimal, as the ranking shows it and its CSV holds it; "-0.0" (a gain of -0.04%) is 0.0.
const tenths = (v) => { const t = v.toFixed(1); return t === "-0.0" ? "0.0" : t; };
// A percentage as the page shows it: the CSV's tenth (`tenths`), written the reader's way ("0,3 %").
const pct = (v) => percent1.format(Number(tenths(v)) / 100);
// A band's level (0.8) as the page shows it: "80%", "80 %".
const levelPct = (level) => percent0.format(Math.round(level * 100) / 100);
const signed = (v) => `${v >= 0 ? "+" : "−"}${money.format(Math.abs(v))}`;  // one minus sign, not a hyphen
const $ = (id) => document.getElementById(id);

const state = {
  plan: null,          // the last /plan answer
  promo: new Set(),    // scenario promo days (ISO dates)
  closed: new Set(),   // scenario closed days (ISO dates)
  seq: 0,              // only the newest answer is drawn
  rank: null,          // the last /plan/rank answer
  rankSeq: 0,          // the same rule for the ranking
  said: { plan: ["", false], rank: ["", false] },  // each view's last message: said again when it is shown
  day: null,           // the chart's chosen day (ISO date), kept across redraws of the same period
  cursorAt: null,      // draws the chart's day cursor at an index (set by drawChart)
};

// ---- dates as UTC ISO strings ----
const parse = (iso) => new Date(iso + "T00:00:00Z");
const iso = (d) => d.toISOString().slice(0, 10);
const addDays = (isoDate, n) => iso(new Date(parse(isoDate).getTime() + n * DAY_MS));
const weekday = (isoDate) => parse(isoDate).getUTCDay(); // 0 = Sunday
// Dates the reader's way too, as the figures: "Aug 3" in American English, "3 Aug" in British, "3. Aug." in
// German (they were "3 Aug" in English whatever the language). Formatted in UTC, the time zone of `parse`'s days.
const dateFormat = (options) => new Intl.DateTimeFormat(undefined, { ...options, timeZone: "UTC" });
const dayMonth = dateFormat({ day: "numeric", month: "short" });
const dayMonthYear = dateFormat({ day: "numeric", month: "short", year: "numeric" });
const weekdayDate = dateFormat({ weekday: "short", day: "numeric", month: "short", year: "numeric" });
// "Dec 29", with the year ("Dec 29, 2014") where the dates shown run over two years: "Dec 29" and "Jan 5"
// alone left the reader to guess which year was which
const short = (isoDate, withYear) => (withYear ? dayMonthYear : dayMonth).format(parse(isoDate));
// "Mon, Aug 3, 2015": the chart's chosen day.
const longDate = (isoDate) => weekdayDate.format(parse(isoDate));
const twoYears = (first, last) => first.slice(0, 4) !== last.slice(0, 4);
// "Aug 1, 2015–Sep 11, 2015 (42 days)": the period an answer on screen is of.
const periodOf = (start, days) => `${short(start, true)}–${short(addDays(start, days - 1), true)} (${days} days)`;

// The status line belongs to the view shown: a view's message is kept as that view's, on the line only while
// the view is shown, and said again when it is shown next. Going to the ranking and back wiped the plan
// view's error, though nothing had been asked again; an answer for the other view does not write over it.
const shownView = () => ($("view-rank").hidden ? "plan" : "rank");

function say(text, isError, view = shownView()) {
  state.said[view] = [text || "", Boolean(isError)];
  if (view !== shownView()) return;
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
  const inputs = form.querySelectorAll("input, select");
  for (const input of inputs) {  // and a box the server refused before (see `failed`)
    input.removeAttribute("aria-describedby");
    input.removeAttribute("aria-invalid");
  }
  for (const input of inputs) {
    if (input.checkValidity()) continue;
    const why = input.type === "date" && input.validity.badInput
      ? "this is not a whole, real date: type day, month and year again" : input.validationMessage;
    say(`${labelOf(input)}: ${why}`, true, form.closest("[role=tabpanel]").id.slice(5));
    // the message read with the field the focus lands on: a screen reader announced the box's name, value
    // and "invalid" there, and the polite status line later or not at all
    input.setAttribute("aria-describedby", "status");
    input.focus();
    return false;
  }
  return true;
}

// What the answer's horizon fields say of its period `first`..`last` (ISO dates), in the same words in both
// views: days before the training data and days past the calibrated ones were never checked against sales.
// `before` names what of those days to read as rougher, `after` what lies past the calibrated days.
function horizonNote(answer, first, last, { before, after }) {
  const notes = [];
  if (answer.training_start && first < answer.training_start) {
    notes.push(`Days before ${answer.training_start} (the first day of the training data) lie outside the sales the model learned from: read ${before} as rougher.`);
  }
  if (answer.calibrated_through && last > answer.calibrated_through) {
    notes.push(`${after} after ${answer.calibrated_through} (training end + the days its bands were calibrated on) were never checked against sales: read them as rougher.`);
  }
  return notes.join(" ");
}

// ---- SVG helpers ----
function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

// ---- the plan view ----
const scenarioSets = (plan) => [new Set(plan.days.filter((d) => d.promo).map((d) => d.date)),
                                new Set(plan.days.filter((d) => !d.open).map((d) => d.date))];

// Whether the weeks on screen differ from the plan's usual ones: a scenario the user built by hand.
function changedFromUsual() {
  if (!state.plan) return false;
  const [promo, closed] = scenarioSets(state.plan.usual);
  const same = (a, b) => a.size === b.size && [...a].every((d) => b.has(d));
  return !same(state.promo, promo) || !same(state.closed, closed);
}

export {
  TOKEN_KEY, WEEKDAY, money, pct, levelPct, whole, wholeSum, tenths, signed, $, state, iso, addDays, weekday, short, longDate,
  twoYears, periodOf, say, valid, horizonNote, el, scenarioSets, changedFromUsual,
};
