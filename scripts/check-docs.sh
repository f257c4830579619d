#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The API reference builds with zero Doxygen warnings (WARN_AS_ERROR): every
# public declaration documented, every link of the README and docs/ resolved.
# Runs the `docs` target (cmake/docs.cmake) in a scratch build; compiles nothing.
set -euo pipefail
work=${1:?usage: check-docs.sh SCRATCH-DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/ensure-packages.sh" cmake make doxygen python3 >&2
rm -rf "$work"
mkdir -p "$work"
cmake -S "$root" -B "$work" -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF -DTEMPFILE_BUILD_TOOLS=OFF >/dev/null
if ! cmake --build "$work" --target docs; then
  echo "FAIL: Doxygen warnings ($work/docs/warnings.log):" >&2
  sed "s|$root/||" "$work/docs/warnings.log" >&2
  exit 1
fi
[ ! -s "$work/docs/warnings.log" ] || { cat "$work/docs/warnings.log" >&2; exit 1; }
[ -f "$work/docs/html/index.html" ] || { echo "FAIL: no index.html" >&2; exit 1; }
echo "docs: $(find "$work/docs/html" -name '*.html' | wc -l) pages, no warning"
