#!/usr/bin/env bash
# Full copy MariaDB → MariaDB, Ferry side by side with the native tools on the same data and machine:
# sysbench's sbtest1 (ROWS rows, default 1,000,000) plus a wide mixed-type table, copied RUNS times
# (default 3) by each of: Ferry (schema + full stages through the REST API), mysqldump | mariadb,
# mydumper/myloader, and SELECT … INTO OUTFILE + LOAD DATA INFILE. Prints the median and spread of
# each, Ferry's ratio to each, and the Ferry node's peak RSS. No tuning: every tool with its defaults
# (mydumper/myloader and Ferry at 4 threads).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-3}
TOOLS=${TOOLS:-ferry dump mydumper outfile}
ROWS=${ROWS:-1000000}
WIDE_ROWS=${WIDE_ROWS:-200000}
bash infra/up.sh >/dev/null
source infra/env.sh
export DEBIAN_FRONTEND=noninteractive
need() { command -v "$1" >/dev/null || { apt-get update -qq; apt-get install -y -qq "$2" >/dev/null; }; }
need sysbench sysbench; need mydumper mydumper; need jq jq; need bc bc
work=$FERRY_STATE/bench
mkdir -p "$work"
SRC=(-h127.0.0.1 -P"$FERRY_MARIADB_SOURCE_PORT" -uroot -p"$FERRY_DB_PASSWORD")
DST=(-h127.0.0.1 -P"$FERRY_MARIADB_DEST_PORT" -uroot -p"$FERRY_DB_PASSWORD")
src() { mariadb --default-character-set=utf8mb4 "${SRC[@]}" "$@"; }
dst() { mariadb --default-character-set=utf8mb4 "${DST[@]}" "$@"; }
now() { date +%s.%N; }

# --- data ----------------------------------------------------------------------------------------
if [[ $(src -N -e "SELECT COUNT(*) FROM sbtest.sbtest1" 2>/dev/null || true) != "$ROWS" ||
      $(src -N -e "SELECT COUNT(*) FROM sbtest.wide" 2>/dev/null || true) != "$WIDE_ROWS" ]]; then
  echo "generating sbtest1 ($ROWS rows) and wide ($WIDE_ROWS rows)"
  src -e "DROP DATABASE IF EXISTS sbtest; CREATE DATABASE sbtest"
  sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$FERRY_MARIADB_SOURCE_PORT" \
    --mysql-user=root --mysql-password="$FERRY_DB_PASSWORD" --mysql-db=sbtest --tables=1 --table-size="$ROWS" --threads=2 prepare >/dev/null
  src sbtest <<SQL
CREATE TABLE wide (
  id BIGINT NOT NULL PRIMARY KEY, i INT, u BIGINT UNSIGNED, d DECIMAL(20,6), f DOUBLE, dt DATETIME(6), ts TIMESTAMP(3) NULL,
  tm TIME, y YEAR, c CHAR(8), vc VARCHAR(200), t TEXT, b VARBINARY(64), bl BLOB, j JSON, e ENUM('a','b','c'), bits BIT(12),
  KEY by_dt (dt)
) DEFAULT CHARSET=utf8mb4;
SET time_zone = '+00:00';
INSERT INTO wide SELECT seq, CAST(seq AS SIGNED) - 100000, seq * 7919, seq / 7, seq / 3.0, '2020-01-01' + INTERVAL seq SECOND,
  '2021-01-01' + INTERVAL seq SECOND, SEC_TO_TIME(seq % 86400), 1901 + seq % 255, LPAD(seq, 8, '0'),
  CONCAT('ünïcødé ', seq, ' 😀'), REPEAT(CONCAT('text ', seq, ' '), 1 + seq % 20), UNHEX(SHA2(seq, 256)),
  IF(seq % 10 = 0, NULL, REPEAT(UNHEX(SHA2(seq, 256)), 1 + seq % 8)), JSON_OBJECT('n', seq, 's', CONCAT('v', seq)),
  ELT(1 + seq % 3, 'a', 'b', 'c'), seq % 4096
  FROM seq_1_to_$WIDE_ROWS;
SQL
fi
bytes=$(src -N -e "SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sbtest'")
total_rows=$((ROWS + WIDE_ROWS))
echo "source: sbtest with $total_rows rows, $((bytes / 1048576)) MiB of data"

# --- Ferry node ----------------------------------------------------------------------------------
dotnet build src/Ferry.Host -c Release -nologo -v quiet >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
meta=ferry_bench_$$
PGPASSWORD=$FERRY_DB_PASSWORD psql -h 127.0.0.1 -p "$FERRY_PG_META_PORT" -U postgres -qc "create database $meta" >/dev/null
key=bench-$$
FERRY_ADMIN_KEY=$key Ferry__Metadata__ConnectionString="Host=127.0.0.1;Port=$FERRY_PG_META_PORT;Username=postgres;Password=$FERRY_DB_PASSWORD;Database=$meta" \
  Ferry__Cluster__Id=$meta Ferry__Cluster__SiloPort=$((port + 1)) Ferry__Cluster__GatewayPort=$((port + 2)) \
  dotnet src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll --urls "http://127.0.0.1:$port" >"$work/node.log" 2>&1 &
node=$!
cleanup() {
  kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true
  PGPASSWORD=$FERRY_DB_PASSWORD psql -h 127.0.0.1 -p "$FERRY_PG_META_PORT" -U postgres -qc "drop database if exists $meta" >/dev/null 2>&1 || true
}
trap cleanup EXIT
api=http://127.0.0.1:$port/api/v1
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
call() { curl -sf -X "$1" "$api$2" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
ds() { call POST /datasources "{\"name\":\"$1\",\"type\":\"mariadb\",\"host\":\"127.0.0.1\",\"port\":$2,\"user\":\"root\",\"password\":\"$FERRY_DB_PASSWORD\"}" | jq -r .id; }
source_id=$(ds bench-source "$FERRY_MARIADB_SOURCE_PORT")
dest_id=$(ds bench-dest "$FERRY_MARIADB_DEST_PORT")

# Every tool must have copied every row: a fast wrong copy is no result.
check() {
  local db=$1 n
  for t in sbtest1 wide; do
    n=$(dst -N -e "SELECT COUNT(*) FROM $db.$t")
    [[ $n == "$(src -N -e "SELECT COUNT(*) FROM sbtest.$t")" ]] || { echo "$db.$t has $n rows, the source more" >&2; exit 1; }
  done
}

declare -A times
run_ferry() {
  dst -e "DROP DATABASE IF EXISTS sbtest_ferry"
  local id start
  id=$(call POST /projects "{\"name\":\"bench\",\"kind\":\"migration\",\"sourceId\":\"$source_id\",\"destinationId\":\"$dest_id\",
    \"stages\":[\"schema\",\"full\"],\"objects\":{\"include\":[{\"database\":\"sbtest\",\"tables\":[\"*\"]}],\"rename\":{\"sbtest\":\"sbtest_ferry\"}}}" | jq -r .id)
  start=$(now)
  call POST "/projects/$id/start" >/dev/null
  while [[ $(call GET "/projects/$id" | jq -r .status) != Completed ]]; do
    [[ $(call GET "/projects/$id" | jq -r .status) == Failed ]] && { call GET "/projects/$id" | jq .error >&2; exit 1; }
    sleep 0.2
  done
  echo "$(now) - $start" | bc
  # Where Ferry's time went, for the log: each stage's own span.
  call GET "/projects/$id" | jq -r '.stages[] | "  \(.name): \(.startedAt) → \(.finishedAt)"' >&2
  check sbtest_ferry
}
run_dump() {
  dst -e "DROP DATABASE IF EXISTS sbtest_dump; CREATE DATABASE sbtest_dump"
  local start; start=$(now)
  mysqldump "${SRC[@]}" --single-transaction --default-character-set=utf8mb4 sbtest | dst sbtest_dump || exit 1
  echo "$(now) - $start" | bc
  check sbtest_dump
}
run_mydumper() {
  dst -e "DROP DATABASE IF EXISTS sbtest_mydumper"
  rm -rf "$work/mydumper"
  local start; start=$(now)
  mydumper -h 127.0.0.1 -P "$FERRY_MARIADB_SOURCE_PORT" -u root -p "$FERRY_DB_PASSWORD" -B sbtest -t 4 -o "$work/mydumper" >/dev/null 2>&1
  myloader -h 127.0.0.1 -P "$FERRY_MARIADB_DEST_PORT" -u root -p "$FERRY_DB_PASSWORD" -B sbtest_mydumper -t 4 -d "$work/mydumper" -o >/dev/null 2>&1 || exit 1
  echo "$(now) - $start" | bc
  check sbtest_mydumper
}
run_outfile() {
  dst -e "DROP DATABASE IF EXISTS sbtest_outfile; CREATE DATABASE sbtest_outfile"
  rm -rf "$work/outfile"; mkdir -p "$work/outfile"
  local start t; start=$(now)
  for t in sbtest1 wide; do
    src -N -e "SHOW CREATE TABLE sbtest.$t" | cut -f2- | sed 's/\\n/\n/g' | dst sbtest_outfile
    # Bytes as stored, both ways (text and binary columns share one file); BIT goes as a number, since
    # OUTFILE writes its raw bytes unescaped.
    local sel load set
    sel=$(src -N -e "SELECT GROUP_CONCAT(IF(DATA_TYPE = 'bit', CONCAT('\`', COLUMN_NAME, '\` + 0'), CONCAT('\`', COLUMN_NAME, '\`')) ORDER BY ORDINAL_POSITION)
                     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'sbtest' AND TABLE_NAME = '$t'")
    load=$(src -N -e "SELECT GROUP_CONCAT(IF(DATA_TYPE = 'bit', CONCAT('@', COLUMN_NAME), CONCAT('\`', COLUMN_NAME, '\`')) ORDER BY ORDINAL_POSITION)
                      FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'sbtest' AND TABLE_NAME = '$t'")
    set=$(src -N -e "SELECT IFNULL(CONCAT(' SET ', GROUP_CONCAT(CONCAT('\`', COLUMN_NAME, '\` = CAST(@', COLUMN_NAME, ' AS UNSIGNED)'))), '')
                     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'sbtest' AND TABLE_NAME = '$t' AND DATA_TYPE = 'bit'")
    src -e "SELECT $sel INTO OUTFILE '$work/outfile/$t.tsv' CHARACTER SET binary FROM sbtest.$t" || exit 1
    dst -e "SET foreign_key_checks = 0; LOAD DATA INFILE '$work/outfile/$t.tsv' INTO TABLE sbtest_outfile.$t CHARACTER SET binary ($load)$set" || exit 1
  done
  echo "$(now) - $start" | bc
  check sbtest_outfile
}

for tool in $TOOLS; do
  for r in $(seq 1 "$RUNS"); do
    t=$(run_$tool) || { echo "$tool failed" >&2; exit 1; }
    times[$tool]+="$t "
    printf '%-9s run %d: %6.2f s\n' "$tool" "$r" "$t"
  done
done
rss=$(awk '/VmHWM/ {print $2}' "/proc/$node/status")

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
spread() { tr ' ' '\n' | grep . | sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.2f–%.2f", lo, hi}'; }
ferry=$(median <<<"${times[ferry]}")
echo
echo "Full copy MariaDB → MariaDB, $total_rows rows ($((bytes / 1048576)) MiB), $RUNS runs, $(nproc) cores ($(date -u +%F))"
echo
echo "| tool | median s | spread s | rows/s | Ferry speed-up |"
echo "| --- | --- | --- | --- | --- |"
for tool in $TOOLS; do
  m=$(median <<<"${times[$tool]}")
  name=$tool
  case $tool in dump) name='mysqldump \| mariadb';; mydumper) name='mydumper/myloader (4 threads)';; outfile) name='INTO OUTFILE + LOAD DATA INFILE';; ferry) name='Ferry (schema + full)';; esac
  printf '| %s | %.2f | %s | %.0f | %.2f× |\n' "$name" "$m" "$(spread <<<"${times[$tool]}")" "$(echo "$total_rows / $m" | bc -l)" "$(echo "$m / $ferry" | bc -l)"
done
echo
echo "Ferry node peak RSS: $((rss / 1024)) MiB"
