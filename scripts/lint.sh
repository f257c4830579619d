#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lint.sh CHECK [WORKDIR]: one of the lint gates, failing on any finding.
#   format    clang-format --dry-run -Werror (the checked-in .clang-format)
#             over every C++ source and header in git
#   spdx      every source, header, script and CMake file in git starts with
#             an SPDX-License-Identifier line (the first two lines, after a shebang)
#   tidy      clang-tidy (the checked-in .clang-tidy) over src/, src/posix/
#             and tools/ (the POSIX sources), warnings as errors
#   cppcheck  cppcheck over src/ and tools/, any warning an error;
#             suppressions, each with its reason, in .cppcheck-suppressions
# WORKDIR: where tidy and cppcheck keep a compile database (default build/lint).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
check=${1:?usage: lint.sh format|spdx|tidy|cppcheck [WORKDIR]}
work=${2:-$root/build/lint}

# The POSIX sources of the library and the tool: what Linux CI compiles.
posix_sources() {
  git ls-files -- ':(glob)src/*.cpp' ':(glob)src/posix/*.cpp' ':(glob)tools/*.cpp' | grep -v '_windows\.cpp$'
}

# A compile database for the POSIX build, made by configuring only.
compile_database() {
  cmake -S "$root" -B "$work" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_CXX_COMPILER=clang++ \
    -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF >"$work.configure.log" 2>&1 ||
    { cat "$work.configure.log"; exit 1; }
}

case $check in
  format)
    files=$(git ls-files '*.cpp' '*.hpp' '*.h')
    echo "clang-format $(clang-format --version | grep -Eo '[0-9]+\.[0-9.]+' | head -n 1): $(wc -w <<<"$files") files"
    # shellcheck disable=SC2086
    clang-format --dry-run -Werror $files
    ;;
  spdx)
    missing=0
    while IFS= read -r f; do
      if ! head -n 2 "$f" | grep -q 'SPDX-License-Identifier: MIT'; then
        echo "no SPDX line: $f"; missing=1
      fi
    done < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.sh' '*.cmake' '*.py' '*.in' 'CMakeLists.txt' '*/CMakeLists.txt' \
               '.ci/*' 'scripts/*' | sort -u)
    [ $missing -eq 0 ] && echo "every source, header, script and CMake file has its SPDX line"
    exit $missing
    ;;
  tidy)
    compile_database
    echo "clang-tidy $(clang-tidy --version | grep -Eo '[0-9]+\.[0-9.]+' | head -n 1): $(posix_sources | wc -l) files"
    # One process per file, two at a time; any finding is an error.
    posix_sources | xargs -P "${JOBS:-$(nproc)}" -n 1 \
      clang-tidy -p "$work" --quiet --warnings-as-errors='*' 2>&1 | grep -v -E '^[0-9]+ warnings? generated\.$'
    exit "${PIPESTATUS[1]}"
    ;;
  cppcheck)
    compile_database
    mkdir -p "$work/cppcheck-cache"
    cppcheck --version
    # shellcheck disable=SC2046
    cppcheck --std=c++17 --language=c++ --enable=warning,performance,portability --inline-suppr \
      --suppressions-list="$root/.cppcheck-suppressions" --error-exitcode=1 --quiet \
      --cppcheck-build-dir="$work/cppcheck-cache" -j "${JOBS:-$(nproc)}" \
      -D__linux__ -DTEMPFILE_LINUX=1 -I include -I src -I tools $(posix_sources)
    ;;
  *) echo "lint.sh: unknown check '$check'" >&2; exit 2 ;;
esac
