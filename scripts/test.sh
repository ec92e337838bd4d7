#!/usr/bin/env bash
# Runs every test project; prints one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf test-results; mkdir -p test-results
dotnet test Registry.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory test-results 2>&1 | tee test-results/console.log
status=${PIPESTATUS[0]}
passed=$(grep -hoE 'passed="[0-9]+"' test-results/*.trx 2>/dev/null | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null || echo 0)
failed=$(grep -hoE 'failed="[0-9]+"' test-results/*.trx 2>/dev/null | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null || echo 0)
echo "${passed:-0} passed, ${failed:-0} failed"
exit $status
