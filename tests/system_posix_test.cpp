// SPDX-License-Identifier: MIT
// src/posix/system_posix.cpp beyond the seam: fork detection without
// pthread_atfork (a raw clone system call), and the trimming of macOS's
// per-user temporary directory.
#ifndef _WIN32
#include "posix/system_posix.hpp"
#include "harness.hpp"
#include "os.hpp"

#include <tempfile/named_temporary_file.hpp>

#include <gtest/gtest.h>

#include <csignal>

#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

namespace {
namespace fs = std::filesystem;
namespace os = tempfile::detail::os;

TEST(DirectoryPath, TrailingSlashesAreTrimmedAsForTmpdir) {
    EXPECT_EQ(os::directory_path("/var/folders/xy/abc/T/"), fs::path("/var/folders/xy/abc/T"));
    EXPECT_EQ(os::directory_path("/var/folders/xy/abc/T//"), fs::path("/var/folders/xy/abc/T"));
    EXPECT_EQ(os::directory_path("/tmp"), fs::path("/tmp"));
    EXPECT_EQ(os::directory_path("/"), fs::path("/"));
}

#ifdef __linux__
// A child made by the clone system call itself: glibc's fork() and its
// pthread_atfork handlers never run. Returns the child's exit status.
int raw_fork_child(int (*body)()) {
    long pid = ::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) ::_exit(body());
    if (pid < 0) return -1;
    int status = 0;
    if (::waitpid(static_cast<pid_t>(pid), &status, 0) != static_cast<pid_t>(pid)) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

[[maybe_unused]] std::uint64_t parent_generation = 0;  // unused in the portable build

TEST(ForkGeneration, ChangesInAChildOfARawCloneSystemCall) {
#if TEMPFILE_TEST_PORTABLE_POSIX
    EXPECT_FALSE(os::detects_fork_without_handlers()) << "the portable build has pthread_atfork only";
    GTEST_SKIP() << "portable POSIX build: MADV_WIPEONFORK is a Linux path (MAP_INHERIT_ZERO is BSD's)";
#else
    ASSERT_TRUE(os::detects_fork_without_handlers()) << "MADV_WIPEONFORK needs Linux 4.14";
    parent_generation = os::fork_generation();
    EXPECT_EQ(raw_fork_child([] { return os::fork_generation() != parent_generation ? 0 : 1; }), 0);
    EXPECT_EQ(os::fork_generation(), parent_generation) << "the parent's generation stays";
    EXPECT_EQ(raw_fork_child([] {
                  std::uint64_t first = os::fork_generation();
                  return first != parent_generation && os::fork_generation() == first ? 0 : 1;
              }),
              0)
        << "counted once in the child";
#endif
}

tempfile::named_temporary_file* shared_file = nullptr;

TEST(ForkGeneration, OwnerDestroyedInARawCloneChildDeletesNothing) {
    if (!os::detects_fork_without_handlers())
        GTEST_SKIP() << "this build detects fork() through pthread_atfork only";
    tempfile::named_temporary_file f;
    shared_file = &f;
    EXPECT_EQ(raw_fork_child([] {
                  shared_file->~named_temporary_file();
                  return 0;
              }),
              0);
    EXPECT_TRUE(fs::exists(f.path())) << "the child deleted its parent's file";
}
#endif  // __linux__

}  // namespace
#endif  // _WIN32
