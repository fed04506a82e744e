#!/usr/bin/env bash
# The cache benchmark (BENCHMARKS.md, "Cache"): a read mix through the real API on PostgreSQL —
# GET site, list sites, who is on shift now, this month's report — for sites drawn Zipf(1.1) over
# 10,008 sites of 2,502 owners, each request with its owner's token; then GET site alone at 1 and
# 64 connections; then GET site against /health with the server on core 0 and wrk on core 1.
# Four set-ups: no cache, L1 only (the default), L1 + Redis, Redis only. For each: requests/s,
# p50/p99 (wrk), database queries per request (transactions counted by PostgreSQL's statistics;
# every read is one) and the hit ratio per kind (the server's statistics at shutdown, warm-up
# included). Each set-up starts with a cold cache and a warm-up of BENCH_WARMUP seconds (20).
#
# Usage: bench/cache-mix.sh [seconds per run]     (needs wrk, psql, a PostgreSQL and a Redis)
#   BENCH_WARMUP=120 BENCH_SETUPS="L1 + Redis" bench/cache-mix.sh 15   (one set-up, longer warm-up)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15}
warmup=${BENCH_WARMUP:-20}
command -v wrk >/dev/null || { echo "install wrk first: apt-get install wrk" >&2; exit 1; }
cargo build --release -q -p staffprobot
bin=$PWD/target/release/staffprobot
pg=${BENCH_PG_SERVER:-postgres://postgres@127.0.0.1:5432}
db=staffprobot_bench_cache
redis=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export DATABASE_URL="$pg/$db" HTTP_ADDR=127.0.0.1:18001 RUST_LOG=warn,staffprobot=info
export BENCH_SITES=$work/sites.txt BENCH_FROM=$(date -u +%Y-%m-01) BENCH_TO=$(date -u +%Y-%m-%d)
base=http://$HTTP_ADDR

# The data, made once and kept: 834 copies of the demo businesses (35 days of shifts, people on
# shift now), and one API token per owner (spb_ + sha256 of "bench-<owner id>").
if ! psql "$pg/$db" -qtAc "SELECT 1 FROM api_tokens WHERE label = 'bench' LIMIT 1" 2>/dev/null | grep -q 1; then
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" -qc "CREATE DATABASE $db"
  "$bin" migrate >/dev/null
  echo "seeding 834 demo copies (a few minutes, once)…"
  "$bin" demo seed --copies 834 --history-days 35 >/dev/null
  psql "$pg/$db" -qc "INSERT INTO api_tokens (user_id, token_hash, label)
    SELECT id, encode(sha256(convert_to('spb_' || encode(sha256(convert_to('bench-' || id, 'UTF8')), 'hex'), 'UTF8')), 'hex'), 'bench'
    FROM users WHERE is_owner"
  psql "$pg/$db" -qc "VACUUM ANALYZE"
fi
psql "$pg/$db" -qtAF' ' -c "SELECT s.id, 'spb_' || encode(sha256(convert_to('bench-' || s.owner_id, 'UTF8')), 'hex') FROM sites s ORDER BY s.id" > "$BENCH_SITES"
echo "$(wc -l < "$BENCH_SITES") sites, $(cut -d' ' -f2 "$BENCH_SITES" | sort -u | wc -l) owners"
one_site=$(head -n1 "$BENCH_SITES")

xacts() { psql "$pg/postgres" -qtAc "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$db'"; }
start_server() {  # $1: cpu list for taskset
  taskset -c "$1" "$bin" api 2> "$work/server.log" >/dev/null &
  server=$!
  for _ in $(seq 1 100); do curl -fs "$base/health" >/dev/null && return; sleep 0.1; done
  echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
stop_server() {
  kill "$server"; wait "$server" 2>/dev/null || true; server=
}
# Per kind, over the measured run only: hits in memory / lookups, and lookups answered without
# the database / lookups (from `cache stats` before and after; each process adds its counts to
# Redis every second).
kind_ratios() {  # $1 stats before, $2 stats after
  awk 'FNR == 1 { file++ }
       $2 == "l1" { l1h[file, $1] = $3; l1m[file, $1] = $4 }
       NF == 7 && $2 ~ /^[0-9]+$/ { loads[file, $1] = $2 }
       END { for (k in l1h) if (k ~ /^2/) { split(k, p, SUBSEP); n = p[2];
               h = l1h[2, n] - l1h[1, n]; m = l1m[2, n] - l1m[1, n]; l = loads[2, n] - loads[1, n];
               if (h + m > 0) printf "    %-14s in memory %5.1f %%   without the database %5.1f %%   (%d lookups)\n", n, 100 * h / (h + m), 100 * (1 - l / (h + m)), h + m } }' "$1" "$2" | sort
}
run_wrk() {  # $1 connections, $2 mix (mix|site), $3 label
  local out before after requests
  # PostgreSQL publishes a backend's counts when it has been idle a moment.
  sleep 1.2; before=$(xacts)
  if [ -n "${REDIS_URL:-}" ]; then "$bin" cache stats > "$work/stats.before"; fi
  out=$(BENCH_MIX=$2 wrk -t"$(( $1 < 2 ? 1 : 2 ))" -c"$1" -d"${duration}s" --latency -s bench/cache-mix.lua "$base")
  sleep 1.2; after=$(xacts)
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  printf '%-28s %8s req/s  p50 %-9s p99 %-9s  db queries/request %s  %s\n' "$3" \
    "$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')" \
    "$(echo "$out" | awk '$1 == "50%" {print $2}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')" \
    "$(awk -v a="$after" -v b="$before" -v r="$requests" 'BEGIN {printf "%.3f", (a - b) / r}')" \
    "$(echo "$out" | grep -o 'Non-2xx or 3xx responses: [0-9]*' || echo 'all 2xx')"
  if [ -n "${REDIS_URL:-}" ]; then
    sleep 1; "$bin" cache stats > "$work/stats.after"
    kind_ratios "$work/stats.before" "$work/stats.after"
  fi
}

setup() {  # $1 name; the rest: environment for the server
  local name=$1; shift
  # BENCH_SETUPS="L1 + Redis" (a pattern) runs only the matching set-ups.
  case "$name" in ${BENCH_SETUPS:-*}) ;; *) return 0 ;; esac
  echo
  echo "== $name"
  (
    export "$@"
    if [ -n "${REDIS_URL:-}" ]; then "$bin" cache flush >/dev/null; fi
    start_server 0-1
    # Warm-up (not reported): the first pass over the long tail of 10,008 sites is all misses.
    BENCH_MIX=mix wrk -t2 -c64 -d"${warmup}s" -s bench/cache-mix.lua "$base" >/dev/null
    run_wrk 64 mix "mix, 64 connections"
    run_wrk 1 site "GET site, 1 connection"
    run_wrk 64 site "GET site, 64 connections"
    stop_server
    sed -n '/cache statistics/,$p' "$work/server.log" | grep -v '^\s*$' | head -n 20 || true
    if [ -n "${REDIS_URL:-}" ]; then "$bin" cache stats; fi
  )
}

setup "no cache" CACHE_ENABLED=false
setup "L1 only (the default)" CACHE_ENABLED=true
setup "L1 + Redis" REDIS_URL="$redis" CACHE_REDIS_PREFIX=bench-l1r-$$
setup "Redis only" REDIS_URL="$redis" CACHE_REDIS_PREFIX=bench-r-$$ CACHE_L1_CAPACITY=0

# Our HTTP stack alone against GET site through the cache (L1), the server on core 0 and wrk
# on core 1, so neither takes the other's core.
[ -n "${BENCH_SETUPS:-}" ] && exit 0
echo
echo "== one core each: /health against GET site (L1)"
start_server 0
read -r id token <<< "$one_site"
curl -fs -H "Authorization: Bearer $token" "$base/api/v1/sites/$id" >/dev/null
for path in /health "/api/v1/sites/$id"; do
  taskset -c 1 wrk -t1 -c32 -d"${duration}s" -H "Authorization: Bearer $token" "$base$path" \
    | awk -v p="$path" '/Requests\/sec/ {printf "%-28s %8.0f req/s\n", p, $2}'
done
stop_server
