// The planner page's API calls, with the bearer token when one is stored, and its failures in the status
// line's words.
import { $, TOKEN_KEY, changedFromUsual, say } from "./common.js";

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
    this.reason = text;  // "" when the answer said nothing the planner wrote (a proxy's HTML error page)
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
  } else if (!err.reason) {  // "(HTTP 502): the server answered 502 with no reason given" said the status twice
    text = `the server could not answer (HTTP ${err.status}, no reason given). Try again in a moment; if this `
      + "goes on, ask whoever runs the planner's server.";
  } else {
    text = `the server could not answer (HTTP ${err.status}): ${err.message}`;
  }
  text = (kept ? "Nothing changed: " : "") + text;
  return text[0].toUpperCase() + text.slice(1);
}

// Said as the message of `view` (the view shown if not named); see `say`.
function failed(err, kept, view) {
  say(failure(err, kept), true, view);
  if (err.status === 401) {
    // selected: the refused token stays in the box behind the dots, and the new one typed went after it
    $("token").focus();
    $("token").select();
  }
}

export { ApiError, api, failure, failed };
