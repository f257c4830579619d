// SPDX-License-Identifier: MIT
#pragma once
// The test harness: every test runs in its own private directory (also
// $TMPDIR, $TEMP, $TMP and set_tempdir()), and the test program fails if a
// test leaves a file there or an open descriptor behind.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#ifndef _WIN32
#include <sys/types.h>
#endif

namespace tempfile_test {
namespace fs = std::filesystem;

/// The running test's private directory (absolute, mode 0711, owned by root
/// when run as root: others may pass through, not list).
const fs::path& test_dir();

/// Names of the entries directly in `dir`, sorted.
std::vector<std::string> list_dir(const fs::path& dir);

/// Writes `content` to `path` (created or truncated), throws on failure.
void write_text(const fs::path& path, const std::string& content);
/// Makes an empty file at `path` (created or truncated), throws on failure.
/// On Linux one mknod call, so that trees of 100,000 files build quickly.
void touch(const fs::path& path);
/// The whole content of `path`, throws on failure.
std::string read_text(const fs::path& path);
/// `before`, a NUL character, then `after`: a path that the OS would read
/// only up to the NUL, and so act on another one.
fs::path path_with_nul(const fs::path& before, const fs::path& after = "/elsewhere");

/// In a coverage build (TEMPFILE_TEST_COVERAGE), writes this process's
/// coverage data now: a process that dies of a signal or leaves through
/// _Exit writes none. Otherwise does nothing.
void flush_coverage() noexcept;

#ifndef _WIN32
/// Runs `body` in a fork()ed child and returns its exit status (0..255), or
/// 128+N if the child died from signal N. The child's exceptions count as 99.
/// In a coverage build the child writes its coverage data before it ends:
/// before _Exit, and, for SIGINT, SIGTERM and SIGHUP, from a handler
/// installed first, which enable_signal_cleanup()'s handler calls after its
/// cleanup and which then dies of the signal as the default action would.
int run_in_child(const std::function<int()>& body);
/// Waits for the child `pid` until `deadline`: its status as run_in_child
/// gives it, or -1 if it was still running then and had to be killed (a
/// guard that keeps a hang from hanging the suite, not a timing assertion).
int wait_or_kill(pid_t pid, std::chrono::steady_clock::time_point deadline);
/// As run_in_child, but the child first drops to uid/gid 65534 (nobody), so
/// that permission checks hold even when the suite runs as root. (Linux
/// coverage builds keep root as the saved user ID, and use it only to write
/// the coverage data as the child ends.)
int run_as_nobody(const std::function<int()>& body);
/// A fresh directory inside test_dir() owned by 65534, mode 0700, for
/// run_as_nobody bodies to work in.
fs::path make_dir_for_nobody(const std::string& name);
/// Runs `body` in a fork()ed child: the child first limits the size of the
/// files it writes to `max_file_size` bytes (RLIMIT_FSIZE) with SIGXFSZ
/// ignored, so that a write past it fails with EFBIG, as on a full disk.
/// The parent's limits are untouched.
int run_with_file_size_limit(unsigned long max_file_size, const std::function<int()>& body);
/// For a child only: lowers RLIMIT_NOFILE to 64 and opens /dev/null until
/// EMFILE, so that the next open fails with EMFILE. True if it got there.
bool use_up_descriptors();
#endif

#ifdef __linux__
/// The status run_on_private_tmpfs returns when this system cannot give a
/// child its own mount namespace (no CAP_SYS_ADMIN): the caller skips.
constexpr int no_private_mounts = 77;
/// Runs `body` in a fork()ed child that has its own mount namespace, with a
/// fresh tmpfs mounted on `mount_point` (an existing directory) with the
/// mount(2) data `options` ("size=64k", "nr_inodes=4", "ro"...). Nobody else
/// ever sees the mount; it goes with the child. Returns as run_in_child.
int run_on_private_tmpfs(const fs::path& mount_point, const std::string& options,
                         const std::function<int()>& body);
/// Writes zeros to `path` until the file system says ENOSPC; true if it did.
bool fill_until_full(const fs::path& path);
#endif

}  // namespace tempfile_test
