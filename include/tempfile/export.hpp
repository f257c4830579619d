// SPDX-License-Identifier: MIT
#pragma once
/// TEMPFILE_API marks what a shared build exports. Static builds and the
/// ELF default visibility need nothing; a Windows DLL needs dllexport while
/// it is built and dllimport where it is used. The build defines
/// TEMPFILE_SHARED (consumers of a DLL get it from the CMake target or
/// tempfile.pc) and TEMPFILE_BUILDING (only while building the library).
#if defined(_WIN32) && defined(TEMPFILE_SHARED)
#if defined(TEMPFILE_BUILDING)
#define TEMPFILE_API __declspec(dllexport)
#else
#define TEMPFILE_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && defined(TEMPFILE_SHARED)
#define TEMPFILE_API __attribute__((visibility("default")))
#else
#define TEMPFILE_API
#endif
