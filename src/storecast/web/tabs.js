// The view tabs: Plan a store and Where to promote.
import { drawChart } from "./chart.js";
import { $, say, state } from "./common.js";

// The WAI-ARIA tabs pattern: only the selected tab is in the Tab order (roving tabindex), so Tab goes from
// the tabs straight into the view; the arrow keys, Home and End move between tabs and select on the way.
const TABS = ["plan", "rank"];

function showTab(name) {
  for (const t of TABS) {
    $(`tab-${t}`).setAttribute("aria-selected", t === name ? "true" : "false");
    $(`tab-${t}`).tabIndex = t === name ? 0 : -1;
    $(`view-${t}`).hidden = t !== name;
  }
  say(...state.said[name], name);  // the view's own message, kept while the other one was shown
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

export { TABS, showTab, tabKey };
