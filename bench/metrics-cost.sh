#!/usr/bin/env bash
# What the metrics cost: GET one site (as bench/get-site.sh) with METRICS_ENABLED=false and
# =true, alternating servers round by round so drift on the machine hits both alike, at 64
# connections (throughput) with wrk; then a scrape of the live /metrics with curl. The render
# itself is measured by criterion: cargo bench -p telemetry --bench scrape.
# With two or more CPUs the server runs on CPU 0 and wrk on CPU 1 (taskset), so the two do not
# steal each other's time slices: on a 2-core machine that is most of the noise between rounds.
# Usage: bench/metrics-cost.sh [seconds per round] [rounds]   (needs wrk, psql, PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rounds=${2:-3}
command -v wrk >/dev/null || { echo "install wrk first: apt-get install wrk" >&2; exit 1; }
cargo build --release -q -p staffprobot
bin=${CARGO_TARGET_DIR:-target}/release/staffprobot
pg_server=${BENCH_PG_SERVER:-postgres://postgres@127.0.0.1:5432}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export HTTP_ADDR=127.0.0.1:18000 RUST_LOG=warn
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  on_server="taskset -c 0" on_client="taskset -c 1" threads=1
else
  on_server="" on_client="" threads=2
fi

start_api() {
  METRICS_ENABLED=$1 $on_server "$bin" api >/dev/null &
  server=$!
  for _ in $(seq 1 50); do curl -fs "http://$HTTP_ADDR/health" >/dev/null && break; sleep 0.2; done
}

# utime + stime of the server, in clock ticks (fields 14 and 15 of /proc/PID/stat; the name in
# field 2 has no spaces here).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }

stop_api() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }

for backend in postgres sqlite; do
  if [ "$backend" = postgres ]; then
    psql "$pg_server/postgres" -qc "DROP DATABASE IF EXISTS staffprobot_bench_metrics" -qc "CREATE DATABASE staffprobot_bench_metrics"
    export DATABASE_URL="$pg_server/staffprobot_bench_metrics"
  else
    export DATABASE_URL="sqlite://$work/bench.db"
  fi
  "$bin" demo seed --no-live >/dev/null
  token=$("$bin" token issue --telegram-id 9100000001 | grep '^spb_')
  start_api true
  site=$(curl -fs -H "Authorization: Bearer $token" "http://$HTTP_ADDR/api/v1/sites" | grep -o '"id":[0-9]*' | head -n1 | cut -d: -f2)
  stop_api
  url="http://$HTTP_ADDR/api/v1/sites/$site"
  for round in $(seq 1 "$rounds"); do
    for metrics in false true; do
      start_api $metrics
      $on_client wrk -t$threads -c64 -d3s -H "Authorization: Bearer $token" "$url" >/dev/null   # warm-up
      before=$(cpu_ticks)
      out=$($on_client wrk -t$threads -c64 -d"${duration}s" -H "Authorization: Bearer $token" "$url")
      after=$(cpu_ticks)
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      requests=$(echo "$out" | awk '/requests in/ {print $1}')
      # The server's CPU time (user + system) per request, in µs: far steadier than requests/s,
      # which moves with whatever else the machine schedules.
      cpu_us=$(awk -v t=$((after - before)) -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')
      echo "$backend round $round metrics=$metrics: $rps requests/s, $cpu_us µs of server CPU a request"
      echo "$backend $metrics $rps $cpu_us" >>"$work/results"
      if [ "$metrics" = true ] && [ "$round" = "$rounds" ]; then
        # The live scrape after the run: every series this process has, over HTTP.
        for _ in 1 2 3; do curl -s -o /dev/null -w "$backend scrape of /metrics: %{time_total}s, %{size_download} bytes\n" "http://$HTTP_ADDR/metrics"; done
      fi
      stop_api
    done
  done
done
# Medians, not means: on a small shared machine a round now and then loses a fifth of its
# speed to something else, whichever server it was.
median() { sort -n | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
echo "== medians (64 connections, ${rounds} rounds of ${duration}s each)"
for backend in postgres sqlite; do
  for metrics in false true; do
    rps=$(awk -v b=$backend -v m=$metrics '$1==b && $2==m {print $3}' "$work/results" | median)
    cpu=$(awk -v b=$backend -v m=$metrics '$1==b && $2==m {print $4}' "$work/results" | median)
    echo "$backend metrics=$metrics: $rps requests/s, $cpu µs of server CPU a request"
    eval "rps_$metrics=$rps cpu_$metrics=$cpu"
  done
  awk -v a="$rps_false" -v b="$rps_true" -v c="$cpu_false" -v d="$cpu_true" -v n=$backend \
    'BEGIN {printf "%s: metrics cost %.1f %% of requests/s, %.1f %% more CPU a request (%.2f µs)\n", n, (a-b)/a*100, (d-c)/c*100, d-c}'
done
