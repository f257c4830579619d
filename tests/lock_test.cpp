// SPDX-License-Identifier: MIT
// The owners' lock, options.lock (src/posix/lock_posix.cpp and the owners'
// use of it): a shared BSD lock that another open file description cannot
// take exclusively while the owner lives, also after close(); keep() and
// persist() take it away; a fork()ed child's end leaves the parent's; and
// what it costs, counted under strace.
#ifndef _WIN32
#include "harness.hpp"
#include "syscall_trace.hpp"

#include <tempfile/named_temporary_file.hpp>
#include <tempfile/temporary_directory.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using tempfile::directory_options;
using tempfile::named_file_options;
using tempfile::named_temporary_file;
using tempfile::temporary_directory;
using tempfile_test::list_dir;
using tempfile_test::test_dir;

directory_options locked_directory() {
    directory_options o;
    o.lock = true;
    return o;
}

named_file_options locked_file(bool delete_on_close = true) {
    named_file_options o;
    o.lock = true;
    o.delete_on_close = delete_on_close;
    return o;
}

enum class probe { free, held, cannot_open };

/// What a reaper would find: an exclusive lock, not waiting, on a new open
/// file description of `p` (released at once).
probe exclusive_lock_of(const fs::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return probe::cannot_open;
    const int rc = ::flock(fd, LOCK_EX | LOCK_NB);
    const int err = errno;
    ::close(fd);
    return rc == 0 ? probe::free : err == EWOULDBLOCK ? probe::held : probe::cannot_open;
}

TEST(OwnerLock, ADirectoryIsLockedUntilItsOwnersEndAndSharedLocksStillPass) {
    fs::path p;
    {
        temporary_directory d(locked_directory());
        p = d.path();
        EXPECT_EQ(exclusive_lock_of(p), probe::held);
        const int fd = ::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        EXPECT_EQ(::flock(fd, LOCK_SH | LOCK_NB), 0) << "systemd-tmpfiles and readers may share it";
        ::close(fd);
    }
    EXPECT_FALSE(fs::exists(p));
}

TEST(OwnerLock, WithoutLockNothingIsLocked) {
    temporary_directory d;
    named_temporary_file f;
    EXPECT_EQ(exclusive_lock_of(d.path()), probe::free);
    EXPECT_EQ(exclusive_lock_of(f.path()), probe::free);
}

TEST(OwnerLock, AFileIsLockedWhileOpenAndDeletedOnClose) {
    named_temporary_file f(locked_file());
    EXPECT_EQ(exclusive_lock_of(f.path()), probe::held);
    const fs::path p = f.path();
    f.close();
    EXPECT_FALSE(fs::exists(p));
}

TEST(OwnerLock, AFileKeptAfterCloseStaysLockedUntilItsOwnersEnd) {
    fs::path p;
    {
        named_temporary_file f(locked_file(false));
        p = f.path();
        f.write("x");
        f.close();
        ASSERT_TRUE(fs::exists(p));
        EXPECT_EQ(exclusive_lock_of(p), probe::held) << "the lock outlives the user's handle";
    }
    EXPECT_FALSE(fs::exists(p));
}

TEST(OwnerLock, OptionsKeepLocksUntilTheOwnersEndThenLeavesItUnlocked) {
    named_file_options fo = locked_file();
    fo.keep = true;
    directory_options dopt = locked_directory();
    dopt.keep = true;
    fs::path file_path, dir_path;
    {
        named_temporary_file f(fo);
        temporary_directory d(dopt);
        file_path = f.path();
        dir_path = d.path();
        f.close();
        EXPECT_EQ(exclusive_lock_of(file_path), probe::held);
        EXPECT_EQ(exclusive_lock_of(dir_path), probe::held);
    }
    EXPECT_EQ(exclusive_lock_of(file_path), probe::free);
    EXPECT_EQ(exclusive_lock_of(dir_path), probe::free);
    fs::remove(file_path);
    fs::remove(dir_path);
}

TEST(OwnerLock, KeepTakesTheLockAway) {
    temporary_directory d(locked_directory());
    named_temporary_file open_file(locked_file());
    named_temporary_file closed_file(locked_file(false));
    closed_file.close();
    const fs::path dir_path = d.keep();
    const fs::path open_path = open_file.keep();
    const fs::path closed_path = closed_file.keep();
    EXPECT_EQ(exclusive_lock_of(dir_path), probe::free);
    EXPECT_EQ(exclusive_lock_of(open_path), probe::free);
    EXPECT_EQ(exclusive_lock_of(closed_path), probe::free);
    fs::remove(dir_path);
    fs::remove(open_path);
    fs::remove(closed_path);
}

TEST(OwnerLock, PersistTakesTheLockAwayAndAFailedOneKeepsIt) {
    named_temporary_file f(locked_file());
    const fs::path taken = test_dir() / "taken";
    tempfile_test::write_text(taken, "x");
    std::error_code ec;
    f.persist(taken, false, ec);
    EXPECT_EQ(ec, std::errc::file_exists);
    EXPECT_EQ(exclusive_lock_of(f.path()), probe::held) << "still a temporary: still locked";
    const fs::path target = test_dir() / "kept";
    f.persist(target);
    EXPECT_EQ(exclusive_lock_of(target), probe::free);
    f.close();
    fs::remove(target);
    fs::remove(taken);
}

TEST(OwnerLock, AForkedChildsEndLeavesTheParentsLock) {
    temporary_directory d(locked_directory());
    named_temporary_file f(locked_file(false));
    f.close();
    const int status = tempfile_test::run_in_child([&] {
        // The child's copies end here: they close their descriptors only.
        { temporary_directory gone = std::move(d); }
        { named_temporary_file gone = std::move(f); }
        return 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(exclusive_lock_of(d.path()), probe::held);
    EXPECT_EQ(exclusive_lock_of(f.path()), probe::held);
}

TEST(OwnerLock, AKilledOwnersLockIsGone) {
    const fs::path dir = test_dir() / "area";
    fs::create_directory(dir);
    const int status = tempfile_test::run_in_child([&] {
        directory_options o = locked_directory();
        o.dir = dir;
        temporary_directory d(o);
        if (exclusive_lock_of(d.path()) != probe::held) return 1;
        ::kill(::getpid(), SIGKILL);
        return 2;
    });
    EXPECT_EQ(status, 128 + SIGKILL);
    const std::vector<std::string> left = list_dir(dir);
    ASSERT_EQ(left.size(), 1u) << "SIGKILL: no destructor ran";
    EXPECT_EQ(exclusive_lock_of(dir / left[0]), probe::free);
    fs::remove_all(dir);
}

/// Sets the access and modification times of `p` an hour back (not
/// following a link): systemd-tmpfiles looks at both.
void make_old(const fs::path& p) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    now.tv_sec -= 3600;
    const struct timespec times[2] = {now, now};
    if (::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        throw std::system_error(errno, std::generic_category(), "utimensat " + p.string());
}

// cpython#81831: systemd-tmpfiles skips a directory that holds a BSD lock
// (tmpfiles.d(5), "Age"). A 1-second age, by access and modification time
// (ctime cannot be set back), on a directory holding a locked and an
// unlocked temporary directory, each with a file inside, all an hour old.
TEST(OwnerLock, SystemdTmpfilesSkipsALockedDirectoryAndCleansAnUnlockedOne) {
    if (std::system("systemd-tmpfiles --version >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "systemd-tmpfiles cannot run here (Debian's systemd package is not installed)";
    const fs::path area = test_dir() / "area";
    fs::create_directory(area);
    directory_options o = locked_directory();
    o.dir = area;
    temporary_directory locked(o);
    o.lock = false;
    temporary_directory unlocked(o);
    for (const temporary_directory* d : {&locked, &unlocked}) {
        tempfile_test::write_text(d->path() / "data", "x");
        make_old(d->path() / "data");
        make_old(d->path());
    }
    const fs::path config = test_dir() / "tempfile-test.conf";
    tempfile_test::write_text(config, "e " + area.string() + " - - - amAM:1s\n");
    const std::string command = "systemd-tmpfiles --clean '" + config.string() + "' 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    EXPECT_TRUE(fs::exists(locked / "data")) << "the locked directory and its content stay";
    EXPECT_FALSE(fs::exists(unlocked.path())) << "the unlocked one goes";
    fs::remove(config);
    locked.cleanup();
    fs::remove(area);
}

// ---- the cost: lock = false must stay at the floor, lock = true is counted

TEST(OwnerLock, DISABLED_LockedDirectoryUnderTrace) {
    { temporary_directory warm_up(locked_directory()); }
    tempfile_test::trace_begin();
    { temporary_directory d(locked_directory()); }
    tempfile_test::trace_end();
}

TEST(OwnerLock, ALockedEmptyDirectoryCostsOpenFlockAndCloseMore) {
    if (const char* why = tempfile_test::why_calls_cannot_be_counted()) GTEST_SKIP() << why;
    auto calls = tempfile_test::traced_calls("OwnerLock.DISABLED_LockedDirectoryUnderTrace");
    EXPECT_EQ(calls, (std::vector<std::string>{"mkdir", "openat", "flock", "rmdir", "close"}));
}

TEST(OwnerLock, DISABLED_LockedFileUnderTrace) {
    { named_temporary_file warm_up(locked_file()); }
    tempfile_test::trace_begin();
    { named_temporary_file f(locked_file()); }
    tempfile_test::trace_end();
}

TEST(OwnerLock, ALockedFileCostsOneFlockMore) {
    if (const char* why = tempfile_test::why_calls_cannot_be_counted()) GTEST_SKIP() << why;
    auto calls = tempfile_test::traced_calls("OwnerLock.DISABLED_LockedFileUnderTrace");
    EXPECT_EQ(calls, (std::vector<std::string>{"openat", "flock", "unlink", "close"}));
}

TEST(OwnerLock, DISABLED_LockedFileKeptAfterCloseUnderTrace) {
    { named_temporary_file warm_up(locked_file(false)); }
    tempfile_test::trace_begin();
    {
        named_temporary_file f(locked_file(false));
        f.close();
    }
    tempfile_test::trace_end();
}

TEST(OwnerLock, ALockedFileThatOutlivesCloseCostsFlockDupAndACloseMore) {
    if (const char* why = tempfile_test::why_calls_cannot_be_counted()) GTEST_SKIP() << why;
    auto calls = tempfile_test::traced_calls("OwnerLock.DISABLED_LockedFileKeptAfterCloseUnderTrace");
    // (The newfstatat is not the lock's: close() of a file that outlives it
    // notes the file's identity for reopen(), with or without a lock.)
    EXPECT_EQ(calls, (std::vector<std::string>{"openat", "flock", "fcntl", "newfstatat", "close", "unlink",
                                               "close"}));
}

}  // namespace
#endif  // _WIN32
