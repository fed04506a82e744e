#!/usr/bin/env bash
# What the metrics cost: GET one site (as bench/get-site.sh) with METRICS_ENABLED=false and
# =true, alternating servers round by round so drift on the machine hits both alike, at 64
# connections (throughput) with wrk; then a scrape of the live /metrics with curl. The render
# itself is measured by criterion: cargo bench -p telemetry --bench scrape.
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

start_api() {
  METRICS_ENABLED=$1 "$bin" api >/dev/null &
  server=$!
  for _ in $(seq 1 50); do curl -fs "http://$HTTP_ADDR/health" >/dev/null && break; sleep 0.2; done
}

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
      wrk -t2 -c64 -d3s -H "Authorization: Bearer $token" "$url" >/dev/null   # warm-up
      rps=$(wrk -t2 -c64 -d"${duration}s" -H "Authorization: Bearer $token" "$url" | awk '/Requests\/sec/ {print $2}')
      echo "$backend round $round metrics=$metrics: $rps requests/s"
      echo "$backend $metrics $rps" >>"$work/results"
      if [ "$metrics" = true ] && [ "$round" = "$rounds" ]; then
        # The live scrape after the run: every series this process has, over HTTP.
        for _ in 1 2 3; do curl -s -o /dev/null -w "$backend scrape of /metrics: %{time_total}s, %{size_download} bytes\n" "http://$HTTP_ADDR/metrics"; done
      fi
      stop_api
    done
  done
done
echo "== mean requests/s (64 connections, ${rounds} rounds of ${duration}s)"
awk '{sum[$1" "$2]+=$3; n[$1" "$2]++} END {for (k in sum) printf "%s: %.0f\n", k, sum[k]/n[k]}' "$work/results" | sort
awk '{sum[$1" "$2]+=$3; n[$1" "$2]++} END {for (b in sum) {split(b, p, " "); if (p[2]=="true") {off=sum[p[1]" false"]/n[p[1]" false"]; on=sum[b]/n[b]; printf "%s: metrics cost %.1f %% of requests/s\n", p[1], (off-on)/off*100}}}' "$work/results"
