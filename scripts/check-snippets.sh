#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every ```cpp block of README.md and docs/*.md compiles, links against the
# installed library and runs (scripts/snippets.py says how a block is wrapped
# and how a block opts out, with its reason).
# The library alone is built once (static, -O0 without debug information,
# the quickest build; incrementally on later runs), installed into
# WORK/prefix, and each block is
# compiled exactly as README.md says a program is:
#   c++ -std=c++17 app.cpp $(pkg-config --cflags --libs tempfile)
# with -Wall -Wextra -Werror. Each block runs in a fresh working directory
# with TMPDIR a fresh directory, must exit with status 0, and must leave that
# TMPDIR empty (every owner cleaned up).
set -euo pipefail
work=${1:?usage: check-snippets.sh SCRATCH-DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/ensure-packages.sh" g++ cmake make pkg-config python3 >&2
mkdir -p "$work"
work=$(cd "$work" && pwd)
jobs=${JOBS:-$(nproc)}

rm -rf "$work/snippets" "$work/run"
# SNIPPETS_PREFIX: an installed (static) library to use as it is, such as
# the one scripts/check-consumers.sh installed; else one is built here.
if [ -n "${SNIPPETS_PREFIX:-}" ] && [ -f "$SNIPPETS_PREFIX/lib/pkgconfig/tempfile.pc" ]; then
  export PKG_CONFIG_PATH=$SNIPPETS_PREFIX/lib/pkgconfig
  echo "snippets: against the library installed in $SNIPPETS_PREFIX"
else
  cmake -S "$root" -B "$work/lib" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG= -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF \
    -DTEMPFILE_BUILD_TOOLS=OFF -DTEMPFILE_INSTALL=ON >"$work/configure.log"
  cmake --build "$work/lib" -j"$jobs" >"$work/build.log" || { tail -n 40 "$work/build.log"; exit 1; }
  rm -rf "$work/prefix"
  cmake --install "$work/lib" --prefix "$work/prefix" >/dev/null
  export PKG_CONFIG_PATH=$work/prefix/lib/pkgconfig
fi
flags=$(pkg-config --cflags --libs tempfile)

cd "$root"
python3 scripts/snippets.py "$root" "$work/snippets" README.md docs/*.md

# compile ENTRY: one manifest line; prints nothing on success.
compile() {
  local where file std run kind extra=()
  IFS=$'\t' read -r where file std run kind <<<"$1"
  [ "$file" = - ] && return 0
  # A fragment may leave a variable unused, or show a deprecated call.
  [ "$kind" = fragment ] && extra=(-Wno-unused -Wno-deprecated-declarations)
  # shellcheck disable=SC2086
  if ! c++ -std="$std" -Wall -Wextra -Werror "${extra[@]}" "$work/snippets/$file" $flags \
    -o "$work/snippets/${file%.cpp}" 2>"$work/snippets/${file%.cpp}.log"; then
    echo "FAIL: $where ($kind, $std) does not compile:"
    head -n 30 "$work/snippets/${file%.cpp}.log"
    return 1
  fi
}
export -f compile
export work flags

status=0
cut -f1-5 "$work/snippets/manifest.tsv" | tr '\n' '\0' |
  xargs -0 -P"$jobs" -I{} bash -c 'compile "$1"' _ {} || status=1

ran=0 compiled=0 skipped=0
while IFS=$'\t' read -r where file std run kind; do
  if [ "$file" = - ]; then
    echo "skipped: $where ($kind)"
    skipped=$((skipped + 1))
    continue
  fi
  compiled=$((compiled + 1))
  [ -x "$work/snippets/${file%.cpp}" ] || continue
  [ "$run" = run ] || { echo "compile-only: $where"; continue; }
  dir=$work/run/${file%.cpp}
  mkdir -p "$dir/cwd" "$dir/tmp"
  rc=0
  (cd "$dir/cwd" && TMPDIR=$dir/tmp timeout 60 "$work/snippets/${file%.cpp}") >"$dir/out.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: $where ($kind) exited with status $rc when run:"
    tail -n 20 "$dir/out.log"
    status=1
  elif [ -n "$(ls -A "$dir/tmp")" ]; then
    echo "FAIL: $where ($kind) left in its TMPDIR: $(ls -A "$dir/tmp" | tr '\n' ' ')"
    status=1
  fi
  ran=$((ran + 1))
done <"$work/snippets/manifest.tsv"
echo "snippets: $compiled compiled, $ran run, $skipped skipped"
exit $status
