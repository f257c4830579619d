#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# coverage.sh BUILD: the gcovr report of a TEMPFILE_COVERAGE=ON build whose
# tests (and fault matrix) have run: one line per source file of src/,
# include/ and tools/, then the totals of lines and branches. Branches are
# counted as GCC makes them, less those only an exception can take
# (--exclude-throw-branches) and those it proves unreachable.
# Fails if lines or branches fall below the floors (COVERAGE_MIN_LINES,
# COVERAGE_MIN_BRANCHES, percent), set a little under what CI measured.
set -euo pipefail
build=${1:?usage: coverage.sh BUILD}
root=$(cd "$(dirname "$0")/.." && pwd)
min_lines=${COVERAGE_MIN_LINES:-78}
min_branches=${COVERAGE_MIN_BRANCHES:-60}
report=$build/coverage.txt
gcovr --root "$root" --object-directory "$build" \
  --filter "$root/src/" --filter "$root/include/" --filter "$root/tools/" \
  --exclude-throw-branches --exclude-unreachable-branches \
  --txt "$report" --print-summary >"$build/coverage-summary.txt"
cat "$report"
cat "$build/coverage-summary.txt"
lines=$(sed -nE 's/^lines: ([0-9.]+)%.*/\1/p' "$build/coverage-summary.txt")
branches=$(sed -nE 's/^branches: ([0-9.]+)%.*/\1/p' "$build/coverage-summary.txt")
echo "coverage: lines ${lines}%, branches ${branches}% (floors ${min_lines}%, ${min_branches}%)"
awk -v l="$lines" -v b="$branches" -v ml="$min_lines" -v mb="$min_branches" 'BEGIN { exit !(l >= ml && b >= mb) }'
