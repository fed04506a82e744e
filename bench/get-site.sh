#!/usr/bin/env bash
# GET one site through the real server on loopback, 64 connections, with wrk (Debian package
# `wrk`). Runs against PostgreSQL and SQLite with the demo data; prints wrk's latency
# distribution (p50, p99) and requests per second. Usage: bench/get-site.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15}
command -v wrk >/dev/null || { echo "install wrk first: apt-get install wrk" >&2; exit 1; }
cargo build --release -q -p staffprobot
bin=target/release/staffprobot
pg_server=${BENCH_PG_SERVER:-postgres://postgres@127.0.0.1:5432}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

for backend in postgres sqlite; do
  if [ "$backend" = postgres ]; then
    psql "$pg_server/postgres" -qc "DROP DATABASE IF EXISTS staffprobot_bench_get" -qc "CREATE DATABASE staffprobot_bench_get"
    export DATABASE_URL="$pg_server/staffprobot_bench_get"
  else
    export DATABASE_URL="sqlite://$work/bench.db"
  fi
  export HTTP_ADDR=127.0.0.1:18000 RUST_LOG=warn
  "$bin" demo seed --no-live >/dev/null
  token=$("$bin" token issue --telegram-id 9100000001 | grep '^spb_')
  "$bin" api >/dev/null &
  server=$!
  for _ in $(seq 1 50); do curl -fs "http://$HTTP_ADDR/health" >/dev/null && break; sleep 0.2; done
  site=$(curl -fs -H "Authorization: Bearer $token" "http://$HTTP_ADDR/api/v1/sites" | grep -o '"id":[0-9]*' | head -n1 | cut -d: -f2)
  url="http://$HTTP_ADDR/api/v1/sites/$site"
  curl -fs -H "Authorization: Bearer $token" "$url" >/dev/null
  wrk -t2 -c64 -d3s -H "Authorization: Bearer $token" "$url" >/dev/null   # warm-up
  # Latency of one request when the server is not saturated (one connection)...
  echo "== $backend: GET /api/v1/sites/$site, 1 connection, ${duration}s"
  wrk -t1 -c1 -d"${duration}s" --latency -H "Authorization: Bearer $token" "$url"
  # ...and throughput at 64 connections (latency there is queueing: 64 / throughput).
  echo "== $backend: GET /api/v1/sites/$site, 64 connections, ${duration}s"
  wrk -t2 -c64 -d"${duration}s" --latency -H "Authorization: Bearer $token" "$url"
  kill "$server"; wait "$server" 2>/dev/null || true
done
