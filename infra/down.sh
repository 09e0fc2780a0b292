#!/usr/bin/env bash
# Stops Ferry's local servers (data is kept under .local/; remove it for a clean start).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
for name in mariadb-source mariadb-dest mariadb-nobinlog; do
  sock=$FERRY_STATE/$name/mysqld.sock
  if mariadb-admin --socket="$sock" -uroot -p"$FERRY_DB_PASSWORD" shutdown >/dev/null 2>&1; then echo "$name: stopped"; fi
done
for name in pg-meta pg-source pg-dest; do
  dir=$FERRY_STATE/$name
  if [[ -f $dir/data/postmaster.pid ]]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 && echo "$name: stopped"
  fi
done
exit 0
