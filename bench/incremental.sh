#!/usr/bin/env bash
# Incremental apply MariaDB → MariaDB against native replication catch-up, on the same backlog:
# sysbench's oltp_write_only tables (INC_TABLES × INC_ROWS, default 4 × 100,000) in INC_DB (default
# sbinc) on the source; two private replicas of it (their own mariadbd, port and data directory under
# the bench directory, set up from one consistent mysqldump --master-data, filtered to INC_DB,
# slave_parallel_threads 0 and 4 with slave_parallel_mode=optimistic, binlog and
# innodb_flush_log_at_trx_commit as the shared destination); and a Ferry project (schema + full +
# incremental) into the destination server. Each run: every consumer caught up, then stopped (STOP
# SLAVE on the replicas; POST /projects/{id}/pause on Ferry); sysbench writes a backlog for
# BACKLOG_SECONDS (default 60) at full speed (or BACKLOG_RATE tx/s) with SB_THREADS threads (default
# 4); a marker row is written last. Then each consumer alone is started and timed until it has applied
# the marker: MASTER_POS_WAIT to the position after it on a replica, the marker row visible on the
# destination for Ferry (Ferry commits each batch with its checkpoint, in log order, so the marker
# visible means everything before it is applied). After the run every copy's tables are checksummed
# against the source. Prints medians, spreads, Ferry's ratio and the node's peak RSS.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOOLS=${TOOLS:-ferry replica0 replica4}
INC_DB=${INC_DB:-sbinc}
INC_TABLES=${INC_TABLES:-4}
INC_ROWS=${INC_ROWS:-100000}
BACKLOG_SECONDS=${BACKLOG_SECONDS:-60}
BACKLOG_RATE=${BACKLOG_RATE:-0}
SB_THREADS=${SB_THREADS:-4}
need sysbench sysbench
dest_db=${INC_DB}_ferry
sbargs=(--tables="$INC_TABLES" --table-size="$INC_ROWS")

echo "preparing $INC_DB: $INC_TABLES × $INC_ROWS rows"
my_src -e "DROP DATABASE IF EXISTS \`$INC_DB\`; CREATE DATABASE \`$INC_DB\`"
on_exit "my_src -e 'DROP DATABASE IF EXISTS \`$INC_DB\`'"
sb "$INC_DB" oltp_write_only "${sbargs[@]}" --threads=2 prepare >/dev/null
my_src "$INC_DB" -e "CREATE TABLE bench_marker (id INT PRIMARY KEY, at DATETIME(6) NOT NULL)"
marker=0
# mark: writes the next marker row on the source; sets marker (its id) and target (file pos after it).
mark() {
  marker=$((marker + 1))
  target=$(my_src -N -e "INSERT INTO \`$INC_DB\`.bench_marker VALUES ($marker, NOW(6)); SHOW MASTER STATUS" | cut -f1,2 | tr '\t' ' ')
}

# --- the native replicas -------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rep() { local name=$1; shift; mariadb --socket="$work/$name/mysqld.sock" -uroot "$@"; }
replica_up() { # name threads
  local name=$1 threads=$2 dir=$work/$1 port pid
  port=$(free_port)
  rm -rf "$dir"; mkdir -p "$dir/binlog"
  cat >"$dir/my.cnf" <<CNF
[mariadbd]
datadir=$dir/data
port=$port
bind-address=127.0.0.1
socket=$dir/mysqld.sock
pid-file=$dir/mariadbd.pid
log-error=$dir/error.log
user=root
skip-name-resolve
server-id=$port
log-bin=$dir/binlog/mariadb-bin
binlog_format=ROW
log_slave_updates=ON
relay-log=$dir/relay
skip-slave-start
replicate-wild-do-table=$INC_DB.%
slave_parallel_threads=$threads
slave_parallel_mode=optimistic
max_allowed_packet=1G
innodb_buffer_pool_size=512M
innodb_log_file_size=512M
innodb_flush_log_at_trx_commit=2
sync_binlog=0
CNF
  mariadb-install-db --defaults-file="$dir/my.cnf" --user=root --datadir="$dir/data" --auth-root-authentication-method=socket >"$dir/install.log" 2>&1
  mariadbd --defaults-file="$dir/my.cnf" >/dev/null 2>&1 &
  pid=$!
  on_exit "mariadb-admin --socket=$dir/mysqld.sock -uroot shutdown; wait $pid; rm -rf $dir"
  for _ in $(seq 1 120); do mariadb-admin --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1 && break; sleep 0.5; done
  rep "$name" -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$FERRY_MARIADB_SOURCE_PORT, MASTER_USER='root',
    MASTER_PASSWORD='$FERRY_DB_PASSWORD', MASTER_USE_GTID=no"
  rep "$name" <"$work/inc-dump.sql"
  rep "$name" -e "START SLAVE"
  echo "$name: port $port, slave_parallel_threads=$threads ($(rep "$name" -N -e 'SELECT @@slave_parallel_mode'))"
}
# replica_wait NAME: blocks until the replica's SQL thread has passed target.
replica_wait() {
  local r file pos; read -r file pos <<<"$target"
  for _ in $(seq 1 100); do
    r=$(rep "$1" -N -e "SELECT MASTER_POS_WAIT('$file', $pos, $BENCH_TIMEOUT)")
    [[ $r == NULL ]] || break
    sleep 0.05
  done
  [[ $r =~ ^[0-9]+$ ]] || fail "$1 did not reach $target: $r ($(rep "$1" -e 'SHOW SLAVE STATUS\G' | grep -E 'Last_.*Error:' | head -2))"
}

mariadb-dump "${SRC[@]}" --single-transaction --master-data=1 --databases "$INC_DB" >"$work/inc-dump.sql"
on_exit "rm -f '$work/inc-dump.sql'"
for tool in $TOOLS; do [[ $tool == replica* ]] && replica_up "$tool" "${tool#replica}"; done

# --- Ferry ---------------------------------------------------------------------------------------
ferry_wait() { # blocks (server-side loop on the destination) until marker is visible there
  local ok
  ok=$(my_dst -N <<SQL
SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;
DELIMITER //
BEGIN NOT ATOMIC
  DECLARE n INT DEFAULT 0;
  WHILE NOT EXISTS (SELECT 1 FROM \`$dest_db\`.bench_marker WHERE id = $marker) AND n < $BENCH_TIMEOUT * 100 DO
    DO SLEEP(0.01); SET n = n + 1;
  END WHILE;
  SELECT EXISTS (SELECT 1 FROM \`$dest_db\`.bench_marker WHERE id = $marker);
END //
SQL
)
  [[ $ok == 1 ]] || fail "Ferry did not apply marker $marker within $BENCH_TIMEOUT s"
}
if [[ " $TOOLS " == *" ferry "* ]]; then
  node_start inc-node
  my_dst -e "DROP DATABASE IF EXISTS \`$dest_db\`"
  on_exit "my_dst -e 'DROP DATABASE IF EXISTS \`$dest_db\`'"
  source_id=$(datasource bench-source mariadb "$FERRY_MARIADB_SOURCE_PORT" root)
  dest_id=$(datasource bench-dest mariadb "$FERRY_MARIADB_DEST_PORT" root)
  project=$(project_create "{\"name\":\"bench-incremental\",\"kind\":\"migration\",\"sourceId\":\"$source_id\",\"destinationId\":\"$dest_id\",
    \"stages\":[\"schema\",\"full\",\"incremental\"],\"objects\":{\"include\":[{\"database\":\"$INC_DB\",\"tables\":[\"*\"]}],\"rename\":{\"$INC_DB\":\"$dest_db\"}}}")
  call POST "/projects/$project/start" >/dev/null
  project_wait "$project" '.stages[] | select(.name == "incremental") | .status == "Running" or .status == "Monitoring"'
  echo "Ferry: project $project streaming into $dest_db"
fi

# checksums TOOL: the sysbench tables of one consumer against the source.
checksum() { "$@" -N -e "CHECKSUM TABLE $(seq -s, -f "\`$INC_DB\`.sbtest%g" 1 "$INC_TABLES")" | cut -f2 | tr '\n' ' '; }
check() {
  local want got
  want=$(checksum my_src)
  case $1 in
    ferry) got=$(my_dst -N -e "CHECKSUM TABLE $(seq -s, -f "\`$dest_db\`.sbtest%g" 1 "$INC_TABLES")" | cut -f2 | tr '\n' ' ');;
    *) got=$(checksum rep "$1");;
  esac
  [[ $got == "$want" ]] || fail "$1: table checksums $got, the source $want"
}

start_tool() {
  case $1 in
    ferry) call POST "/projects/$project/resume" >/dev/null;;
    *) rep "$1" -e "START SLAVE";;
  esac
}
stop_tool() {
  case $1 in
    ferry) call POST "/projects/$project/pause" >/dev/null; project_wait "$project" '.status == "Paused"';;
    *) rep "$1" -e "STOP SLAVE";;
  esac
}
wait_tool() { case $1 in ferry) ferry_wait;; *) replica_wait "$1";; esac; }

declare -a backlog_tx
for r in $(seq 1 "$RUNS"); do
  mark
  for tool in $TOOLS; do wait_tool "$tool"; stop_tool "$tool"; done
  out=$(sb "$INC_DB" oltp_write_only "${sbargs[@]}" --threads="$SB_THREADS" --time="$BACKLOG_SECONDS" --rate="$BACKLOG_RATE" --report-interval=0 run)
  tx=$(awk '/transactions:/ {print $2}' <<<"$out")
  backlog_tx+=("$tx")
  mark
  echo "run $r: backlog of $tx transactions ($(awk '/transactions:/ {print $3}' <<<"$out" | tr -d '(') tx/s) in ${BACKLOG_SECONDS} s, up to $target"
  for tool in $TOOLS; do
    start=$(now)
    start_tool "$tool"
    wait_tool "$tool"
    t=$(since "$start")
    times[$tool]+="$t "
    printf '  %-9s caught up in %8.2f s\n' "$tool" "$t"
  done
  for tool in $TOOLS; do check "$tool"; done
done
[[ " $TOOLS " == *" ferry "* ]] && echo "Ferry checkpoint: $(my_dst -N -e "SELECT position FROM __ferry.ferry_checkpoint WHERE stream LIKE '$project%'" 2>/dev/null | head -1)"

tx=$(tr ' ' '\n' <<<"${backlog_tx[*]}" | median)
names=([ferry]='Ferry (paused project resumed)' [replica0]='MariaDB replica, slave_parallel_threads=0' [replica4]='MariaDB replica, slave_parallel_threads=4 (optimistic)')
echo
echo "Incremental catch-up MariaDB → MariaDB, sysbench oltp_write_only backlog of ${BACKLOG_SECONDS} s ($tx transactions median, $SB_THREADS threads, $INC_TABLES × $INC_ROWS rows), $RUNS runs, $(nproc) cores ($(date -u +%F))"
echo
report "$tx" "applied tx/s"
echo
if [[ -n ${node:-} ]]; then echo "Ferry node peak RSS: $(node_rss_mib) MiB"; fi
