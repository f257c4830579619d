#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds tempfile (static or shared) with the default prefix, installs it with
# `cmake --install --prefix` somewhere else, moves that prefix, and then uses
# it as downstream projects would:
#   find_package (and its version check: 0.1, 0.2, 1.0), pkg-config from a
#   plain Makefile, Meson through pkg-config, the installed tempfile-run,
#   the three install components one by one;
# and embeds it: add_subdirectory for the static kind (the parent's install
# has nothing of ours), FetchContent for the shared kind; and (static)
# configures it without GoogleTest.
# The shared kind also installs into Debian's multiarch libdir
# (lib/<triplet>), so that tempfile.pc's climb to its prefix is checked there.
set -euo pipefail
kind=$1 # static | shared
work=$2 # a scratch directory of the caller's
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/ensure-packages.sh" cmake make pkg-config meson ninja-build >&2
shared=OFF libdir=lib
if [ "$kind" = shared ]; then shared=ON libdir=lib/$(gcc -dumpmachine); fi
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
prefix=$work/prefix
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
version=$(sed -nE 's/^project\(tempfile VERSION ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || fail "no project(tempfile VERSION ...) in CMakeLists.txt"
major_minor=${version%.*}

echo "-- build ($kind, libdir $libdir), install with --prefix, move the prefix"
cmake -S "$root" -B "$work/lib" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=$shared \
  -DCMAKE_INSTALL_LIBDIR="$libdir" -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF
cmake --build "$work/lib" -j"$(nproc)"
cmake --install "$work/lib" --prefix "$work/installed"
mv "$work/installed" "$prefix"
# Nothing installed may remember where it was installed, nor the build tree.
if grep -rl -e "$work/installed" -e "$work/lib" "$prefix"; then fail "the files above name the install or build path"; fi

echo "-- the installed tempfile-run runs from the moved prefix"
# shellcheck disable=SC2016 # $TMPDIR is the command's, set by tempfile-run
out=$(env -u LD_LIBRARY_PATH "$prefix/bin/tempfile-run" -- sh -c 'test -d "$TMPDIR" && echo ran')
[ "$out" = ran ] || fail "tempfile-run printed '$out'"
env -u LD_LIBRARY_PATH "$prefix/bin/tempfile-run" --version | grep -qF "$version" || fail "tempfile-run --version lacks $version"

echo "-- components"
for component in runtime development tool; do
  cmake --install "$work/lib" --prefix "$work/component-$component" --component "$component" >/dev/null
  : >"$work/component-$component.txt"
  if [ -d "$work/component-$component" ]; then
    (cd "$work/component-$component" && find . -type f -o -type l | sed 's|^\./||' | sort) >"$work/component-$component.txt"
  fi
done
expect_files() { # component, then extended regular expressions that together match every file
  local component=$1 list=$work/component-$1.txt
  shift
  local pattern
  pattern=$(printf '%s|' "$@")
  if grep -vxE "${pattern%|}" "$list"; then fail "$component has the files above"; fi
  for pattern in "$@"; do grep -qxE "$pattern" "$list" || fail "$component lacks $pattern"; done
}
lib_re=${libdir//./\\.}
if [ "$kind" = shared ]; then
  # A shared build also puts each .deb's copyright file (component installs only).
  copyright='share/doc/[a-z0-9.-]+/copyright'
  expect_files runtime "$lib_re/libtempfile\.so\.$major_minor\.[0-9]+" "$lib_re/libtempfile\.so\.$major_minor" "$copyright"
  expect_files development 'include/tempfile/[a-z_]+\.hpp' 'include/tempfile/version\.hpp' \
    "$lib_re/libtempfile\.so" "$lib_re/cmake/tempfile/tempfile[A-Za-z-]*\.cmake" "$lib_re/pkgconfig/tempfile\.pc" "$copyright"
  expect_files tool 'bin/tempfile-run' 'share/man/man1/tempfile-run\.1' "$copyright"
  # ... which a plain install leaves out.
  [ ! -d "$prefix/share/doc" ] || fail "a plain install put share/doc"
else
  [ ! -s "$work/component-runtime.txt" ] || fail "a static build's runtime component has files"
  expect_files development 'include/tempfile/[a-z_]+\.hpp' 'include/tempfile/version\.hpp' \
    "$lib_re/libtempfile\.a" "$lib_re/cmake/tempfile/tempfile[A-Za-z-]*\.cmake" "$lib_re/pkgconfig/tempfile\.pc"
  expect_files tool 'bin/tempfile-run' 'share/man/man1/tempfile-run\.1'
fi

echo "-- find_package"
cmake -S "$root/tests/consumers/find_package" -B "$work/find_package" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/find_package"
"$work/find_package/consumer"
for request in 0.1 0.2 1.0; do
  echo "-- find_package(tempfile $request) against $version"
  if cmake -S "$root/tests/consumers/find_package" -B "$work/find_package-$request" \
    -DCMAKE_PREFIX_PATH="$prefix" -DTEMPFILE_REQUEST=$request >"$work/find_package-$request.log" 2>&1; then
    [ "$request" = "$major_minor" ] || fail "find_package(tempfile $request) accepted $version"
    cmake --build "$work/find_package-$request"
    "$work/find_package-$request/consumer"
  else
    [ "$request" != "$major_minor" ] || { cat "$work/find_package-$request.log"; fail "find_package(tempfile $request) refused $version"; }
    grep -q 'but it set tempfile_VERSION\|not compatible\|version: '"$version" "$work/find_package-$request.log" ||
      { cat "$work/find_package-$request.log"; fail "find_package(tempfile $request) failed for another reason"; }
  fi
done

echo "-- pkg-config (Makefile)"
pcdir=$prefix/$libdir/pkgconfig
[ "$(PKG_CONFIG_PATH=$pcdir pkg-config --modversion tempfile)" = "$version" ] || fail "tempfile.pc's Version is not $version"
case "$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags tempfile)" in
  *"-I$prefix/"*) ;;
  *) fail "pkg-config --cflags does not point into $prefix" ;;
esac
mkdir -p "$work/pkgconfig"
PKG_CONFIG_PATH=$pcdir make -C "$work/pkgconfig" -f "$root/tests/consumers/pkgconfig/Makefile" \
  SRC="$root/tests/consumers/main.cpp" consumer
"$work/pkgconfig/consumer"

echo "-- Meson (pkg-config)"
PKG_CONFIG_PATH=$pcdir meson setup "$work/meson" "$root/tests/consumers/meson" >"$work/meson-setup.log" ||
  { cat "$work/meson-setup.log"; fail "meson setup"; }
meson compile -C "$work/meson"
LD_LIBRARY_PATH=$prefix/$libdir "$work/meson/consumer"

# Embedding builds the library once more: the static kind embeds it with
# add_subdirectory, the shared kind with FetchContent (both go through the
# same top-level-project switch), to keep CI short.
if [ "$kind" = static ]; then
  echo "-- add_subdirectory (the parent installs nothing of ours)"
  cmake -S "$root/tests/consumers/add_subdirectory" -B "$work/add_subdirectory" -DTEMPFILE_SOURCE_DIR="$root" \
    -DBUILD_SHARED_LIBS=$shared -DCMAKE_INSTALL_PREFIX="$work/parent-prefix" >/dev/null
  cmake --build "$work/add_subdirectory" -j"$(nproc)"
  "$work/add_subdirectory/consumer"
  # A subproject builds the library only: no tool, no tests, no examples.
  for target in tempfile-run version_test example_spooled_buffer; do
    if cmake --build "$work/add_subdirectory" --target "$target" >/dev/null 2>&1; then fail "the subproject has a target $target"; fi
  done
  cmake --install "$work/add_subdirectory" >/dev/null
  installed=$(cd "$work/parent-prefix" && find . -type f -o -type l | sort | tr '\n' ' ')
  [ "$installed" = "./bin/consumer " ] || fail "the parent's install put: $installed"
  # Nor does it choose the parent's build type.
  grep -qx 'CMAKE_BUILD_TYPE:STRING=' "$work/add_subdirectory/CMakeCache.txt" || fail "the subproject set the parent's build type"
else
  echo "-- FetchContent"
  cmake -S "$root/tests/consumers/fetchcontent" -B "$work/fetchcontent" -DFETCHCONTENT_SOURCE_DIR_TEMPFILE="$root" \
    -DBUILD_SHARED_LIBS=$shared >/dev/null
  cmake --build "$work/fetchcontent" -j"$(nproc)"
  "$work/fetchcontent/consumer"
fi

if [ "$kind" = static ]; then
  echo "-- without GoogleTest, with no build type: configures, says so, builds Release"
  cmake -S "$root" -B "$work/no-gtest" -DTEMPFILE_BUILD_TESTS=ON -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON \
    -DTEMPFILE_GTEST_SOURCE_DIR="$work/no-such-dir" >"$work/no-gtest.log" 2>&1 ||
    { cat "$work/no-gtest.log"; fail "configuring without GoogleTest failed"; }
  grep -q 'GoogleTest not found' "$work/no-gtest.log" || fail "configuring without GoogleTest said nothing"
  grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$work/no-gtest/CMakeCache.txt" || fail "no default Release build type"
fi
embedded=FetchContent
[ "$kind" = static ] && embedded=add_subdirectory
echo "consumers ($kind): find_package and its versions, pkg-config, Meson, the tool, components, $embedded all work"
