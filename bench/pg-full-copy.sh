#!/usr/bin/env bash
# Full copy PostgreSQL → PostgreSQL, Ferry side by side with the native tools on the same data and
# machine: pgbench's tables at SCALE (default 10: 1,000,000 pgbench_accounts rows), copied RUNS times
# (default 3) by each of: Ferry (schema + full stages through the REST API), binary COPY … TO STDOUT |
# COPY … FROM STDIN per table (schema by pg_dump --schema-only), and pg_dump | psql. Prints medians,
# spreads, Ferry's ratio to each and the node's peak RSS. No tuning: every tool with its defaults.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-3}
SCALE=${SCALE:-10}
TOOLS=${TOOLS:-ferry copy dump}
bash infra/up.sh >/dev/null
source infra/env.sh
export DEBIAN_FRONTEND=noninteractive PGPASSWORD=$FERRY_DB_PASSWORD PGOPTIONS="-c client_min_messages=warning"
need() { command -v "$1" >/dev/null || { apt-get update -qq; apt-get install -y -qq "$2" >/dev/null; }; }
need jq jq; need bc bc
[[ -x $PG_BIN/pgbench ]] || { apt-get update -qq; apt-get install -y -qq postgresql-contrib-15 >/dev/null 2>&1 || true; }
work=$FERRY_STATE/bench
mkdir -p "$work"
src() { psql -h 127.0.0.1 -p "$FERRY_PG_SOURCE_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
dst() { psql -h 127.0.0.1 -p "$FERRY_PG_DEST_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
now() { date +%s.%N; }
tables=(pgbench_accounts pgbench_branches pgbench_tellers pgbench_history)

if [[ $(src -d bench -c "SELECT count(*) FROM pgbench_accounts" 2>/dev/null || true) != "$((SCALE * 100000))" ]]; then
  echo "generating pgbench tables at scale $SCALE"
  src -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  "$PG_BIN/pgbench" -h 127.0.0.1 -p "$FERRY_PG_SOURCE_PORT" -U postgres -i -s "$SCALE" -q bench >/dev/null 2>&1
  # pgbench_history has no key; give it one so that every tool copies the same tables
  src -d bench -c "ALTER TABLE pgbench_history ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
fi
bytes=$(src -d bench -c "SELECT sum(pg_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")
rows=$(src -d bench -c "SELECT sum(n) FROM (SELECT count(*) n FROM pgbench_accounts UNION ALL SELECT count(*) FROM pgbench_branches UNION ALL SELECT count(*) FROM pgbench_tellers UNION ALL SELECT count(*) FROM pgbench_history) x")
echo "source: $rows rows, $((bytes / 1048576)) MiB"

# FORCE: the Ferry node keeps pooled sessions to its destination database.
fresh() { dst -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" || exit 1; }
check() {
  local t
  for t in "${tables[@]}"; do
    [[ $(dst -d "$1" -c "SELECT count(*) FROM $t") == "$(src -d bench -c "SELECT count(*) FROM $t")" ]] || { echo "$1.$t differs in row count" >&2; exit 1; }
  done
}

dotnet build src/Ferry.Host -c Release -nologo -v quiet >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
meta=ferry_pgbench_$$
psql -h 127.0.0.1 -p "$FERRY_PG_META_PORT" -U postgres -qc "create database $meta" >/dev/null
key=bench-$$
FERRY_ADMIN_KEY=$key Ferry__Metadata__ConnectionString="Host=127.0.0.1;Port=$FERRY_PG_META_PORT;Username=postgres;Password=$FERRY_DB_PASSWORD;Database=$meta" \
  Ferry__Cluster__Id=$meta Ferry__Cluster__SiloPort=$((port + 1)) Ferry__Cluster__GatewayPort=$((port + 2)) \
  dotnet src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll --urls "http://127.0.0.1:$port" >"$work/pg-node.log" 2>&1 &
node=$!
cleanup() {
  kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true
  psql -h 127.0.0.1 -p "$FERRY_PG_META_PORT" -U postgres -qc "drop database if exists $meta" >/dev/null 2>&1 || true
}
trap cleanup EXIT
api=http://127.0.0.1:$port/api/v1
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
call() { curl -s --fail-with-body -X "$1" "$api$2" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' ${3:+-d "$3"} || { echo "API call $1 $2 failed" >&2; exit 1; }; }
fresh bench_ferry
ds() { call POST /datasources "{\"name\":\"$1\",\"type\":\"postgresql\",\"host\":\"127.0.0.1\",\"port\":$2,\"user\":\"postgres\",\"password\":\"$FERRY_DB_PASSWORD\",\"database\":\"$3\"}" | jq -r .id; }
source_id=$(ds bench-source "$FERRY_PG_SOURCE_PORT" bench)
dest_id=$(ds bench-dest "$FERRY_PG_DEST_PORT" bench_ferry)

run_ferry() {
  # Emptied rather than dropped: dropping would end the node's pooled sessions under it.
  dst -d bench_ferry -c "DROP SCHEMA IF EXISTS public CASCADE" -c "CREATE SCHEMA public" || exit 1
  local id start
  id=$(call POST /projects "{\"name\":\"bench\",\"kind\":\"migration\",\"sourceId\":\"$source_id\",\"destinationId\":\"$dest_id\",
    \"stages\":[\"schema\",\"full\"],\"objects\":{\"include\":[{\"database\":\"public\",\"tables\":[\"pgbench_*\"]}]}}" | jq -r .id) || exit 1
  [[ $id == p-* ]] || { echo "the project was not created: $id" >&2; exit 1; }
  start=$(now)
  call POST "/projects/$id/start" >/dev/null
  while [[ $(call GET "/projects/$id" | jq -r .status) != Completed ]]; do
    [[ $(call GET "/projects/$id" | jq -r .status) == Failed ]] && { call GET "/projects/$id" | jq .error >&2; exit 1; }
    sleep 0.2
  done
  echo "$(now) - $start" | bc
  check bench_ferry
}
run_copy() {
  fresh bench_copy
  local start t; start=$(now)
  pg_dump -h 127.0.0.1 -p "$FERRY_PG_SOURCE_PORT" -U postgres --schema-only -t 'pgbench_*' bench | dst -d bench_copy >/dev/null
  for t in "${tables[@]}"; do
    src -d bench -c "COPY $t TO STDOUT (FORMAT binary)" | dst -d bench_copy -c "COPY $t FROM STDIN (FORMAT binary)" || exit 1
  done
  echo "$(now) - $start" | bc
  check bench_copy
}
run_dump() {
  fresh bench_dump
  local start; start=$(now)
  pg_dump -h 127.0.0.1 -p "$FERRY_PG_SOURCE_PORT" -U postgres -t 'pgbench_*' bench | dst -d bench_dump >/dev/null || exit 1
  echo "$(now) - $start" | bc
  check bench_dump
}

declare -A times
for tool in $TOOLS; do
  for r in $(seq 1 "$RUNS"); do
    t=$(run_$tool) || { echo "$tool failed" >&2; exit 1; }
    times[$tool]+="$t "
    printf '%-6s run %d: %6.2f s\n' "$tool" "$r" "$t"
  done
done
rss=$(awk '/VmHWM/ {print $2}' "/proc/$node/status")

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
spread() { tr ' ' '\n' | grep . | sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.2f–%.2f", lo, hi}'; }
first=${TOOLS%% *}
base=$(median <<<"${times[$first]}")
echo
echo "Full copy PostgreSQL → PostgreSQL, $rows rows ($((bytes / 1048576)) MiB), $RUNS runs, $(nproc) cores ($(date -u +%F))"
echo
echo "| tool | median s | spread s | rows/s | Ferry speed-up |"
echo "| --- | --- | --- | --- | --- |"
for tool in $TOOLS; do
  m=$(median <<<"${times[$tool]}")
  case $tool in ferry) name='Ferry (schema + full)';; copy) name='binary COPY \| COPY';; dump) name='pg_dump \| psql';; *) name=$tool;; esac
  printf '| %s | %.2f | %s | %.0f | %.2f× |\n' "$name" "$m" "$(spread <<<"${times[$tool]}")" "$(echo "$rows / $m" | bc -l)" "$(echo "$m / $base" | bc -l)"
done
echo
echo "Ferry node peak RSS: $((rss / 1024)) MiB"
