#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs every test: the GoogleTest suite in several configurations
# (GCC static C++17; portable POSIX, shared, C++20; clang with libc++), then the consumer
# projects (find_package, add_subdirectory, FetchContent, pkg-config), and
# the Windows suite under Wine (scripts/extra-suites.sh).
# Ends with one line: "total: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/ensure-packages.sh g++ cmake make pkg-config googletest libgtest-dev libgmock-dev python3 strace || exit 1

jobs=${JOBS:-$(nproc)}
out=${TEST_BUILD_ROOT:-$root/build/test}
mkdir -p "$out"
passed=0
failed=0
failures=()

# run_suite NAME CMAKE-ARGS...: configure, build, ctest; adds to the totals.
run_suite() {
  local name=$1; shift
  local dir=$out/$name log=$out/$name.ctest.log
  echo "== suite: $name ($*)"
  if ! cmake -S "$root" -B "$dir" -DTEMPFILE_BUILD_TESTS=ON -DTEMPFILE_BUILD_EXAMPLES=ON -DTEMPFILE_WERROR=ON "$@" >"$out/$name.configure.log" 2>&1 ||
     ! cmake --build "$dir" -j"$jobs" >"$out/$name.build.log" 2>&1; then
    tail -n 40 "$out/$name.configure.log" "$out/$name.build.log" 2>/dev/null
    failed=$((failed + 1)); failures+=("$name: build"); return
  fi
  (cd "$dir" && ctest -j"$jobs" --output-on-failure --timeout 600) >"$log" 2>&1
  local summary total fails
  summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$summary" ]; then
    tail -n 40 "$log"; failed=$((failed + 1)); failures+=("$name: ctest printed no summary"); return
  fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  fails=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")
  echo "   $summary"
  if [ "$fails" -ne 0 ]; then
    sed -n '/The following tests FAILED/,$p' "$log"
    grep -E -B2 -A30 'Failure|LEAK|FAILED' "$log" | head -n 200
    failures+=("$name: $fails of $total failed")
  fi
  passed=$((passed + total - fails)); failed=$((failed + fails))
}

# run_check NAME COMMAND...: one pass/fail check outside ctest.
run_check() {
  local name=$1; shift
  echo "== check: $name"
  if "$@" >"$out/$name.log" 2>&1; then
    passed=$((passed + 1))
  else
    tail -n 40 "$out/$name.log"; failed=$((failed + 1)); failures+=("$name")
  fi
}

run_suite gcc-static-cxx17 -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_STANDARD=17
run_suite gcc-portable-shared-cxx20 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_STANDARD=20 \
  -DTEMPFILE_PORTABLE_POSIX=ON -DBUILD_SHARED_LIBS=ON -DTEMPFILE_FORCE_ARC4RANDOM=ON
scripts/ensure-packages.sh clang libc++-dev libc++abi-dev || exit 1
run_suite clang-libcxx-cxx20 -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_STANDARD=20 \
  -DCMAKE_CXX_FLAGS=-stdlib=libc++ -DCMAKE_EXE_LINKER_FLAGS=-stdlib=libc++ -DCMAKE_SHARED_LINKER_FLAGS=-stdlib=libc++ \
  -DTEMPFILE_GTEST_FROM_SOURCE=ON
for kind in static shared; do
  run_check "consumers-$kind" scripts/check-consumers.sh "$kind" "$out/consumers-$kind"
done
run_check deb scripts/check-deb.sh "$out/deb"
run_check docs scripts/check-docs.sh "$out/docs"
run_check bench-smoke bench/compare.sh --smoke "$out/bench-smoke"
. scripts/extra-suites.sh

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
