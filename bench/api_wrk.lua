-- wrk script for bench/api_load.sh: POST the JSON body in $BODY_FILE, count non-200 answers,
-- print one machine-readable summary line at the end.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("STORECAST_API_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

-- DELAY_MS > 0: each connection waits that long between its requests (a client with think time),
-- so N connections offer about N * 1000 / (DELAY_MS + latency) requests a second (open-ish load).
local pace = tonumber(os.getenv("DELAY_MS") or "0")
if pace > 0 then
  function delay()
    return pace
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do non200 = non200 + t:get("bad") end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "non200=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    non200, e.connect, e.read, e.write, e.timeout))
end
