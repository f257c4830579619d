#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the three .debs with CPack (cmake/package.cmake), checks their
# control fields and contents (dpkg-deb -I / -c), extracts them with dpkg -x
# into a scratch root (nothing is installed on this machine), and builds and
# runs the consumer projects against that root: find_package and pkg-config,
# and the extracted tempfile-run.
set -euo pipefail
work=${1:?usage: check-deb.sh SCRATCH-DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/ensure-packages.sh" cmake make g++ pkg-config dpkg-dev >&2
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
version=$(sed -nE 's/^project\(tempfile VERSION ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' "$root/CMakeLists.txt")
major=${version%%.*}
major_minor=${version%.*}
soversion=$major_minor
[ "$major" = 0 ] || soversion=$major
runtime=libtempfile$soversion
arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

echo "-- build the packages ($runtime, libtempfile-dev, tempfile-run $version)"
cmake -S "$root" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DCMAKE_INSTALL_PREFIX=/usr \
  -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$work/build" -j"$(nproc)"
(cd "$work/build" && cpack -G DEB) >"$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log"
  fail "cpack"
}
deb() { echo "$work/build/${1}_$version-1_$arch.deb"; }
for package in "$runtime" libtempfile-dev tempfile-run; do
  [ -f "$(deb "$package")" ] || fail "no $(deb "$package"); cpack made: $(ls "$work/build"/*.deb)"
done

field() { dpkg-deb -f "$(deb "$1")" "$2"; }
contents() { dpkg-deb -c "$(deb "$1")" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' | sort; }
echo "-- control fields"
for package in "$runtime" libtempfile-dev tempfile-run; do
  dpkg-deb -I "$(deb "$package")" >"$work/$package.info"
  [ "$(field "$package" Package)" = "$package" ] || fail "$package: Package is $(field "$package" Package)"
  [ "$(field "$package" Version)" = "$version-1" ] || fail "$package: Version is $(field "$package" Version)"
  [ "$(field "$package" Architecture)" = "$arch" ] || fail "$package: Architecture is $(field "$package" Architecture)"
done
depends_on() { # package, a regular expression one of its Depends must match whole
  field "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep -qxE "$2" ||
    fail "$1: Depends '$(field "$1" Depends)' lacks $2"
}
# The library needs the C and C++ runtimes (from dpkg-shlibdeps), the other
# two exactly this build of the library.
depends_on "$runtime" 'libc6 \(>= [0-9.~-]+\)'
depends_on "$runtime" 'libstdc\+\+6 \(>= [0-9.~-]+\)'
depends_on libtempfile-dev "$runtime \(= $version-1\)"
depends_on tempfile-run "$runtime \(= $version-1\)"
depends_on tempfile-run 'libc6 \(>= [0-9.~-]+\)'
[ "$(field "$runtime" Section)" = libs ] || fail "$runtime: Section is not libs"
[ "$(field libtempfile-dev Section)" = libdevel ] || fail "libtempfile-dev: Section is not libdevel"
dpkg-deb -I "$(deb "$runtime")" shlibs | grep -qxE "libtempfile $soversion $runtime \(>= $version(-1)?\)" ||
  fail "$runtime: shlibs is '$(dpkg-deb -I "$(deb "$runtime")" shlibs)'"

echo "-- contents"
expect_contents() { # package, then extended regular expressions that together match every file
  local package=$1 list=$work/$1.contents
  shift
  contents "$package" >"$list"
  local pattern
  pattern=$(printf '%s|' "$@")
  if grep -vxE "${pattern%|}" "$list"; then fail "$package has the files above"; fi
  for pattern in "$@"; do grep -qxE "$pattern" "$list" || fail "$package lacks $pattern"; done
}
lib=/usr/lib/$triplet
expect_contents "$runtime" "$lib/libtempfile\.so\.$major_minor\.[0-9]+" "$lib/libtempfile\.so\.$soversion" \
  '/usr/share/doc/[a-z0-9.-]+/copyright'
expect_contents libtempfile-dev '/usr/include/tempfile/[a-z_]+\.hpp' '/usr/include/tempfile/version\.hpp' \
  "$lib/libtempfile\.so" "$lib/cmake/tempfile/tempfile[A-Za-z-]*\.cmake" "$lib/pkgconfig/tempfile\.pc" \
  '/usr/share/doc/[a-z0-9.-]+/copyright'
expect_contents tempfile-run /usr/bin/tempfile-run /usr/share/man/man1/tempfile-run\.1 \
  '/usr/share/doc/[a-z0-9.-]+/copyright'

echo "-- extract into a scratch root"
sysroot=$work/root
for package in "$runtime" libtempfile-dev tempfile-run; do dpkg -x "$(deb "$package")" "$sysroot"; done

echo "-- the extracted tempfile-run runs (its RPATH finds the extracted library)"
# shellcheck disable=SC2016 # $TMPDIR is the command's, set by tempfile-run
out=$(env -u LD_LIBRARY_PATH "$sysroot/usr/bin/tempfile-run" -- sh -c 'test -d "$TMPDIR" && echo ran')
[ "$out" = ran ] || fail "tempfile-run printed '$out'"

echo "-- find_package against the extracted root"
cmake -S "$root/tests/consumers/find_package" -B "$work/find_package" -DCMAKE_PREFIX_PATH="$sysroot/usr" \
  -DTEMPFILE_REQUEST="$major_minor" >/dev/null
cmake --build "$work/find_package"
LD_LIBRARY_PATH=$sysroot$lib "$work/find_package/consumer"
# It must have used the extracted headers and library, not anything installed here.
grep -q "$sysroot/usr/lib/$triplet/cmake/tempfile" "$work/find_package/CMakeCache.txt" ||
  fail "find_package did not use the extracted package"

echo "-- pkg-config against the extracted root"
pcdir=$sysroot$lib/pkgconfig
[ "$(PKG_CONFIG_PATH=$pcdir pkg-config --modversion tempfile)" = "$version" ] || fail "tempfile.pc's Version"
case "$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags tempfile)" in
  *"$sysroot"*) ;;
  *) fail "pkg-config --cflags does not point into the extracted root" ;;
esac
mkdir -p "$work/pkgconfig"
PKG_CONFIG_PATH=$pcdir make -C "$work/pkgconfig" -f "$root/tests/consumers/pkgconfig/Makefile" \
  SRC="$root/tests/consumers/main.cpp" consumer
"$work/pkgconfig/consumer"
echo "deb: $runtime, libtempfile-dev, tempfile-run $version-1 built, checked, extracted and used"
