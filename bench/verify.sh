#!/usr/bin/env bash
# Verification MariaDB → MariaDB of sysbench's sbtest1 (ROWS rows, default 1,000,000; the database SB_DB,
# default sbtest, generated as by full-copy.sh), both sides on this machine, against the floor any
# verifier has: reading both tables in key order. Ferry copies the table once (schema + full + verify),
# then verification runs again RUNS times (POST …/verification/reverify, scope all); each run's time is
# the verify stage's own span (startedAt → finishedAt of the project's GET), and each run must find the
# table consistent. The native figure is `SELECT * … ORDER BY id` streamed by the mariadb client
# (--quick) to /dev/null on the source and on the destination copy, run both at once (wall time:
# the fair comparison, since Ferry reads both sides at once too) and, for reference, one after the
# other (the sum). Prints medians, spreads, Ferry's ratio and the node's peak RSS.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOOLS=${TOOLS:-ferry scans scans_sum}
ROWS=${ROWS:-1000000}
WIDE_ROWS=${WIDE_ROWS:-200000}
SB_DB=${SB_DB:-sbtest}
dest_db=${SB_DB}_verify
make_sbtest "$SB_DB" "$ROWS" "$WIDE_ROWS"
echo "source: $SB_DB.sbtest1 with $ROWS rows"

node_start verify-node
my_dst -e "DROP DATABASE IF EXISTS \`$dest_db\`"
on_exit "my_dst -e 'DROP DATABASE IF EXISTS \`$dest_db\`'"
source_id=$(datasource bench-source mariadb "$FERRY_MARIADB_SOURCE_PORT" root)
dest_id=$(datasource bench-dest mariadb "$FERRY_MARIADB_DEST_PORT" root)
project=$(project_create "{\"name\":\"bench-verify\",\"kind\":\"migration\",\"sourceId\":\"$source_id\",\"destinationId\":\"$dest_id\",
  \"stages\":[\"schema\",\"full\",\"verify\"],\"objects\":{\"include\":[{\"database\":\"$SB_DB\",\"tables\":[\"sbtest1\"]}],\"rename\":{\"$SB_DB\":\"$dest_db\"}}}")
call POST "/projects/$project/start" >/dev/null
project_wait "$project" '.status == "Completed"'
echo "Ferry: copied and verified once in $dest_db (verify stage $(stage_span "$project" verify) s)"
[[ $(my_dst -N -e "SELECT COUNT(*) FROM \`$dest_db\`.sbtest1") == "$ROWS" ]] || fail "the copy does not hold $ROWS rows"

run_ferry() {
  call POST "/projects/$project/verification/reverify" '{"scope":"all"}' >/dev/null
  project_wait "$project" '.status == "Completed"'
  local v; v=$(call GET "/projects/$project" | jq -c '.stages[] | select(.name == "verify")')
  [[ $(jq -r '.status' <<<"$v") == Completed && $(jq -r '.consistentTables' <<<"$v") == 1 && $(jq -r '.inconsistentTables' <<<"$v") == 0 ]] \
    || fail "verification did not find the copy consistent: $v"
  stage_span "$project" verify
}
scan_src() { my_src --quick -N -e "SELECT * FROM \`$SB_DB\`.sbtest1 ORDER BY id" >/dev/null; }
scan_dst() { my_dst --quick -N -e "SELECT * FROM \`$dest_db\`.sbtest1 ORDER BY id" >/dev/null; }
run_scans() {
  local start a b; start=$(now)
  scan_src & a=$!
  scan_dst & b=$!
  wait "$a" && wait "$b" || exit 1
  since "$start"
}
run_scans_sum() {
  local start; start=$(now)
  scan_src && scan_dst || exit 1
  since "$start"
}

names=([ferry]='Ferry verify stage (reverify)' [scans]='two ordered full scans at once (wall)' [scans_sum]='two ordered full scans, one after the other (sum)')
run_all
echo
echo "Verification of $ROWS rows MariaDB → MariaDB, both sides on one machine, $RUNS runs, $(nproc) cores ($(date -u +%F))"
echo
report "$ROWS"
echo
echo "Ferry node peak RSS: $(node_rss_mib) MiB"
