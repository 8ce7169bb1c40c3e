// The ranking view: POST /plan/rank as a table; a store's button opens it in the plan view.
import { api, failed, failure } from "./api.js";
import { $, addDays, el, horizonNote, money, pct, periodOf, say, short, state, twoYears, valid, whole } from "./common.js";
import { loadPlan, modelRead, weeks } from "./plan.js";
import { showTab } from "./tabs.js";

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
const sayRank = (text, isError) => say(text, isError, "rank");

const isStale = (answer) => Boolean(answer)
  && ($("rank-start").value !== answer.start || Number($("rank-days").value) !== answer.days);

// What the status line says of the ranking on screen. Once From or Days say another period it says that the
// rows are of the earlier one, as the note above the table does: "20 stores shown; candidate weeks: ..."
// beside that note read as the new period's ranking.
function sayShown() {
  const answer = state.rank;
  if (!answer) return;
  if (isStale(answer)) {
    sayRank(`${answer.stores.length} stores shown for ${periodOf(answer.start, answer.days)}, not for the From and Days above: `
      + "press Rank stores to rank that period.");
    return;
  }
  const years = twoYears(answer.start, addDays(answer.start, answer.days - 1));
  sayRank(`${answer.stores.length} stores shown; candidate weeks: ${answer.weeks.map((w) => short(w, years))
    .join(", ")}.`);
}

// A From or Days changed since the ranking shown was asked: the table still showed the earlier period
// and read as the new one's. Until Rank stores is pressed (or the boxes say that period again) a note
// above the table names the period it shows, the table is greyed and the status line says so too (not
// while a ranking runs: its "ranking every store…" stays until the answer, which says the rest).
function markStale() {
  const answer = state.rank, note = $("rank-stale");
  const stale = isStale(answer);
  $("rank-table").classList.toggle("stale", stale);
  note.hidden = !stale;
  note.textContent = stale ? `Showing the ranking for ${periodOf(answer.start, answer.days)}; press Rank stores to update.` : "";
  if ($("rank-submit").getAttribute("aria-disabled") !== "true") sayShown();
}

async function loadRank() {
  if ($("rank-submit").getAttribute("aria-disabled") === "true") return;  // one ranking at a time
  const seq = ++state.rankSeq;  // and only the newest answer is drawn, as in the plan view
  const clear = () => {
    $("rank-table").querySelector("tbody").textContent = "";
    delete document.body.dataset.rank;
    state.rank = null;
    $("rank-horizon-note").textContent = "";
    $("rank-csv").disabled = true;
    markStale();
  };
  if (!$("store").options.length && (!(await modelRead("rank")) || seq !== state.rankSeq)) return;
  if (!valid($("rank-form"))) { clear(); return; }
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
      // whole units by `whole`, as the CSV: Intl rounds a half away from zero and shows "-0" (-2.5 read "-3"
      // here and -2 in the CSV, -0.4 read "-0")
      const gain = whole(r.gain);
      cell(money.format(gain), "num");
      cell(r.gain_pct === null ? "–" : pct(r.gain_pct), "num");
      cell(money.format(whole(r.usual_total)), "num");
      cell(short(r.week, years));
      // no bar beside a "0": a gain of -0.4 drew a red loss bar there, and one of 0.3 a green gain bar
      const svg = el("svg", { viewBox: "0 0 100 10", width: 100, height: 10, "aria-hidden": "true" });
      if (gain !== 0) {
        el("rect", { class: gain > 0 ? "gain-bar" : "loss-bar", x: 0, y: 1, height: 8,
                     width: Math.max(1, (100 * Math.abs(r.gain)) / best) }, svg);
      }
      cell("", "bar-col").appendChild(svg);
      tbody.appendChild(tr);
    });
    state.rank = answer;
    // as the plan view says under its chart: gains of days the model's bands never covered read as sure as any
    $("rank-horizon-note").textContent = horizonNote(answer, answer.start, addDays(answer.start, answer.days - 1),
                                                     { before: "their gains", after: "Gains from days" });
    $("rank-csv").disabled = false;
    markStale();  // a From or Days typed while it ran: the table is already the earlier period's
    sayShown();
    document.body.dataset.rank = String(answer.stores.length);
  } catch (err) {
    if (seq !== state.rankSeq) return;
    clear();
    if ($("view-rank").hidden) sayRank(failure(err), true); else failed(err, false, "rank");
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
  // not drawn (overtaken or refused): stop here. A second click's plan overtook the first's, which went on
  // with the plan still shown (store 1's) and switched store 3's ranked week on in it
  if (!(await loadPlan(false))) return;
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


export { loadRank, markStale, openStore };
