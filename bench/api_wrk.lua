-- wrk script for bench/api_load.sh: POST the JSON body in $BODY_FILE, count non-200 answers,
-- print one machine-readable summary line at the end.
-- A BODY_FILE of several lines holds one body per line: each request sends the next one (the
-- single-row requests of many stores, as a chain's clients send them); one line: the same body always.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local bodies = {}
for line in f:lines() do if #line > 0 then table.insert(bodies, line) end end
f:close()
wrk.method = "POST"
wrk.body = bodies[1]
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("STORECAST_API_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

-- RATE > 0: offer RATE requests a second in total, at a constant pace (open-loop-ish load, as many
-- independent clients would): each wrk thread hands out send slots RATE/THREADS apart and a
-- connection waits for its slot (wrk's delay hook). A connection still waits for its answer before
-- it takes the next slot, so at most CONNECTIONS requests are in flight. LuaJIT's FFI reads the
-- monotonic clock, which plain Lua cannot. Unlike a fixed think time, the offered rate does not fall
-- when the server slows down, so the achieved rate shows whether the server kept up.
local rate = tonumber(os.getenv("RATE") or "0")
local threads_n = tonumber(os.getenv("THREADS") or "2")
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } storecast_ts; int clock_gettime(int, storecast_ts *); ]]
  local ts = ffi.new("storecast_ts")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = 1000 * threads_n / rate
  local next_slot = 0
  function delay()
    local now = now_ms()
    if next_slot < now - interval then next_slot = now end  -- no burst to catch up after a stall
    next_slot = next_slot + interval
    return math.max(0, math.floor(next_slot - now))
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  next_body = math.random(#bodies)
end

if #bodies > 1 then
  function request()
    next_body = next_body % #bodies + 1
    return wrk.format(nil, nil, nil, bodies[next_body])
  end
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
