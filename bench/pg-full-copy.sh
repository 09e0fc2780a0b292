#!/usr/bin/env bash
# Full copy PostgreSQL → PostgreSQL, Ferry side by side with the native tools on the same data and
# machine: pgbench's tables at SCALE (default 10: 1,000,000 pgbench_accounts rows), copied RUNS times
# (default 3) by each of: Ferry (schema + full stages through the REST API), binary COPY … TO STDOUT |
# COPY … FROM STDIN per table (schema by pg_dump --schema-only), and pg_dump | psql. Prints medians,
# spreads, Ferry's ratio to each and the node's peak RSS. No tuning: every tool with its defaults.
# PG_DB names the source database (default bench); the copies go to PG_DB_ferry, PG_DB_copy, PG_DB_dump.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SCALE=${SCALE:-10}
TOOLS=${TOOLS:-ferry copy dump}
PG_DB=${PG_DB:-bench}
export PGPASSWORD=$FERRY_DB_PASSWORD PGOPTIONS="-c client_min_messages=warning"
[[ -x $PG_BIN/pgbench ]] || { apt-get update -qq; apt-get install -y -qq postgresql-contrib-15 >/dev/null 2>&1 || true; }
src() { pg_src "$@"; }
dst() { pg_dst "$@"; }
tables=(pgbench_accounts pgbench_branches pgbench_tellers pgbench_history)

if [[ $(src -d "$PG_DB" -c "SELECT count(*) FROM pgbench_accounts" 2>/dev/null || true) != "$((SCALE * 100000))" ]]; then
  echo "generating pgbench tables at scale $SCALE"
  src -d postgres -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB"
  "$PG_BIN/pgbench" -h 127.0.0.1 -p "$FERRY_PG_SOURCE_PORT" -U postgres -i -s "$SCALE" -q "$PG_DB" >/dev/null 2>&1
  # pgbench_history has no key; give it one so that every tool copies the same tables
  src -d "$PG_DB" -c "ALTER TABLE pgbench_history ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
fi
bytes=$(src -d "$PG_DB" -c "SELECT sum(pg_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")
rows=$(src -d "$PG_DB" -c "SELECT sum(n) FROM (SELECT count(*) n FROM pgbench_accounts UNION ALL SELECT count(*) FROM pgbench_branches UNION ALL SELECT count(*) FROM pgbench_tellers UNION ALL SELECT count(*) FROM pgbench_history) x")
echo "source: $rows rows, $((bytes / 1048576)) MiB"

# FORCE: the Ferry node keeps pooled sessions to its destination database.
fresh() { dst -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" || exit 1; }
check() {
  local t
  for t in "${tables[@]}"; do
    [[ $(dst -d "$1" -c "SELECT count(*) FROM $t") == "$(src -d "$PG_DB" -c "SELECT count(*) FROM $t")" ]] || fail "$1.$t differs in row count"
  done
}

node_start pg-node
fresh "${PG_DB}_ferry"
source_id=$(datasource bench-source postgresql "$FERRY_PG_SOURCE_PORT" postgres "$PG_DB")
dest_id=$(datasource bench-dest postgresql "$FERRY_PG_DEST_PORT" postgres "${PG_DB}_ferry")

run_ferry() {
  # Emptied rather than dropped: dropping would end the node's pooled sessions under it.
  dst -d "${PG_DB}_ferry" -c "DROP SCHEMA IF EXISTS public CASCADE" -c "CREATE SCHEMA public" || exit 1
  local id start
  id=$(project_create "{\"name\":\"bench\",\"kind\":\"migration\",\"sourceId\":\"$source_id\",\"destinationId\":\"$dest_id\",
    \"stages\":[\"schema\",\"full\"],\"objects\":{\"include\":[{\"database\":\"public\",\"tables\":[\"pgbench_*\"]}]}}")
  start=$(now)
  call POST "/projects/$id/start" >/dev/null
  project_wait "$id" '.status == "Completed"'
  since "$start"
  check "${PG_DB}_ferry"
}
run_copy() {
  fresh "${PG_DB}_copy"
  local start t; start=$(now)
  pg_dump -h 127.0.0.1 -p "$FERRY_PG_SOURCE_PORT" -U postgres --schema-only -t 'pgbench_*' "$PG_DB" | dst -d "${PG_DB}_copy" >/dev/null
  for t in "${tables[@]}"; do
    src -d "$PG_DB" -c "COPY $t TO STDOUT (FORMAT binary)" | dst -d "${PG_DB}_copy" -c "COPY $t FROM STDIN (FORMAT binary)" || exit 1
  done
  since "$start"
  check "${PG_DB}_copy"
}
run_dump() {
  fresh "${PG_DB}_dump"
  local start; start=$(now)
  pg_dump -h 127.0.0.1 -p "$FERRY_PG_SOURCE_PORT" -U postgres -t 'pgbench_*' "$PG_DB" | dst -d "${PG_DB}_dump" >/dev/null || exit 1
  since "$start"
  check "${PG_DB}_dump"
}

names=([ferry]='Ferry (schema + full)' [copy]='binary COPY \| COPY' [dump]='pg_dump \| psql')
run_all
echo
echo "Full copy PostgreSQL → PostgreSQL, $rows rows ($((bytes / 1048576)) MiB), $RUNS runs, $(nproc) cores ($(date -u +%F))"
echo
report "$rows"
echo
echo "Ferry node peak RSS: $(node_rss_mib) MiB"
