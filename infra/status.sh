#!/usr/bin/env bash
# Says which of Ferry's local servers run.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
rc=0
for pair in "mariadb-source:$FERRY_MARIADB_SOURCE_PORT" "mariadb-dest:$FERRY_MARIADB_DEST_PORT" "mariadb-nobinlog:$FERRY_MARIADB_NOBINLOG_PORT"; do
  name=${pair%%:*} port=${pair##*:}
  if mariadb-admin --socket="$FERRY_STATE/$name/mysqld.sock" -uroot -p"$FERRY_DB_PASSWORD" ping >/dev/null 2>&1; then
    echo "$name: running on 127.0.0.1:$port"; else echo "$name: stopped"; rc=1; fi
done
for pair in "pg-meta:$FERRY_PG_META_PORT" "pg-source:$FERRY_PG_SOURCE_PORT" "pg-dest:$FERRY_PG_DEST_PORT"; do
  name=${pair%%:*} port=${pair##*:}
  if PGPASSWORD=$FERRY_DB_PASSWORD psql -h 127.0.0.1 -p "$port" -U postgres -tAc 'select 1' >/dev/null 2>&1; then
    echo "$name: running on 127.0.0.1:$port"; else echo "$name: stopped"; rc=1; fi
done
exit $rc
