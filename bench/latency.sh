#!/usr/bin/env bash
# End-to-end latency of Ferry's incremental stage MariaDB → MariaDB at a steady load: a probe table on
# the source written at RATE row changes per second (default 1,000; half inserts of new rows, half
# updates of random existing ones; sysbench with --rate, so arrivals are random around that mean) for
# DURATION seconds (default 60) per run. Every change carries its source time (UNIX_TIMESTAMP(NOW(6))
# of its autocommit statement); on the destination an AFTER INSERT trigger on the probe table (Ferry
# applies inserts and updates as REPLACE, which fires DELETE + INSERT triggers) writes the change and
# UNIX_TIMESTAMP(SYSDATE(6)) into a side table: the time the destination applies the row, just before
# its batch commits (both servers on the same machine clock). Changes from the first WARMUP seconds
# (default 5) are left out. Prints p50, p99 and max per run and their medians, and the node's peak RSS.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LAT_DB=${LAT_DB:-sblat}
RATE=${RATE:-1000}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-5}
PROBE_ROWS=${PROBE_ROWS:-10000}
need sysbench sysbench
dest_db=${LAT_DB}_ferry
seen_db=${LAT_DB}_seen

my_src -e "DROP DATABASE IF EXISTS \`$LAT_DB\`; CREATE DATABASE \`$LAT_DB\`"
on_exit "my_src -e 'DROP DATABASE IF EXISTS \`$LAT_DB\`'"
my_src "$LAT_DB" -e "CREATE TABLE probe (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL DEFAULT 0,
  src_us DECIMAL(20,6) NOT NULL, pad VARCHAR(100) NOT NULL);
  INSERT INTO probe (id, src_us, pad) SELECT seq, 0, REPEAT('x', 60) FROM seq_1_to_$PROBE_ROWS"
cat >"$work/probe.lua" <<LUA
function thread_init()
  drv = sysbench.sql.driver()
  con = drv:connect()
end
function event()
  if sysbench.rand.uniform(0, 1) == 0 then
    con:query("INSERT INTO probe (src_us, pad) VALUES (UNIX_TIMESTAMP(NOW(6)), REPEAT('y', 60))")
  else
    con:query("UPDATE probe SET n = n + 1, src_us = UNIX_TIMESTAMP(NOW(6)) WHERE id = " .. sysbench.rand.uniform(1, $PROBE_ROWS))
  end
end
function thread_done()
  con:disconnect()
end
LUA

node_start lat-node
my_dst -e "DROP DATABASE IF EXISTS \`$dest_db\`; DROP DATABASE IF EXISTS \`$seen_db\`; CREATE DATABASE \`$seen_db\`"
on_exit "my_dst -e 'DROP DATABASE IF EXISTS \`$dest_db\`; DROP DATABASE IF EXISTS \`$seen_db\`'"
source_id=$(datasource bench-source mariadb "$FERRY_MARIADB_SOURCE_PORT" root)
dest_id=$(datasource bench-dest mariadb "$FERRY_MARIADB_DEST_PORT" root)
project=$(project_create "{\"name\":\"bench-latency\",\"kind\":\"migration\",\"sourceId\":\"$source_id\",\"destinationId\":\"$dest_id\",
  \"stages\":[\"schema\",\"full\",\"incremental\"],\"objects\":{\"include\":[{\"database\":\"$LAT_DB\",\"tables\":[\"probe\"]}],\"rename\":{\"$LAT_DB\":\"$dest_db\"}}}")
call POST "/projects/$project/start" >/dev/null
project_wait "$project" '.stages[] | select(.name == "incremental") | .status == "Running" or .status == "Monitoring"'
my_dst "$seen_db" -e "CREATE TABLE seen (run INT NOT NULL, id BIGINT NOT NULL, n INT NOT NULL, src_us DECIMAL(20,6) NOT NULL,
  dst_us DECIMAL(20,6) NOT NULL, PRIMARY KEY (run, id, n));
  CREATE TABLE current_run (run INT NOT NULL); INSERT INTO current_run VALUES (0);
  CREATE TRIGGER \`$dest_db\`.probe_seen AFTER INSERT ON \`$dest_db\`.probe FOR EACH ROW
    INSERT IGNORE INTO \`$seen_db\`.seen SELECT run, NEW.id, NEW.n, NEW.src_us, UNIX_TIMESTAMP(SYSDATE(6)) FROM \`$seen_db\`.current_run"
echo "Ferry: project $project streaming $LAT_DB.probe into $dest_db; trigger on it writes $seen_db.seen"

pct() { awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p/100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print a[i]}' "$2"; }
declare -a p50s p99s maxs
for r in $(seq 1 "$RUNS"); do
  # set directly on the destination: every change of this run is applied after it (the last run's end
  # marker has arrived)
  my_dst "$seen_db" -e "UPDATE current_run SET run = $r"
  begin=$(my_src -N -e "SELECT UNIX_TIMESTAMP(NOW(6))")
  out=$(sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$FERRY_MARIADB_SOURCE_PORT" --mysql-user=root \
    --mysql-password="$FERRY_DB_PASSWORD" --mysql-db="$LAT_DB" --threads=4 --rate="$RATE" --time="$DURATION" --report-interval=0 \
    "$work/probe.lua" run)
  events=$(awk '/total number of events:/ {print $5}' <<<"$out")
  # the end marker: a last insert, waited for on the destination
  last=$(my_src -N "$LAT_DB" -e "INSERT INTO probe (src_us, pad) VALUES (UNIX_TIMESTAMP(NOW(6)), 'end'); SELECT LAST_INSERT_ID()")
  for _ in $(seq 1 600); do
    [[ $(my_dst -N -e "SELECT COUNT(*) FROM \`$seen_db\`.seen WHERE run = $r AND id = $last") == 1 ]] && break
    sleep 0.1
  done
  [[ $(my_dst -N -e "SELECT COUNT(*) FROM \`$seen_db\`.seen WHERE run = $r AND id = $last") == 1 ]] || fail "run $r: the last change did not arrive within 60 s"
  my_dst -N -e "SELECT dst_us - src_us FROM \`$seen_db\`.seen WHERE run = $r AND src_us >= $begin + $WARMUP AND id <> $last ORDER BY 1" >"$work/latency-$r.txt"
  arrived=$(my_dst -N -e "SELECT COUNT(*) FROM \`$seen_db\`.seen WHERE run = $r AND id <> $last")
  n=$(wc -l <"$work/latency-$r.txt")
  ((n > 0)) || fail "run $r: no change measured"
  p50s+=("$(pct 50 "$work/latency-$r.txt")"); p99s+=("$(pct 99 "$work/latency-$r.txt")"); maxs+=("$(pct 100 "$work/latency-$r.txt")")
  printf 'run %d: %s changes made (%.0f/s), %s arrived, %s measured after warm-up: p50 %.3f s, p99 %.3f s, max %.3f s\n' \
    "$r" "$events" "$(echo "$events / $DURATION" | bc -l)" "$arrived" "$n" "${p50s[-1]}" "${p99s[-1]}" "${maxs[-1]}"
done

echo
echo "End-to-end latency MariaDB → MariaDB (source commit → destination apply), $RATE row changes/s for $DURATION s, $RUNS runs, $(nproc) cores ($(date -u +%F))"
echo
echo "| latency | median over runs s | spread s |"
echo "| --- | --- | --- |"
for k in p50 p99 max; do
  declare -n v=${k}s
  printf '| %s | %.3f | %s |\n' "$k" "$(median <<<"${v[*]}")" "$(spread 3 <<<"${v[*]}")"
done
echo
echo "Ferry node peak RSS: $(node_rss_mib) MiB"
