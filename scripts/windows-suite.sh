#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Windows suite: cross-compiles the library, tempfile-run (when its
# Windows supervisor exists), the examples and every test with mingw-w64
# (GoogleTest built from /usr/src/googletest by the same toolchain), then
# runs each test executable once under Wine (one Wine start per executable,
# not one per test as ctest would: Wine takes about a second to start).
# Then runs each example once. Ends with one line: "windows: N passed,
# M failed" (test cases and examples; skipped tests are listed with their
# reasons and counted apart). Exit status 0 only if nothing failed.
#   BUILD dir: $WINDOWS_BUILD (default build/test/windows); JOBS as scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/ensure-packages.sh g++-mingw-w64-x86-64 wine wine64 googletest cmake make || exit 1

jobs=${JOBS:-$(nproc)}
out=${WINDOWS_BUILD:-$root/build/test/windows}
mkdir -p "$out"
# A Wine prefix of our own, made without prompts: no Mono or Gecko (a
# console program needs neither), no debug chatter on stderr.
export WINEPREFIX=$out/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine_cmd=$(command -v wine || command -v wine64)
# Debian's wineserver makes its socket directory with mkdtemp in
# ${TMPDIR:-/tmp}/wine-XXXXXX and never removes it: note which exist now, so
# that the ones this run adds can go at the end.
wine_tmp=${TMPDIR:-/tmp}
wine_dirs_before=$(ls -d "$wine_tmp"/wine-?????? 2>/dev/null)

echo "== windows: configure and build ($out)"
# Debug (assertions on, -O0) without -g: nothing under Wine reads the debug
# information, and linking it into 37 static executables was a third of the
# build's time.
if ! cmake -S "$root" -B "$out/build" -G "Unix Makefiles" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" \
       -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DCMAKE_C_FLAGS_DEBUG=-O0 -DTEMPFILE_BUILD_TESTS=ON -DTEMPFILE_BUILD_EXAMPLES=ON \
       -DTEMPFILE_GTEST_FROM_SOURCE=ON -DTEMPFILE_WERROR=ON >"$out/configure.log" 2>&1; then
  tail -n 40 "$out/configure.log"
  echo "windows: 0 passed, 1 failed"
  exit 1
fi
passed=0 failed=0 skipped=0
failures=()
# Executables of an earlier run must not stand in for ones that no longer build.
rm -f "$out"/build/tests/*_test.exe
# -k: one file that does not compile for Windows fails the run, but the
# executables that did build still run, so the log says everything at once.
if ! cmake --build "$out/build" -j"$jobs" -- -k >"$out/build.log" 2>&1; then
  grep -E -A12 'error:|Error [0-9]' "$out/build.log" | head -n 80
  failed=$((failed + 1)); failures+=("build (see $out/build.log)")
fi

"$wine_cmd" wineboot --init >"$out/wineboot.log" 2>&1
# The executables run $jobs at a time (each is its own process with its own
# private directories, as under ctest -j); their logs are read in order below.
rm -f "$out"/*_test.status
running=0
for exe in "$out"/build/tests/*_test.exe; do
  name=$(basename "$exe" .exe)
  # The working directory is the test's own: the harness gives each test a
  # private directory under %TEMP% (the prefix's C:\users\<user>\Temp).
  ( (cd "$out/build/tests" && timeout 600 "$wine_cmd" "$exe") >"$out/$name.log" 2>&1
    echo $? >"$out/$name.status" ) &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
for exe in "$out"/build/tests/*_test.exe; do
  name=$(basename "$exe" .exe)
  log=$out/$name.log
  status=$(cat "$out/$name.status" 2>/dev/null || echo 255)
  sed -i 's/\r$//' "$log"  # Wine's console writes CRLF
  ran=$(sed -nE 's/^\[==========\] ([0-9]+) tests? from .* ran\..*/\1/p' "$log" | tail -n 1)
  ok=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\..*/\1/p' "$log" | tail -n 1)
  skip=$(sed -nE 's/^\[  SKIPPED \] ([0-9]+) tests?[.,].*/\1/p' "$log" | tail -n 1)
  ran=${ran:-0} ok=${ok:-0} skip=${skip:-0}
  # What ran and neither passed nor was skipped failed (a count that holds
  # with or without --gtest_brief).
  bad=$((ran - ok - skip))
  passed=$((passed + ok)); failed=$((failed + bad)); skipped=$((skipped + skip))
  printf '   %-34s %3d passed, %d failed, %d skipped\n' "$name" "$ok" "$bad" "$skip"
  if [ "$bad" -ne 0 ]; then
    failures+=("$name: $bad failed")
    grep -E -B12 '^\[  FAILED  \] [A-Za-z_0-9/]+\.[A-Za-z_0-9/]+ \(' "$log" | head -n 120
  fi
  # A crash, a timeout or a leak the harness found fails the executable
  # even when every test case passed.
  if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
    failed=$((failed + 1)); failures+=("$name: exit status $status after $ran tests")
    tail -n 30 "$log"
  fi
  if [ "$skip" -ne 0 ]; then
    # gtest prints "[ RUN      ] Suite.Name", then "...: Skipped" and the reason.
    awk -v exe="$name" '/^\[ RUN      \] / { test = $4 } /: Skipped$/ { getline why; print "      skipped: " test " (" exe "): " why }' "$log"
  fi
done
# The examples are ordinary programs (not linked -static): each must run to
# a zero exit status, with the toolchain's runtime DLLs on WINEPATH.
runtime_dlls="$(dirname "$(x86_64-w64-mingw32-g++-posix -print-libgcc-file-name)");/usr/x86_64-w64-mingw32/lib"
for exe in "$out"/build/examples/*.exe; do
  [ -e "$exe" ] || continue
  name=$(basename "$exe" .exe)
  if (cd "$out" && WINEPATH="$runtime_dlls" timeout 120 "$wine_cmd" "$exe") >"$out/$name.log" 2>&1; then
    passed=$((passed + 1))
    printf '   %-34s ran\n' "$name"
  else
    failed=$((failed + 1)); failures+=("$name: exit status $?")
    tail -n 20 "$out/$name.log"
  fi
done

# Waits for this prefix's wineserver to finish, so nothing outlives the run.
command -v wineserver >/dev/null && wineserver -w
for d in "$wine_tmp"/wine-??????; do
  [ -d "$d" ] && [ -O "$d" ] || continue
  grep -qxF "$d" <<<"$wine_dirs_before" || rm -rf -- "$d"
done

echo
for f in "${failures[@]}"; do echo "FAILED: windows $f"; done
echo "windows: $skipped tests skipped (reasons above; README.md's Windows section lists them)"
echo "windows: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
