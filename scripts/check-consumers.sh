#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds tempfile (static or shared), installs it into a private prefix, then
# builds and runs the consumer projects of tests/consumers/ each way:
# find_package after install, add_subdirectory, FetchContent, pkg-config.
set -euo pipefail
kind=$1        # static | shared
work=$2        # a scratch directory of the caller's
root=$(cd "$(dirname "$0")/.." && pwd)
shared=OFF; [ "$kind" = shared ] && shared=ON
rm -rf "$work"; mkdir -p "$work"
prefix=$work/prefix

cmake -S "$root" -B "$work/lib" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=$shared \
  -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX="$prefix"
cmake --build "$work/lib" -j"$(nproc)"
cmake --install "$work/lib"

echo "-- find_package"
cmake -S "$root/tests/consumers/find_package" -B "$work/find_package" -DCMAKE_PREFIX_PATH="$prefix"
cmake --build "$work/find_package"
"$work/find_package/consumer"

for how in add_subdirectory fetchcontent; do
  echo "-- $how"
  cmake -S "$root/tests/consumers/$how" -B "$work/$how" -DTEMPFILE_SOURCE_DIR="$root" \
    -DFETCHCONTENT_SOURCE_DIR_TEMPFILE="$root" -DBUILD_SHARED_LIBS=$shared
  cmake --build "$work/$how" -j"$(nproc)"
  "$work/$how/consumer"
done

echo "-- pkg-config"
mkdir -p "$work/pkgconfig"
PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name tempfile.pc | head -n 1)") \
  make -C "$work/pkgconfig" -f "$root/tests/consumers/pkgconfig/Makefile" SRC="$root/tests/consumers/main.cpp" consumer
"$work/pkgconfig/consumer"
echo "consumers ($kind): all four ways work"
