// The planner page's API calls, with the bearer token when one is stored, and its failures in the status
// line's words.
import { $, TOKEN_KEY, changedFromUsual, say } from "./common.js";

// ---- API calls, with the bearer token when one is stored ----
// The API's field names in the words of this page's labels: "From (start): ..." says which box to fix.
const FIELD = { store: "Store", start: "From", days: "Days", top: "Top", promo_days: "Promo", closed_days: "Closed" };

class ApiError extends Error {
  constructor(status, detail, why = "") {
    const named = (d) => {
      const field = String(d.field ?? ""), label = FIELD[field.split(/[.[]/)[0]];
      return `${label ? `${label} (${field})` : field}: ${d.msg}`;
    };
    const text = Array.isArray(detail) ? detail.map(named).join("; ") : String(detail || "");
    super(text || `the server answered ${status} with no reason given`);
    this.status = status;
    this.reason = text;  // "" when the answer said nothing the planner wrote (a proxy's HTML error page)
    this.types = Array.isArray(detail) ? detail.map((d) => d.type) : [];
    // the fields refused ("start", "promo_days"), whose boxes `failed` ties to the message
    this.fields = Array.isArray(detail) ? detail.map((d) => String(d.field ?? "").split(/[.[]/)[0]) : [];
    // "timeout": no answer within TIMEOUT_MS; "superseded": a newer request of the same kind took its place
    // (nothing to say: the newer one speaks); "foreign": a 2xx that is not the planner's JSON; "busy": a 503
    // with Retry-After (the planning queue full), still busy when asked again after that wait; "loading": the
    // same for a server whose model has not loaded yet
    this.why = why;
    this.waited = 0;  // seconds waited before asking again ("busy", "loading")
  }
}

// A request unanswered this long is given up with a message: a hung server (or a proxy holding the
// connection) left "forecasting…" on screen for good. A ranking of every store takes a few seconds, and
// four queued on the server well under this.
const TIMEOUT_MS = 60000;

// The request of each kind (its path) on its way: a newer one of the same kind cancels it (only the newest
// answer is drawn anyway), and one identical to it shares its answer instead of being sent: the server plans
// one job at a time, so a double click on Forecast made the answer wait for the same plan twice.
const onTheWay = new Map();

function api(path, body) {
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const key = JSON.stringify([token || "", body ?? null]);
  const older = onTheWay.get(path);
  if (older && older.key === key) return older.answer;
  if (older) older.controller.abort();
  const entry = { key, controller: new AbortController(), answer: null };
  entry.answer = send(path, body, headers, entry.controller).finally(() => {
    if (onTheWay.get(path) === entry) onTheWay.delete(path);
  });
  onTheWay.set(path, entry);
  return entry.answer;
}

// The longest wait a 503's Retry-After gets before the one retry: the planning queue asks 2 s, and a page
// that waited a minute on a server's word would look hung.
const MAX_RETRY_AFTER_S = 10;

// The seconds a 503's Retry-After asks (delay-seconds or an HTTP date, RFC 9110 10.2.3), capped at
// MAX_RETRY_AFTER_S; null when it has none or none that reads.
function retryAfter(r) {
  const value = (r.headers.get("Retry-After") || "").trim();
  if (!value) return null;
  const wait = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return Number.isNaN(wait) ? null : Math.min(Math.max(wait, 0), MAX_RETRY_AFTER_S);
}

// A 503 of a server whose model has not loaded yet: its detail starts "not ready", as GET /ready's does
// (api/errors.py). Why: its Retry-After was read as a full planning queue's, "busy with other requests".
const notLoaded = (data) => typeof data?.detail === "string" && data.detail.startsWith("not ready");

// "1 second", "2 seconds": a wait as the status line says it, in whole seconds.
const seconds = (s) => `${Math.ceil(s)} second${Math.ceil(s) === 1 ? "" : "s"}`;

// Resolves after `wait` seconds, or at once when `signal` aborts (a newer request, or the page's timeout).
function pause(wait, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, wait * 1000);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

async function send(path, body, headers, controller) {
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, TIMEOUT_MS);
  // status 0: nothing came back (a fault of this page keeps none)
  const stopped = () => new ApiError(0, "no answer", timedOut ? "timeout" : "superseded");
  try {
    let r, data, waited = null;
    for (;;) {
      try {
        r = await fetch(path, { method: body === undefined ? "GET" : "POST", headers, signal: controller.signal,
                                body: body === undefined ? undefined : JSON.stringify(body) });
      } catch {
        throw controller.signal.aborted ? stopped() : new ApiError(0, "no answer");
      }
      data = undefined;
      try {
        data = await r.json();
      } catch {
        if (controller.signal.aborted) throw stopped();  // cut off while the answer was coming in
      }
      // a 503 with Retry-After (the server plans a few requests at a time and refuses more): "the server could
      // not answer (HTTP 503)" told the planner nothing to do, where asking once more after the wait it names
      // usually succeeds
      const wait = r.status === 503 && waited === null ? retryAfter(r) : null;
      if (wait === null) break;
      waited = wait;
      const view = path === "/plan/rank" ? "rank" : path === "/plan" ? "plan" : undefined;
      const why = notLoaded(data) ? "still loading its model" : "busy with other requests";
      say(`The server is ${why}: asking again in ${seconds(wait)}…`, false, view);
      await pause(wait, controller.signal);
      if (controller.signal.aborted) throw stopped();
    }
    if (!r.ok) {
      const again = r.status === 503 && waited !== null;
      const err = new ApiError(r.status, data?.detail, again ? (notLoaded(data) ? "loading" : "busy") : "");
      err.waited = waited ?? 0;
      throw err;
    }
    // a 2xx that is not the planner's JSON (a proxy's or sign-in page's HTML answering 200) read as `{}`,
    // and the page failed on it with "Cannot read properties of undefined"
    if (data === null || typeof data !== "object" || Array.isArray(data)) throw new ApiError(r.status, "", "foreign");
    return data;
  } finally {
    clearTimeout(timer);
  }
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
  } else if (err.why === "timeout") {
    text = `no answer from the server within ${TIMEOUT_MS / 1000} seconds. It may be busy with other plans: try `
      + "again in a moment; if this goes on, ask whoever runs the planner's server.";
  } else if (err.why === "busy") {
    text = `the server is busy with other requests, and was still busy when asked again `
      + `${seconds(err.waited)} later: try again in a moment; if this goes on, ask whoever runs the `
      + "planner's server.";
  } else if (err.why === "loading") {
    text = `the server has not loaded its model yet, nor had it when asked again ${seconds(err.waited)} later: `
      + "try again in a moment; if this goes on, ask whoever runs the planner's server.";
  } else if (err.why === "foreign") {
    text = `the server, or something in front of it (a proxy or a sign-in page), answered (HTTP ${err.status}) with `
      + "something that is not the planner's answer. Reload this page and sign in if it asks; if this goes on, "
      + "ask whoever runs the planner's server.";
  } else if (err.status === 0) {
    // in the words of someone planning, not of whoever runs the server ("Failed to fetch", "storecast serve")
    text = "no answer from the server. Try again in a moment; if this goes on, the planner's server has "
      + "stopped or cannot be reached: ask whoever runs it.";
  } else if (err.status === undefined) {  // not an answer at all: a fault of this page
    text = `this page failed (${err.message}): reload it and try again.`;
  } else if (!err.reason) {  // "(HTTP 502): the server answered 502 with no reason given" said the status twice
    text = `the server could not answer (HTTP ${err.status}, no reason given). Try again in a moment; if this `
      + "goes on, ask whoever runs the planner's server.";
  } else {
    text = `the server could not answer (HTTP ${err.status}): ${err.message}`;
  }
  text = (kept ? "Nothing changed: " : "") + text;
  return text[0].toUpperCase() + text.slice(1);
}

// The boxes of each view by the API's field names: a field the server refused is tied to the message.
const BOX = { plan: { store: "store", start: "start", days: "days" },
              rank: { start: "rank-start", days: "rank-days", top: "rank-top" } };

// Said as the message of `view` (the view shown if not named); see `say`. Nothing for a request a newer one
// replaced: that one says what came of it.
function failed(err, kept, view) {
  if (err.why === "superseded") return;
  say(failure(err, kept), true, view);
  // a box the server refused ("From (start): ...") is marked and described by the message, as one the page
  // refuses itself (`valid`): a screen reader read the box as fine and the message only later, if at all
  const boxes = err.status === 422 && view ? err.fields.map((f) => BOX[view][f]).filter(Boolean) : [];
  for (const id of boxes) {
    $(id).setAttribute("aria-invalid", "true");
    $(id).setAttribute("aria-describedby", "status");
    // typed again: no longer the value refused (the page's own checks follow the box the same way)
    $(id).addEventListener("input", () => {
      $(id).removeAttribute("aria-invalid");
      $(id).removeAttribute("aria-describedby");
    }, { once: true });
  }
  if (boxes.length) $(boxes[0]).focus();
  if (err.status === 401) {
    // selected: the refused token stays in the box behind the dots, and the new one typed went after it
    $("token").focus();
    $("token").select();
  }
}

export { ApiError, TIMEOUT_MS, api, failure, failed };
