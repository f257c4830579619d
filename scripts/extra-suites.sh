# SPDX-License-Identifier: MIT
# Sourced by scripts/test.sh (it uses run_suite's totals): the Windows suite,
# cross-compiled with mingw-w64 and run under Wine.
run_windows_suite() {
  local log=$out/windows.log summary p f
  echo "== suite: windows (mingw-w64 + Wine)"
  WINDOWS_BUILD=$out/windows JOBS=$jobs scripts/windows-suite.sh >"$log" 2>&1
  summary=$(grep -E '^windows: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  if [ -z "$summary" ]; then tail -n 40 "$log"; failed=$((failed + 1)); failures+=("windows: no summary"); return; fi
  p=$(sed -E 's/^windows: ([0-9]+) passed.*/\1/' <<<"$summary"); f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$summary")
  echo "   $summary"; grep -E '^ +skipped: ' "$log"
  if [ "$f" -ne 0 ]; then grep -E '^FAILED: windows' "$log"; failures+=("windows: $f failed"); fi
  passed=$((passed + p)); failed=$((failed + f))
}
run_windows_suite
