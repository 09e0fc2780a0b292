#!/usr/bin/env bash
# Runs every test against freshly started local servers and prints one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash infra/up.sh || { echo "0 passed, 1 failed"; exit 1; }
source infra/env.sh
results=$FERRY_STATE/test-results
rm -rf "$results"
# Build once, then run the test assemblies one after another: the end-to-end tests start whole
# Ferry nodes and the machine has two cores.
dotnet build Orleans.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
dotnet test Orleans.sln -c Release --no-build -m:1 --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@"
rc=$?
passed=0; failed=0
for trx in "$results"/*.trx; do
  [[ -f $trx ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if ((rc != 0 && failed == 0)); then failed=1; fi
echo "$passed passed, $failed failed"
exit $rc
