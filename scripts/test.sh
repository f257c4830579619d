#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs every test and gate (docs/testing.md says what each is for):
#   suites   the GoogleTest suite in five Linux configurations: GCC static C++17
#            with ASan+UBSan; portable POSIX, shared, C++20 (plain); clang + libc++
#            C++20 with ASan+UBSan; clang with TSan (without the tempfile-run
#            tests); GCC with coverage (plain, so the syscall budgets run), which
#            also builds the fault matrix;
#   checks   the fault matrix, the gcovr report, the consumer projects
#            (static, shared), the .deb packages (scripts/check-deb.sh), the
#            Doxygen reference (scripts/check-docs.sh), every ```cpp block of
#            README.md and docs/ compiled and run (scripts/check-snippets.sh),
#            every relative link and #anchor there (scripts/check-links.py), the fuzzers
#            (libFuzzer, a fixed time each), clang-format, the SPDX lines,
#            clang-tidy, cppcheck, and a smoke run of the benchmarks
#            (bench/compare.sh --smoke: tiny counts, nothing timed asserted);
#   windows  the Windows suite under Wine (scripts/extra-suites.sh).
# Installs what it needs with apt-get (scripts/ensure-packages.sh).
# Environment: JOBS (default nproc); TEST_BUILD_ROOT (default build/test);
# SKIP_WINDOWS=1 skips the Windows suite (CI always runs it); ONLY=REGEX runs
# only the steps whose name matches (e.g. ONLY='lint|fuzz').
# Ends with one line: "total: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$SECONDS
scripts/ensure-packages.sh g++ cmake make pkg-config googletest libgtest-dev libgmock-dev python3 strace \
  clang libc++-dev libc++abi-dev libclang-rt-14-dev clang-format clang-tidy cppcheck gcovr libbenchmark-dev valgrind \
  gnuplot-nox || exit 1
echo "== packages ready ($((SECONDS - started)) s)"

jobs=${JOBS:-$(nproc)}
out=${TEST_BUILD_ROOT:-$root/build/test}
only=${ONLY:-}
mkdir -p "$out"
passed=0
failed=0
failures=()

# Sanitizers stop at the first report, so that any report fails the step.
# UBSan's vptr check is off: to read an object's vtable it probes the memory
# through a pipe(), which fails when a test has used up every descriptor on
# purpose (EMFILE), and it then reports a valid object as having an "invalid
# vptr" (seen in CI on two EMFILE tests, depending on its type cache).
san_flags="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all -fno-omit-frame-pointer"
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_init_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
clang_cxx=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
# The sanitizer suites and the portable one keep line tables only (-g1): a
# report's stack trace still names each frame's function, file and line,
# and the builds compile and link faster than with full -g (no variable or
# type information; at -O2, no variable tracking). Coverage keeps its -g.
debug_g1=-DCMAKE_CXX_FLAGS_DEBUG=-g1
relwithdebinfo_g1="-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"

# selected NAME: whether ONLY lets step NAME run.
selected() { [ -z "$only" ] || [[ $1 =~ $only ]]; }

# run_suite NAME CMAKE-ARGS...: configure, build, ctest; adds to the totals.
# ctest_exclude (a variable, may be set for one call): a regex of tests not run.
run_suite() {
  local name=$1; shift
  selected "$name" || return 0
  local dir=$out/$name log=$out/$name.ctest.log t0=$SECONDS t1
  echo "== suite: $name ($*)"
  if ! cmake -S "$root" -B "$dir" -DTEMPFILE_BUILD_TESTS=ON -DTEMPFILE_BUILD_EXAMPLES=ON -DTEMPFILE_WERROR=ON "$@" >"$out/$name.configure.log" 2>&1 ||
     ! cmake --build "$dir" -j"$jobs" >"$out/$name.build.log" 2>&1; then
    tail -n 40 "$out/$name.configure.log" "$out/$name.build.log" 2>/dev/null
    failed=$((failed + 1)); failures+=("$name: build"); return
  fi
  t1=$SECONDS
  local exclude=()
  [ -n "${ctest_exclude:-}" ] && exclude=(-E "$ctest_exclude")
  (cd "$dir" && ctest -j"$jobs" --output-on-failure --timeout 600 "${exclude[@]}") >"$log" 2>&1
  local summary total fails
  summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  echo "   build $((t1 - t0)) s, tests $((SECONDS - t1)) s"
  if [ -z "$summary" ]; then
    tail -n 40 "$log"; failed=$((failed + 1)); failures+=("$name: ctest printed no summary"); return
  fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  fails=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")
  echo "   $summary"
  if [ "$fails" -ne 0 ]; then
    sed -n '/The following tests FAILED/,$p' "$log"
    # (': Failure$' and not 'Failure': test names such as AllocationFailure
    # would otherwise print the whole log.)
    grep -E -B4 -A25 ': Failure$|^\[  FAILED  \]|LEAK|ERROR: AddressSanitizer|runtime error|WARNING: ThreadSanitizer' "$log" |
      grep -v -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed|^ +Start +[0-9]+:' | head -n 300
    failures+=("$name: $fails of $total failed")
  fi
  passed=$((passed + total - fails)); failed=$((failed + fails))
}

# run_check NAME COMMAND...: one pass/fail check outside ctest; its output
# goes to $out/NAME.log and is shown (the last 40 lines) only if it fails.
# show_log=1 (set for one call) shows all of it either way.
run_check() {
  local name=$1; shift
  selected "$name" || return 0
  local t0=$SECONDS
  echo "== check: $name"
  if "$@" >"$out/$name.log" 2>&1; then
    [ "${show_log:-0}" = 1 ] && sed 's/^/   /' "$out/$name.log"
    passed=$((passed + 1))
  else
    if [ "${show_log:-0}" = 1 ]; then sed 's/^/   /' "$out/$name.log"; else tail -n 40 "$out/$name.log"; fi
    failed=$((failed + 1)); failures+=("$name")
  fi
  echo "   ($((SECONDS - t0)) s)"
}

# The 8-thread churn (tests/thread_churn_test.cpp) is written for TSan and
# takes a minute of file system work: it runs in the TSan suite only.
churn='^ThreadChurn\.'
ctest_exclude=$churn run_suite gcc-static-cxx17-asan -DCMAKE_BUILD_TYPE=Debug "$debug_g1" -DCMAKE_CXX_STANDARD=17 \
  -DCMAKE_CXX_FLAGS="$san_flags" -DCMAKE_EXE_LINKER_FLAGS="$san_flags"
# (It also builds bench/, which the bench-smoke check runs.)
ctest_exclude=$churn run_suite gcc-portable-shared-cxx20 -DCMAKE_BUILD_TYPE=RelWithDebInfo "$relwithdebinfo_g1" -DCMAKE_CXX_STANDARD=20 \
  -DTEMPFILE_PORTABLE_POSIX=ON -DBUILD_SHARED_LIBS=ON -DTEMPFILE_FORCE_ARC4RANDOM=ON -DTEMPFILE_BUILD_BENCH=ON
ctest_exclude=$churn run_suite clang-libcxx-cxx20-asan -DCMAKE_BUILD_TYPE=Debug "$debug_g1" "${clang_cxx[@]}" -DCMAKE_CXX_STANDARD=20 \
  -DCMAKE_CXX_FLAGS="-stdlib=libc++ $san_flags" -DCMAKE_EXE_LINKER_FLAGS="-stdlib=libc++ $san_flags" \
  -DCMAKE_SHARED_LINKER_FLAGS=-stdlib=libc++ -DTEMPFILE_GTEST_FROM_SOURCE=ON
# TSan delays signals until a blocking call returns, so tempfile-run's
# self-pipe supervisor would wait forever: its tests run in the other suites.
# The remove_tree limit tests (100,000 files, depth past PATH_MAX) are
# single-threaded and take minutes under TSan: they too run elsewhere.
ctest_exclude='TempfileRun|^RemoveTreeLimits\.' run_suite clang-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo "$relwithdebinfo_g1" "${clang_cxx[@]}" \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-sanitize-recover=all" -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
  -DTEMPFILE_BUILD_EXAMPLES=OFF
# Coverage: plain GCC, Linux paths, so the strace syscall budgets run here.
if selected gcc-coverage; then find "$out/gcc-coverage" -name '*.gcda' -delete 2>/dev/null; fi
# (-fprofile-update=atomic: threads in the tests would otherwise corrupt
# counters; --coverage at every link: an executable of ours that is not
# instrumented itself still links the instrumented library.)
ctest_exclude=$churn run_suite gcc-coverage -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_STANDARD=17 -DTEMPFILE_COVERAGE=ON \
  -DCMAKE_CXX_FLAGS=-fprofile-update=atomic -DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage
show_log=1 run_check fault-matrix "$out/gcc-coverage/tests/fault/fault_matrix"
show_log=1 run_check coverage scripts/coverage.sh "$out/gcc-coverage"
for kind in static shared; do
  run_check "consumers-$kind" scripts/check-consumers.sh "$kind" "$out/consumers-$kind"
done
run_check deb scripts/check-deb.sh "$out/deb"
run_check docs scripts/check-docs.sh "$out/docs"
# (against the static library consumers-static installed: one build fewer)
SNIPPETS_PREFIX=$out/consumers-static/prefix show_log=1 run_check snippets scripts/check-snippets.sh "$out/snippets"
run_check links python3 scripts/check-links.py
# The benchmarks, so that they never rot: tiny counts on the portable suite's
# build, no time asserted (seconds; the full comparison is bench/compare.sh).
run_check bench-smoke bench/compare.sh --smoke "$out/bench-smoke" --build "$out/gcc-portable-shared-cxx20"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} show_log=1 run_check fuzz scripts/fuzz.sh "$out/fuzz"
run_check lint-format scripts/lint.sh format
run_check lint-spdx scripts/lint.sh spdx
run_check lint-tidy scripts/lint.sh tidy "$out/tidy"
run_check lint-cppcheck scripts/lint.sh cppcheck "$out/cppcheck"
if [ "${SKIP_WINDOWS:-0}" = 1 ]; then
  echo "== suite: windows skipped (SKIP_WINDOWS=1)"
elif selected windows; then
  t0=$SECONDS
  . scripts/extra-suites.sh
  echo "   ($((SECONDS - t0)) s)"
fi

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "elapsed: $((SECONDS - started)) s"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
