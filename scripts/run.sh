#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: build the library, the examples and tempfile-run (Release),
# then run every example and tempfile-run on a real command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh g++ cmake make pkg-config
build=${BUILD_DIR:-build/release}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" -j"$(nproc)"

for example in first_program pipeline_scratch_dir handoff_named_file atomic_config_save spooled_buffer \
               unix_socket_in_temporary_directory; do
  echo "== example: $example"
  "$build/examples/example_$example"
done

if [ -x "$build/tools/tempfile-run" ]; then
  echo "== tempfile-run: a shell script gets a private scratch directory"
  "$build/tools/tempfile-run" -- sh -c 'echo "scratch: $TMPDIR"; ls -ld "$TMPDIR"; date > "$TMPDIR/stamp"; mkdir "$TMPDIR/sub"; ls "$TMPDIR"'
  echo "== tempfile-run: {} is replaced by a temporary file's path"
  "$build/tools/tempfile-run" --file --suffix .txt -- sh -c 'echo hello > "$1"; cat "$1"; ls -l "$1"' sh {}
fi
echo "== main job done"
