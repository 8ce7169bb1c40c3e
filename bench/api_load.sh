#!/usr/bin/env bash
# Load-test the REST API on loopback with wrk (apt-get install -y wrk).
#
#   bench/api_load.sh MODEL_FILE [DURATION_S=30] [CONNECTIONS=20]
#
# Starts `storecast serve --model MODEL_FILE` on a free 127.0.0.1 port, then measures
#   1. single-row POST /predict, CONNECTIONS concurrent connections for DURATION_S seconds, as fast
#      as the server answers (saturation: requests/s, p50/p90/p99, non-200 answers, socket errors);
#      in this closed loop p50 ~ CONNECTIONS / throughput (Little's law), so it measures queueing;
#   2. the same CONNECTIONS clients offering 300 requests/s in total at a constant pace (send slots
#      from bench/api_wrk.lua's RATE schedule): the latency a client sees at the target load;
#   3. a 1,000-row POST /predict batch (31 days of 33 stores), 1 connection for 10 s (p50/p99);
#   4. one connection sending single-row requests back to back (p50/p99 a lone client sees);
#   5. the reference in the same run: a bare FastAPI endpoint (bench/bare_api.py) under load 1, and the
#      ratio of the two request rates;
# and reports the server's peak RSS (VmHWM from /proc). Always stops the servers.
# wrk rather than hey/locust: it is a Debian package, its Lua hook sends POST bodies, it reports
# exact latency percentiles and uses little CPU, which matters when client and server share 2 cores.
set -euo pipefail
MODEL=${1:?usage: bench/api_load.sh MODEL_FILE [DURATION_S] [CONNECTIONS]}
DURATION=${2:-30}
CONNS=${3:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
HERE="$ROOT/bench"
TMP=$(mktemp -d)
PORT=$("$PY" -c "from storecast.cli.server_process import free_port; print(free_port())")
BASE="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }

"$ROOT/.venv/bin/storecast" serve --model "$MODEL" --host 127.0.0.1 --port "$PORT" \
  >"$TMP/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 240); do
  curl -fsS "$BASE/ready" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$BASE/ready" >/dev/null
# The uvicorn process that serves: the storecast process itself when --workers is 1.
PID=$SERVER

curl -fsS "$BASE/model" >"$TMP/model.json"
"$PY" - "$TMP" <<'PYEOF'
import datetime as dt, json, sys
tmp = sys.argv[1]
stores = json.load(open(f"{tmp}/model.json"))["stores"]
row = {"id": 1, "store": int(stores[0]), "date": "2015-08-03", "open": 1, "promo": 1,
       "state_holiday": "0", "school_holiday": 0}
open(f"{tmp}/one.json", "w").write(json.dumps({"rows": [row]}))
# one single-row body per line, each for another store: requests of different stores may share a
# prediction call (api/batching.py merges them), requests of one store may not (its schedule context)
open(f"{tmp}/many.json", "w").write("\n".join(json.dumps({"rows": [dict(row, store=int(s_))]}) for s_ in stores))
# 1,000 rows, 31 days of each store in turn: /predict takes each store and day once per request
rows = [dict(row, id=i, store=int(stores[(i // 31) % len(stores)]), promo=i % 2,
             date=(dt.date(2015, 8, 1) + dt.timedelta(days=i % 31 + 31 * (i // (31 * len(stores))))).isoformat())
        for i in range(1000)]
open(f"{tmp}/batch.json", "w").write(json.dumps({"rows": rows}))
PYEOF

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server RSS after start-up: $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$PID/status)"
# warm-up (first requests, allocator, caches), not measured
BODY_FILE="$TMP/one.json" wrk -t1 -c4 -d3s -s "$HERE/api_wrk.lua" "$BASE/predict" >/dev/null
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }  # server user+system CPU, clock ticks
echo "== single-row /predict: $CONNS connections, ${DURATION}s"
C0=$(cpu)
BODY_FILE="$TMP/one.json" wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 5s -s "$HERE/api_wrk.lua" \
  "$BASE/predict" | tee "$TMP/sat.txt" | grep '^RESULT'
C1=$(cpu)
N=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$TMP/sat.txt")
# Server CPU per request does not depend on how much CPU other processes took meanwhile.
awk -v c="$((C1 - C0))" -v n="$N" -v hz="$(getconf CLK_TCK)" \
  'BEGIN {printf "server CPU per request: %.2f ms (=> %.0f req/s per fully free core)\n", 1000*c/hz/n, n*hz/c}'
echo "== single-row /predict, each request another store: $CONNS connections, ${DURATION}s"
BODY_FILE="$TMP/many.json" wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 5s -s "$HERE/api_wrk.lua" \
  "$BASE/predict" | tee "$TMP/many.txt" | grep '^RESULT'
echo "== single-row /predict: 1 connection back to back, ${DURATION}s"
BODY_FILE="$TMP/one.json" wrk -t1 -c1 -d"${DURATION}s" --timeout 5s -s "$HERE/api_wrk.lua" \
  "$BASE/predict" | grep '^RESULT'
echo "== single-row /predict: $CONNS connections offering 300 req/s in total, ${DURATION}s"
BODY_FILE="$TMP/one.json" RATE=300 THREADS=2 wrk -t2 -c"$CONNS" -d"${DURATION}s" \
  --timeout 5s -s "$HERE/api_wrk.lua" "$BASE/predict" | grep '^RESULT'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== 1000-row /predict batch: 1 connection, 10s"
BODY_FILE="$TMP/batch.json" wrk -t1 -c1 -d10s --timeout 10s -s "$HERE/api_wrk.lua" \
  "$BASE/predict" | grep '^RESULT'
echo "server peak RSS (VmHWM): $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$PID/status)"
kill -INT "$SERVER"; wait "$SERVER" 2>/dev/null || true
grep -o 'shutting down: .*' "$TMP/server.log" || true
# The reference in the same run: a bare FastAPI endpoint on the same stack (bench/bare_api.py), same body.
BARE_PORT=$("$PY" -c "from storecast.cli.server_process import free_port; print(free_port())")
"$PY" -m uvicorn bare_api:app --app-dir "$HERE" --host 127.0.0.1 --port "$BARE_PORT" --no-access-log \
  --log-level warning >"$TMP/bare.log" 2>&1 &
BARE=$!
trap 'kill "$SERVER" "$BARE" 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 60); do
  curl -fsS -X POST -d '{}' "http://127.0.0.1:$BARE_PORT/predict" >/dev/null 2>&1 && break
  sleep 0.5
done
BODY_FILE="$TMP/one.json" wrk -t1 -c4 -d3s -s "$HERE/api_wrk.lua" "http://127.0.0.1:$BARE_PORT/predict" >/dev/null
echo "== reference: bare FastAPI endpoint, single-row body, $CONNS connections, ${DURATION}s"
BODY_FILE="$TMP/one.json" wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 5s -s "$HERE/api_wrk.lua" \
  "http://127.0.0.1:$BARE_PORT/predict" | tee "$TMP/bare.txt" | grep '^RESULT'
kill "$BARE"; wait "$BARE" 2>/dev/null || true
for kind in sat many; do
  awk -v k="$kind" -v a="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$TMP/$kind.txt")" \
      -v b="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$TMP/bare.txt")" \
    'BEGIN {printf "storecast /predict closed loop (%s) / bare endpoint: %.3fx (issue 16: >= 0.33x)\n", \
            (k == "sat" ? "one store" : "many stores"), a / b}'
done
