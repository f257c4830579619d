#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz.sh WORKDIR [NAME...]: builds the libFuzzer targets of tests/fuzz with
# clang (ASan + UBSan, the library instrumented for coverage feedback) and
# runs each for FUZZ_SECONDS (default 20) on its corpus (tests/fuzz/corpus/
# NAME, read only; new inputs go to WORKDIR). Each runs as uid 65534 in
# scripts/sandbox.sh, where only its own directory is writable.
# Fails if any target finds a crash, a sanitizer report or a broken promise;
# the input that did it is printed (base64) and kept in WORKDIR/NAME/.
# Reproduce: WORKDIR/build/tests/fuzz/fuzz_NAME WORKDIR/NAME/crash-...
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:?usage: fuzz.sh WORKDIR [NAME...]}; shift
mkdir -p "$work" && work=$(cd "$work" && pwd)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(names stream atomic_file remove_tree run_options)
seconds=${FUZZ_SECONDS:-20}
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
t0=$SECONDS
cmake -S "$root" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DTEMPFILE_BUILD_FUZZERS=ON -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF -DTEMPFILE_BUILD_TOOLS=OFF \
  -DTEMPFILE_INSTALL=OFF -DTEMPFILE_WERROR=ON -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >"$work/configure.log" 2>&1 &&
  cmake --build "$work/build" -j"${JOBS:-$(nproc)}" >"$work/build.log" 2>&1 ||
  { tail -n 40 "$work/configure.log" "$work/build.log"; exit 1; }
echo "built in $((SECONDS - t0)) s; each target runs ${seconds} s"
status=0
for name in "${names[@]}"; do
  dir=$work/$name
  rm -rf "$dir"; mkdir -p "$dir/corpus" "$dir/tmp"
  chown -R 65534:65534 "$dir"
  # -timeout: one input taking this long is a hang, reported as a failure.
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 TMPDIR=$dir/tmp \
    "$root/scripts/sandbox.sh" --nobody --rw "$dir" -- \
    "$work/build/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" "$root/tests/fuzz/corpus/$name" 2>&1 | cat >"$dir/log"
  rc=${PIPESTATUS[0]}  # (through a pipe: fuzz_atomic_file's RLIMIT_FSIZE must not cut the log short)
  runs=$(grep -E '^stat::number_of_executed_units' "$dir/log" | awk '{print $2}')
  cov=$(grep -Eo 'cov: [0-9]+' "$dir/log" | tail -n 1)
  if [ $rc -eq 0 ]; then
    echo "fuzz_$name: ok, ${runs:-?} inputs, $cov"
  else
    status=1
    echo "fuzz_$name: FAILED (exit $rc) after ${runs:-?} inputs"
    grep -E -m2 'BROKEN PROMISE|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer|==ERROR' "$dir/log" | sed 's/^/  /'
    # the stack's frames in our own code (tests/fuzz, src, tools, include), at most 8
    grep -E '^ +#[0-9]+ .*(/tests/fuzz/|/src/|/tools/|/include/tempfile/)[^ ]*\.[ch]pp:[0-9]' "$dir/log" | grep -v fuzz_support |
      head -n 8 | sed -E 's/ \(BuildId: [0-9a-f]+\)//; s/^ +/    /'
    for crash in "$dir"/crash-* "$dir"/timeout-* "$dir"/leak-*; do
      [ -f "$crash" ] || continue
      echo "  input $(basename "$crash") (base64): $(base64 -w0 "$crash" | head -c 600)"
    done
  fi
done
exit $status
