// The promotion planner page: calls /model, /plan and /plan/rank; charts are inline SVG drawn here (no library).
// An ES module (index.html loads it with type="module"); each idea in its own file beside it, imported
// relatively, no bundler: common.js, api.js, chart.js, plan.js, rank.js, tabs.js and csv.js.
import { failed } from "./api.js";
import { chooseDay, drawChart } from "./chart.js";
import { $, TOKEN_KEY, changedFromUsual, say, state } from "./common.js";
import { downloadPlan, downloadRank } from "./csv.js";
import { loadModel, loadPlan, markPlanStale, modelUnread, storeChanged, storeKey } from "./plan.js";
import { loadRank, markStale } from "./rank.js";
import { TABS, showTab, tabKey } from "./tabs.js";

async function init() {
  try {
    await loadModel();
    say("");
    // A token refused mid-scenario (the server's token changed) and then replaced: the weeks switched so far
    // are forecast again, not dropped for the usual plan. An unchanged plan is asked as usual, from the form,
    // so that a model served since with another promo rhythm draws its own usual plan.
    await loadPlan(changedFromUsual());
  } catch (err) {
    if (err.why === "superseded") return;  // Use pressed again: the newer start says what came of it
    modelUnread(err);
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
  $("store").addEventListener("change", storeChanged);  // planned once the choice settles
  $("store").addEventListener("keydown", storeKey);
  $("reset").addEventListener("click", () => loadPlan(false));
  $("plan-csv").addEventListener("click", downloadPlan);
  $("chart-days").addEventListener("input", () => chooseDay(Number($("chart-days").value)));
  $("chart-days").addEventListener("focus", () => chooseDay(Number($("chart-days").value)));
  $("rank-csv").addEventListener("click", downloadRank);
  $("rank-form").addEventListener("submit", (e) => { e.preventDefault(); loadRank(); });
  for (const id of ["rank-start", "rank-days"]) $(id).addEventListener("input", markStale);
  for (const id of ["start", "days"]) $(id).addEventListener("input", markPlanStale);
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
