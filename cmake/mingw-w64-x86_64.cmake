# SPDX-License-Identifier: MIT
# Cross-compiling for 64-bit Windows with Debian's mingw-w64, tests run under Wine:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
# The -posix compilers, not the default win32 thread model: without them
# there is no std::mutex or std::thread, and GoogleTest does not build.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(TEMPFILE_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${TEMPFILE_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${TEMPFILE_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${TEMPFILE_MINGW_TRIPLE}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${TEMPFILE_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest and gtest_discover_tests run the executables through Wine.
find_program(TEMPFILE_WINE NAMES wine wine64)
if(TEMPFILE_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${TEMPFILE_WINE})
endif()
