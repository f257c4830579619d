#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/compare.sh [--smoke [DIR]] [--build DIR] [bench/compare.py options...]
#
# Runs this library against its peers (a C floor of raw system calls, glibc's
# mkstemp/mkdtemp, Python's tempfile, Rust's tempfile crate; rm -rf,
# std::filesystem::remove_all and shutil.rmtree for trees; the shell's
# mktemp + trap for tempfile-run) on tmpfs and on the disk, and writes the
# report docs/benchmarks.md with its plots in docs/benchmarks/.
#
# --smoke: tiny counts, one round, no Rust peer and no libc++ build, so that
# every other part (the drivers, strace, callgrind, the malloc counter, the
# Google Benchmark binaries, the report and its plots) runs in seconds; the
# report goes to DIR/benchmarks.md (default build/compare-smoke), never to
# docs/. scripts/test.sh runs it with --build on a suite it has built.
# --build DIR: use the bench/ and tools/ executables of an existing CMake build
# (configured with -DTEMPFILE_BUILD_BENCH=ON and built) instead of building
# this library in Release. Nothing about time is asserted, in either mode:
# the script fails only if a peer, a build or the report fails.
#
# Installs what it needs with apt-get. The Rust peer is built offline from
# Debian's librust-tempfile-dev (/usr/share/cargo/registry as a directory
# source) with Debian's /usr/bin/cargo: nothing is downloaded.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

smoke=0
work=$root/build/compare
prebuilt=
if [ "${1:-}" = --smoke ]; then
  smoke=1
  shift
  work=$root/build/compare-smoke
  if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then work=$1; shift; fi
fi
if [ "${1:-}" = --build ]; then
  prebuilt=$(cd "${2:?--build needs a directory}" && pwd)
  shift 2
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)

if [ $smoke = 1 ]; then
  scripts/ensure-packages.sh gcc python3 strace valgrind gnuplot-nox
else
  scripts/ensure-packages.sh g++ gcc cmake make python3 strace valgrind gnuplot-nox libbenchmark-dev cargo \
    librust-tempfile-dev
fi

jobs=${JOBS:-$(nproc)}
build=$work/build
if [ -n "$prebuilt" ]; then
  build=$prebuilt
  echo "== using the executables of $build"
else
  echo "== building (Release) in $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTEMPFILE_BUILD_BENCH=ON -DTEMPFILE_BUILD_TESTS=OFF \
    -DTEMPFILE_BUILD_EXAMPLES=OFF -DTEMPFILE_BUILD_TOOLS=ON -DTEMPFILE_WERROR=ON >"$work/configure.log"
  cmake --build "$build" -j"$jobs" --target tempfile_peer remove_tree_bench tempfile-run owners_bench io_bench \
    remove_tree_micro_bench >"$work/build.log" || { tail -n 40 "$work/build.log"; exit 1; }
fi
libcxx_peer=
if [ $smoke = 0 ]; then
  # The same library with clang and libc++, whose fs::path is one string
  # (libstdc++'s also keeps a list of its components).
  scripts/ensure-packages.sh clang libc++-dev libc++abi-dev
  cmake -S "$root" -B "$work/build-libcxx" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS=-stdlib=libc++ -DCMAKE_EXE_LINKER_FLAGS=-stdlib=libc++ \
    -DTEMPFILE_BUILD_BENCH=ON -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF -DTEMPFILE_BUILD_TOOLS=OFF \
    -DTEMPFILE_WERROR=ON >"$work/configure-libcxx.log"
  cmake --build "$work/build-libcxx" -j"$jobs" --target tempfile_peer >"$work/build-libcxx.log" ||
    { tail -n 40 "$work/build-libcxx.log"; exit 1; }
  libcxx_peer=$work/build-libcxx/bench/tempfile_peer
fi
gcc -O2 -std=c11 -Wall -Wextra -Werror -o "$work/floor" bench/peers/floor.c
gcc -O2 -std=c11 -Wall -Wextra -Werror -shared -fPIC -o "$work/count_malloc.so" bench/peers/count_malloc.c

rust_peer=
if [ $smoke = 0 ]; then
  echo "== building the Rust peer offline (Debian's cargo and crates)"
  mkdir -p "$work/cargo-home"
  cat >"$work/cargo-home/config.toml" <<'EOF'
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
EOF
  rm -rf "$work/rust" && cp -r bench/peers/rust "$work/rust"  # its Cargo.lock stays out of the tree
  (cd "$work/rust" && CARGO_HOME=$work/cargo-home RUSTC=/usr/bin/rustc /usr/bin/cargo build --release --offline \
    --quiet --target-dir "$work/rust-target")
  rust_peer=$work/rust-target/release/tempfile_peer_rust
fi

bin=$build/bench
cat >"$work/binaries.json" <<EOF
{
 "floor": "$work/floor",
 "count_malloc": "$work/count_malloc.so",
 "tempfile_peer": "$bin/tempfile_peer",
 "tempfile_peer_libcxx": "$libcxx_peer",
 "python_peer": "$root/bench/peers/python_peer.py",
 "rust_peer": "$rust_peer",
 "remove_tree_bench": "$bin/remove_tree_bench",
 "tempfile_run": "$build/tools/tempfile-run",
 "cxx": "$(grep -E '^CMAKE_CXX_COMPILER:' "$build/CMakeCache.txt" | cut -d= -f2)",
 "rustc": "/usr/bin/rustc",
 "our_version": "$(git describe --always --dirty 2>/dev/null || echo unknown) ($(grep -Eo 'VERSION [0-9.]+' CMakeLists.txt | head -n 1))"
}
EOF

disk=$work/disk
rm -rf "$disk"  # what a stopped run left (remove_tree_bench uses fixed names)
mkdir -p "$disk"
if [ "$(stat -f -c %T "$disk")" = tmpfs ]; then echo "warning: $disk is on tmpfs, not a disk" >&2; fi
microbench=$bin/owners_bench,$bin/io_bench,$bin/remove_tree_micro_bench
if [ $smoke = 1 ]; then
  settings=(--rounds 1 --count 200 --disk-count 200 --strace-counts "20,40" --callgrind-counts "20,40" --callgrind-peers named_temporary_file --tree-sizes "2x10,4x10"
    --tree-runs 1 --chain-depth 100
    --command-runs 4 --microbench "$microbench"
    "--microbench-args=--benchmark_min_time=0.001 --benchmark_filter=-(dirs:100/|depth:)")
  report=$work/benchmarks.md
  rerun="bench/compare.sh --smoke"
else
  settings=(--microbench "$microbench" "--microbench-args=--benchmark_min_time=0.2")
  report=$root/docs/benchmarks.md
  rerun="bench/compare.sh"
fi
python3 bench/compare.py --binaries "$work/binaries.json" --out "$work/results.json" --work "$work" \
  --disk "$disk" "${settings[@]}" "$@"
python3 bench/report.py "$work/results.json" "$report" --rerun "$rerun"
for png in create-destroy tree-removal; do
  [ -s "$(dirname "$report")/benchmarks/$png.png" ] || { echo "no plot $png.png" >&2; exit 1; }
done
echo "== report: $report"
