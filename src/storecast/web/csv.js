// The downloads: the figures on screen as CSV, for a spreadsheet.
import { WEEKDAY, state, tenths, weekday, whole } from "./common.js";

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
                                             r.gain_pct === null ? "" : tenths(r.gain_pct),
                                             whole(r.usual_total), r.week]));
  download(`storecast-rank-${answer.start}-${answer.days}d.csv`, rows);
}

export { downloadPlan, downloadRank };
