// SPDX-License-Identifier: MIT
#pragma once
// Counting system calls: the "no wasted syscalls" rule made testable. A test
// runs a DISABLED_ body of its own program under strace; the body marks the
// measured part with trace_begin()/trace_end(), and the caller gets the names
// of the calls made in between, in order.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace tempfile_test {

#ifdef _WIN32
// No strace on Windows: the budget tests skip, saying so.
inline void trace_begin() {}
inline void trace_end() {}
inline const char* why_calls_cannot_be_counted() {
    return "no strace on Windows";
}
inline std::vector<std::string> traced_calls(const std::string&) {
    throw std::runtime_error("no strace on Windows");
}
#else

// Calls that fail at once and stand out in strace's output.
inline void trace_begin() {
    (void)!::write(-1, "TRACE_BEGIN", 11);
}
inline void trace_end() {
    (void)!::write(-1, "TRACE_END", 9);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define TEMPFILE_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEMPFILE_TEST_SANITIZED 1
#endif

/// Why system calls cannot be counted here, or nullptr when they can:
/// strace is not part of every CI image, and sanitizers make calls of their
/// own (LeakSanitizer even refuses to run under ptrace).
inline const char* why_calls_cannot_be_counted() {
#ifdef TEMPFILE_TEST_SANITIZED
    return "a sanitizer build makes system calls of its own";
#else
    if (std::system("strace -o /dev/null true >/dev/null 2>&1") != 0) return "strace is not installed";
    return nullptr;
#endif
}

/// Runs the test `suite.DISABLED_name` of this program under strace and
/// returns the system calls it made between trace_begin() and trace_end().
inline std::vector<std::string> traced_calls(const std::string& disabled_test) {
    fs::path out = test_dir() / "strace.out";
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) throw std::runtime_error("no /proc/self/exe");
    self[n] = '\0';
    std::string command = "strace -o '" + out.string() + "' '" + self +
                          "' --gtest_also_run_disabled_tests --gtest_filter='" + disabled_test +
                          "' >/dev/null 2>&1";
    int status = std::system(command.c_str());
    std::vector<std::string> calls;
    std::ifstream in(out);
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        if (line.find("TRACE_BEGIN") != std::string::npos) {
            inside = true;
            continue;
        }
        if (line.find("TRACE_END") != std::string::npos) break;
        if (inside) calls.push_back(line.substr(0, line.find('(')));
    }
    in.close();
    fs::remove(out);
    if (status != 0) throw std::runtime_error("traced test failed: " + command);
    return calls;
}
#endif  // _WIN32

}  // namespace tempfile_test
