#!/usr/bin/env bash
# Full copy MariaDB → MariaDB, Ferry side by side with the native tools on the same data and machine:
# sysbench's sbtest1 (ROWS rows, default 1,000,000) plus a wide mixed-type table, copied RUNS times
# (default 3) by each of: Ferry (schema + full stages through the REST API), mysqldump | mariadb,
# mydumper/myloader, and SELECT … INTO OUTFILE + LOAD DATA INFILE. Prints the median and spread of
# each, Ferry's ratio to each, and the Ferry node's peak RSS. No tuning: every tool with its defaults
# (mydumper/myloader and Ferry at 4 threads). SB_DB names the source database (default sbtest); the
# copies go to SB_DB_ferry, SB_DB_dump, … on the destination.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOOLS=${TOOLS:-ferry dump mydumper outfile}
ROWS=${ROWS:-1000000}
WIDE_ROWS=${WIDE_ROWS:-200000}
SB_DB=${SB_DB:-sbtest}
need sysbench sysbench; need mydumper mydumper
src() { my_src "$@"; }
dst() { my_dst "$@"; }

make_sbtest "$SB_DB" "$ROWS" "$WIDE_ROWS"
bytes=$(src -N -e "SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$SB_DB'")
total_rows=$((ROWS + WIDE_ROWS))
echo "source: $SB_DB with $total_rows rows, $((bytes / 1048576)) MiB of data"

node_start node
source_id=$(datasource bench-source mariadb "$FERRY_MARIADB_SOURCE_PORT" root)
dest_id=$(datasource bench-dest mariadb "$FERRY_MARIADB_DEST_PORT" root)

# Every tool must have copied every row: a fast wrong copy is no result.
check() {
  local db=$1 n
  for t in sbtest1 wide; do
    n=$(dst -N -e "SELECT COUNT(*) FROM \`$db\`.$t")
    [[ $n == "$(src -N -e "SELECT COUNT(*) FROM \`$SB_DB\`.$t")" ]] || fail "$db.$t has $n rows, the source more"
  done
}

run_ferry() {
  dst -e "DROP DATABASE IF EXISTS \`${SB_DB}_ferry\`"
  local id start
  id=$(project_create "{\"name\":\"bench\",\"kind\":\"migration\",\"sourceId\":\"$source_id\",\"destinationId\":\"$dest_id\",
    \"stages\":[\"schema\",\"full\"],\"objects\":{\"include\":[{\"database\":\"$SB_DB\",\"tables\":[\"*\"]}],\"rename\":{\"$SB_DB\":\"${SB_DB}_ferry\"}}}")
  start=$(now)
  call POST "/projects/$id/start" >/dev/null
  project_wait "$id" '.status == "Completed"'
  since "$start"
  # Where Ferry's time went, for the log: each stage's own span.
  call GET "/projects/$id" | jq -r '.stages[] | "  \(.name): \(.startedAt) → \(.finishedAt)"' >&2
  check "${SB_DB}_ferry"
}
run_dump() {
  dst -e "DROP DATABASE IF EXISTS \`${SB_DB}_dump\`; CREATE DATABASE \`${SB_DB}_dump\`"
  local start; start=$(now)
  mysqldump "${SRC[@]}" --single-transaction --default-character-set=utf8mb4 "$SB_DB" | dst "${SB_DB}_dump" || exit 1
  since "$start"
  check "${SB_DB}_dump"
}
run_mydumper() {
  dst -e "DROP DATABASE IF EXISTS \`${SB_DB}_mydumper\`"
  rm -rf "$work/mydumper"
  local start; start=$(now)
  mydumper -h 127.0.0.1 -P "$FERRY_MARIADB_SOURCE_PORT" -u root -p "$FERRY_DB_PASSWORD" -B "$SB_DB" -t 4 -o "$work/mydumper" >/dev/null 2>&1
  myloader -h 127.0.0.1 -P "$FERRY_MARIADB_DEST_PORT" -u root -p "$FERRY_DB_PASSWORD" -B "${SB_DB}_mydumper" -t 4 -d "$work/mydumper" -o >/dev/null 2>&1 || exit 1
  since "$start"
  check "${SB_DB}_mydumper"
}
run_outfile() {
  local db=${SB_DB}_outfile
  dst -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\`"
  rm -rf "$work/outfile"; mkdir -p "$work/outfile"
  local start t; start=$(now)
  for t in sbtest1 wide; do
    src -N -e "SHOW CREATE TABLE \`$SB_DB\`.$t" | cut -f2- | sed 's/\\n/\n/g' | dst "$db"
    # Bytes as stored, both ways (text and binary columns share one file); BIT goes as a number, since
    # OUTFILE writes its raw bytes unescaped.
    local sel load set
    sel=$(src -N -e "SELECT GROUP_CONCAT(IF(DATA_TYPE = 'bit', CONCAT('\`', COLUMN_NAME, '\` + 0'), CONCAT('\`', COLUMN_NAME, '\`')) ORDER BY ORDINAL_POSITION)
                     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$SB_DB' AND TABLE_NAME = '$t'")
    load=$(src -N -e "SELECT GROUP_CONCAT(IF(DATA_TYPE = 'bit', CONCAT('@', COLUMN_NAME), CONCAT('\`', COLUMN_NAME, '\`')) ORDER BY ORDINAL_POSITION)
                      FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$SB_DB' AND TABLE_NAME = '$t'")
    set=$(src -N -e "SELECT IFNULL(CONCAT(' SET ', GROUP_CONCAT(CONCAT('\`', COLUMN_NAME, '\` = CAST(@', COLUMN_NAME, ' AS UNSIGNED)'))), '')
                     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$SB_DB' AND TABLE_NAME = '$t' AND DATA_TYPE = 'bit'")
    src -e "SELECT $sel INTO OUTFILE '$work/outfile/$t.tsv' CHARACTER SET binary FROM \`$SB_DB\`.$t" || exit 1
    dst -e "SET foreign_key_checks = 0; LOAD DATA INFILE '$work/outfile/$t.tsv' INTO TABLE \`$db\`.$t CHARACTER SET binary ($load)$set" || exit 1
  done
  since "$start"
  check "$db"
}

names=([ferry]='Ferry (schema + full)' [dump]='mysqldump \| mariadb' [mydumper]='mydumper/myloader (4 threads)' [outfile]='INTO OUTFILE + LOAD DATA INFILE')
run_all
echo
echo "Full copy MariaDB → MariaDB, $total_rows rows ($((bytes / 1048576)) MiB), $RUNS runs, $(nproc) cores ($(date -u +%F))"
echo
report "$total_rows"
echo
echo "Ferry node peak RSS: $(node_rss_mib) MiB"
