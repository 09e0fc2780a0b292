# Shared by every harness in bench/ (sourced, not run): servers and clients, a private Ferry node
# with REST helpers, timing, median/spread/ratio reporting and the node's peak RSS.
#
# Environment every harness reads:
#   RUNS            runs per tool (default 3)
#   BENCH_SKIP_UP   set to skip `infra/up.sh` (servers already running, e.g. shared by several users)
#   BENCH_WORK      scratch directory (default $FERRY_STATE/bench)
#   BENCH_TIMEOUT   seconds a single Ferry project may take before the harness gives up (default 3600)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-3}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
[[ -n ${BENCH_SKIP_UP:-} ]] || bash infra/up.sh >/dev/null
source infra/env.sh
export DEBIAN_FRONTEND=noninteractive
work=${BENCH_WORK:-$FERRY_STATE/bench}
mkdir -p "$work"

# need COMMAND PACKAGE: install the Debian package when the command is missing.
need() { command -v "$1" >/dev/null || { apt-get update -qq; apt-get install -y -qq "$2" >/dev/null; }; }
need jq jq; need bc bc
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }   # seconds since a `now` value
fail() { echo "$*" >&2; exit 1; }

# --- clients of the local servers ----------------------------------------------------------------
SRC=(-h127.0.0.1 -P"$FERRY_MARIADB_SOURCE_PORT" -uroot -p"$FERRY_DB_PASSWORD")
DST=(-h127.0.0.1 -P"$FERRY_MARIADB_DEST_PORT" -uroot -p"$FERRY_DB_PASSWORD")
my_src() { mariadb --default-character-set=utf8mb4 "${SRC[@]}" "$@"; }
my_dst() { mariadb --default-character-set=utf8mb4 "${DST[@]}" "$@"; }
# pg PORT psql-arguments…: quiet, unaligned, stops at the first error.
pg() { local port=$1; shift; PGPASSWORD=$FERRY_DB_PASSWORD PGOPTIONS="-c client_min_messages=warning" \
  psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
pg_src() { pg "$FERRY_PG_SOURCE_PORT" "$@"; }
pg_dst() { pg "$FERRY_PG_DEST_PORT" "$@"; }

# sysbench against the MariaDB source: sb DATABASE sysbench-arguments…
sb() { local db=$1; shift; sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$FERRY_MARIADB_SOURCE_PORT" \
  --mysql-user=root --mysql-password="$FERRY_DB_PASSWORD" --mysql-db="$db" "$@"; }

# make_sbtest DATABASE ROWS WIDE_ROWS: (re)generates sysbench's sbtest1 (ROWS rows) and the wide
# mixed-type table in DATABASE on the MariaDB source, unless both already hold those row counts.
make_sbtest() {
  local db=$1 rows=$2 wide=$3
  need sysbench sysbench
  if [[ $(my_src -N -e "SELECT COUNT(*) FROM \`$db\`.sbtest1" 2>/dev/null || true) == "$rows" &&
        $(my_src -N -e "SELECT COUNT(*) FROM \`$db\`.wide" 2>/dev/null || true) == "$wide" ]]; then return; fi
  echo "generating $db.sbtest1 ($rows rows) and $db.wide ($wide rows)"
  my_src -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\`"
  sb "$db" oltp_read_write --tables=1 --table-size="$rows" --threads=2 prepare >/dev/null
  my_src "$db" <<SQL
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
  FROM seq_1_to_$wide;
SQL
}

# --- cleanup -------------------------------------------------------------------------------------
# on_exit COMMAND…: run at exit, last registered first; failures are ignored.
cleanups=()
on_exit() { cleanups=("$*" "${cleanups[@]}"); }
run_cleanups() { local c; for c in "${cleanups[@]}"; do eval "$c" >/dev/null 2>&1 || true; done; }
trap run_cleanups EXIT

# --- a private Ferry node ------------------------------------------------------------------------
# node_start LOG-NAME: builds the host, starts one node with its own metadata database, cluster id
# and ports, and waits until it is ready. Sets node (pid), api and key; stopped and dropped at exit.
node_start() {
  local log=$work/$1.log port meta
  dotnet build src/Ferry.Host -c Release -nologo -v quiet >/dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  meta=ferry_$1_$$; meta=${meta//-/_}
  pg "$FERRY_PG_META_PORT" -c "create database $meta" >/dev/null
  on_exit "pg \"\$FERRY_PG_META_PORT\" -c 'drop database if exists $meta'"
  key=bench-$$
  FERRY_ADMIN_KEY=$key Ferry__Metadata__ConnectionString="Host=127.0.0.1;Port=$FERRY_PG_META_PORT;Username=postgres;Password=$FERRY_DB_PASSWORD;Database=$meta" \
    Ferry__Cluster__Id=$meta Ferry__Cluster__SiloPort=$((port + 1)) Ferry__Cluster__GatewayPort=$((port + 2)) \
    dotnet src/Ferry.Host/bin/Release/net10.0/Ferry.Host.dll --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
  node=$!
  on_exit "kill $node; wait $node"
  api=http://127.0.0.1:$port/api/v1
  local _
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.5; done
  fail "the Ferry node did not become ready; see $log"
}
# call METHOD PATH [JSON]: one API call; a failure prints the problem details and exits.
call() { curl -s --fail-with-body -X "$1" "$api$2" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' ${3:+-d "$3"} \
  || { echo "API call $1 $2 failed" >&2; exit 1; }; }
# datasource NAME TYPE PORT USER [DATABASE] → id
datasource() {
  call POST /datasources "{\"name\":\"$1\",\"type\":\"$2\",\"host\":\"127.0.0.1\",\"port\":$3,\"user\":\"$4\",\"password\":\"$FERRY_DB_PASSWORD\"${5:+,\"database\":\"$5\"}}" | jq -r .id
}
# project_create JSON → id
project_create() {
  local id; id=$(call POST /projects "$1" | jq -r .id) || exit 1
  [[ $id == p-* ]] || fail "the project was not created: $id"
  echo "$id"
}
# project_wait ID JQ-CONDITION: polls the project until the condition (on its GET) holds; exits if the
# project fails or BENCH_TIMEOUT passes.
project_wait() {
  local id=$1 cond=$2 p start; start=$(now)
  while :; do
    p=$(call GET "/projects/$id") || exit 1
    [[ $(jq -r "$cond" <<<"$p") == true ]] && return
    [[ $(jq -r .status <<<"$p") == Failed ]] && { jq .error <<<"$p" >&2; fail "project $id failed"; }
    (($(echo "$(since "$start") > $BENCH_TIMEOUT" | bc))) && fail "project $id: no '$cond' after $BENCH_TIMEOUT s"
    sleep 0.2
  done
}
# stage_span ID STAGE → seconds from the stage's startedAt to its finishedAt (server clock).
stage_span() {
  local a b
  read -r a b < <(call GET "/projects/$1" | jq -r --arg s "$2" '.stages[] | select(.name == $s) | "\(.startedAt) \(.finishedAt)"')
  echo "$(date -d "$b" +%s.%N) - $(date -d "$a" +%s.%N)" | bc
}
# Peak resident set of the node so far (kernel high-water mark), MiB.
node_rss_mib() { echo $(($(awk '/VmHWM/ {print $2}' "/proc/$node/status") / 1024)); }

# --- runs and report -----------------------------------------------------------------------------
# TOOLS lists tool names; run_TOOL prints one time in seconds (and checks its result). names[TOOL] is
# the label in the report. run_all runs each tool RUNS times and collects times[TOOL].
declare -A times names
run_all() {
  local tool r t
  for tool in $TOOLS; do
    for r in $(seq 1 "$RUNS"); do
      t=$(run_"$tool") || fail "$tool failed"
      times[$tool]+="$t "
      printf '%-9s run %d: %8.2f s\n' "$tool" "$r" "$t"
    done
  done
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
# spread [DECIMALS]: lowest–highest of the values on stdin (default 2 decimals).
spread() { tr ' ' '\n' | grep . | sort -g | awk -v d="${1:-2}" 'NR==1 {lo=$1} {hi=$1} END {printf "%." d "f–%." d "f", lo, hi}'; }
# report COUNT [RATE-LABEL]: a Markdown table of median, spread, COUNT / median (column RATE-LABEL,
# default rows/s) and Ferry's speed-up over each tool (the tool's median over Ferry's; without a ferry
# tool, over the first tool's).
report() {
  local rows=$1 label=${2:-rows/s} base tool m first=${TOOLS%% *}
  [[ -n ${times[ferry]:-} ]] && base=$(median <<<"${times[ferry]}") || base=$(median <<<"${times[$first]}")
  echo "| tool | median s | spread s | $label | Ferry speed-up |"
  echo "| --- | --- | --- | --- | --- |"
  for tool in $TOOLS; do
    m=$(median <<<"${times[$tool]}")
    printf '| %s | %.2f | %s | %.0f | %.2f× |\n' "${names[$tool]:-$tool}" "$m" "$(spread <<<"${times[$tool]}")" \
      "$(echo "$rows / $m" | bc -l)" "$(echo "$m / $base" | bc -l)"
  done
}
