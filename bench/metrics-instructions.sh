#!/usr/bin/env bash
# What the metrics cost, counted in instructions rather than time: GET one site (as
# bench/get-site.sh) N times over one keep-alive connection against `staffprobot api` running
# under valgrind's callgrind, with METRICS_ENABLED=false and =true, each at two request counts
# so that start-up and shutdown cancel out: (Ir(long) - Ir(short)) / (long - short) is the
# instructions one request costs. Counted two ways: inside the connection's future (everything
# hyper, axum, the middleware, the handler and the cache do for the requests: the request's
# own cost), and the whole process (adds the background work that runs per second, not per
# request — the histogram upkeep every 5 s, the per-minute gauges, the cache's invalidation
# polls — which valgrind's slowdown makes look large next to a request). Instruction counts do
# not move with the machine's load or clock speed, which on a small shared machine swing
# throughput by ±15 % from one run to the next (bench/metrics-cost.sh measures throughput).
# Usage: bench/metrics-instructions.sh [short] [long]   (needs valgrind, curl; SQLite, no services)
set -euo pipefail
cd "$(dirname "$0")/.."
short=${1:-200}
long=${2:-1200}
command -v valgrind >/dev/null || { echo "install valgrind first: apt-get install valgrind" >&2; exit 1; }
cargo build --release -q -p staffprobot
bin=$PWD/${CARGO_TARGET_DIR:-target}/release/staffprobot
work=${KEEP:-$(mktemp -d)}; mkdir -p "$work"
trap 'pkill -f "callgrind.*staffprobot api" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export HTTP_ADDR=127.0.0.1:18002 RUST_LOG=warn DATABASE_URL="sqlite://$work/bench.db"
"$bin" demo seed --no-live >/dev/null
token=$("$bin" token issue --telegram-id 9100000001 | grep '^spb_')

# Instructions the server executes from start to exit, having answered $2 requests.
instructions() {
  local out="$work/callgrind.$1.$2"
  METRICS_ENABLED=$1 valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" api >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 1 200); do curl -fs "http://$HTTP_ADDR/health" >/dev/null 2>&1 && break; sleep 0.3; done
  local site
  site=$(curl -fs -H "Authorization: Bearer $token" "http://$HTTP_ADDR/api/v1/sites" | grep -o '"id":[0-9]*' | head -n1 | cut -d: -f2)
  # One curl, one connection, $2 requests (a config file: url and output per request).
  for _ in $(seq 1 "$2"); do
    printf 'url = "http://%s/api/v1/sites/%s"\noutput = /dev/null\n' "$HTTP_ADDR" "$site"
  done >"$work/requests"
  curl -fsS -H "Authorization: Bearer $token" -K "$work/requests"
  kill -INT "$server"
  wait "$server" 2>/dev/null || true
  # Whole process, then the connection's future (inclusive).
  awk '/^summary:/ {print $2}' "$out"
  callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
    awk '/GracefulConnectionFuture<C,F> as core::future::future::Future>::poll/ {gsub(",", "", $1); print $1; exit}'
}

for metrics in false true; do
  read -r a_all a_conn < <(instructions $metrics "$short" | paste -sd' ')
  read -r b_all b_conn < <(instructions $metrics "$long" | paste -sd' ')
  conn=$(( (b_conn - a_conn) / (long - short) ))
  all=$(( (b_all - a_all) / (long - short) ))
  echo "metrics=$metrics: $conn instructions a request in its connection, $all in the whole process"
  eval "conn_$metrics=$conn all_$metrics=$all"
done
awk -v off="$conn_false" -v on="$conn_true" 'BEGIN {printf "the request: metrics cost %d instructions, %.1f %%\n", on - off, (on - off) / off * 100}'
awk -v off="$all_false" -v on="$all_true" 'BEGIN {printf "the whole process: metrics cost %d instructions a request, %.1f %% (background work per second included)\n", on - off, (on - off) / off * 100}'
