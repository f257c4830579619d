// SPDX-License-Identifier: MIT
// The POSIX OS layer (src/posix/*.cpp) through its seam, src/os.hpp: each
// call's promise, including the errors the portable code relies on.
// Built also with -DTEMPFILE_PORTABLE_POSIX=ON, where the generic paths run.
#ifndef _WIN32
#include "harness.hpp"
#include "os.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
namespace os = tempfile::detail::os;
using tempfile_test::list_dir;
using tempfile_test::read_text;
using tempfile_test::test_dir;
using tempfile_test::write_text;

// Closes a handle the test got from the seam.
struct closer {
    os::handle h;
    ~closer() {
        if (h >= 0) os::close(h);
    }
};

unsigned mode_of(const fs::path& p) {
    struct stat st;
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

// ---- creation ----------------------------------------------------------------

TEST(OsCreateExclusive, CreatesAReadWriteCloseOnExecFile0600) {
    fs::path p = test_dir() / "f";
    std::error_code ec;
    closer f{os::create_exclusive(p, false, ec)};
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(mode_of(p), 0600u);
    EXPECT_EQ(::fcntl(f.h, F_GETFL) & O_ACCMODE, O_RDWR);
    EXPECT_TRUE(::fcntl(f.h, F_GETFD) & FD_CLOEXEC);
    fs::remove(p);
}

TEST(OsCreateExclusive, ATakenNameIsFileExistsAndKeepsItsContent) {
    fs::path p = test_dir() / "f";
    write_text(p, "mine");
    std::error_code ec;
    EXPECT_EQ(os::create_exclusive(p, false, ec), -1);
    EXPECT_EQ(ec, std::errc::file_exists);
    EXPECT_EQ(ec.category(), std::system_category());
    EXPECT_EQ(read_text(p), "mine");
    fs::create_directory(test_dir() / "d");
    EXPECT_EQ(os::create_exclusive(test_dir() / "d", false, ec), -1);
    EXPECT_EQ(ec, std::errc::file_exists);
    fs::remove(p), fs::remove(test_dir() / "d");
}

TEST(OsCreateExclusive, NeverFollowsASymbolicLink) {
    // A dangling link planted where the name will be: O_EXCL must not create its target.
    fs::create_symlink(test_dir() / "target", test_dir() / "link");
    std::error_code ec;
    EXPECT_EQ(os::create_exclusive(test_dir() / "link", false, ec), -1);
    EXPECT_EQ(ec, std::errc::file_exists);
    EXPECT_FALSE(fs::exists(test_dir() / "target"));
    fs::remove(test_dir() / "link");
}

TEST(OsCreateExclusive, KeepsTheErrnoOfAMissingDirectory) {
    std::error_code ec;
    EXPECT_EQ(os::create_exclusive(test_dir() / "missing" / "f", false, ec), -1);
    EXPECT_EQ(ec, std::error_code(ENOENT, std::system_category()));
}

TEST(OsCreateUnnamed, IsAnInvisible0600FileOrNotSupported) {
    std::error_code ec;
    closer f{os::create_unnamed(test_dir(), ec)};
    if (ec) {
        // The portable build, or a file system without O_TMPFILE.
        EXPECT_EQ(ec, std::errc::operation_not_supported) << ec.message();
        EXPECT_EQ(f.h, -1);
        return;
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
    struct stat st;
    ASSERT_EQ(::fstat(f.h, &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(st.st_nlink, 0u);
    EXPECT_TRUE(::fcntl(f.h, F_GETFD) & FD_CLOEXEC);
}

TEST(OsCreateUnnamed, AMissingDirectoryIsReportedAsItIs) {
    std::error_code ec;
    closer f{os::create_unnamed(test_dir() / "missing", ec)};
    EXPECT_EQ(f.h, -1);
    EXPECT_TRUE(ec == std::errc::no_such_file_or_directory || ec == std::errc::operation_not_supported)
        << ec.message();
}

TEST(OsLinkUnnamed, GivesTheUnnamedFileANameWithItsContent) {
    std::error_code ec;
    closer f{os::create_unnamed(test_dir(), ec)};
    if (ec) {
        os::link_unnamed(-1, test_dir() / "x", ec);
        EXPECT_EQ(ec, std::errc::operation_not_supported);
        return;
    }
    ASSERT_EQ(os::write(f.h, "data", 4, ec), 4u);
    os::link_unnamed(f.h, test_dir() / "named", ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(read_text(test_dir() / "named"), "data");
    EXPECT_EQ(mode_of(test_dir() / "named"), 0600u);
    fs::remove(test_dir() / "named");
}

TEST(OsLinkUnnamed, AnExistingTargetIsFileExistsAndUntouched) {
    std::error_code ec;
    closer f{os::create_unnamed(test_dir(), ec)};
    if (ec) {  // the portable build, or no O_TMPFILE here
        EXPECT_EQ(ec, std::errc::operation_not_supported);
        return;
    }
    write_text(test_dir() / "taken", "old");
    os::link_unnamed(f.h, test_dir() / "taken", ec);
    EXPECT_EQ(ec, std::errc::file_exists);
    EXPECT_EQ(read_text(test_dir() / "taken"), "old");
    fs::remove(test_dir() / "taken");
}

// Without CAP_DAC_READ_SEARCH linkat(AT_EMPTY_PATH) is refused; the /proc
// fallback must still name the file.
TEST(OsLinkUnnamed, WorksWithoutPrivilege) {
    fs::path dir = tempfile_test::make_dir_for_nobody("d");
    int status = tempfile_test::run_as_nobody([&] {
        std::error_code ec;
        os::handle h = os::create_unnamed(dir, ec);
        if (ec) return ec == std::errc::operation_not_supported ? 0 : 10;
        if (os::write(h, "x", 1, ec) != 1) return 11;
        os::link_unnamed(h, dir / "named", ec);
        os::close(h);
        if (ec) return 12;
        return read_text(dir / "named") == "x" ? 0 : 13;
    });
    EXPECT_EQ(status, 0);
    fs::remove(dir / "named");
    fs::remove(dir);
}

TEST(OsHasDeleteOnClose, IsFalseOnPosix) {
    EXPECT_FALSE(os::has_delete_on_close());
}

TEST(OsMakeDirectory, Creates0700AndReportsATakenName) {
    fs::path d = test_dir() / "d";
    std::error_code ec;
    os::make_directory(d, ec);
    ASSERT_FALSE(ec);
    EXPECT_EQ(mode_of(d), 0700u);
    os::make_directory(d, ec);
    EXPECT_EQ(ec, std::errc::file_exists);
    fs::create_symlink(test_dir() / "target", test_dir() / "link");
    os::make_directory(test_dir() / "link", ec);
    EXPECT_EQ(ec, std::errc::file_exists);
    EXPECT_FALSE(fs::exists(test_dir() / "target"));
    fs::remove(d), fs::remove(test_dir() / "link");
}

// ---- removal, names ----------------------------------------------------------

TEST(OsRemoveFile, RemovesAndAMissingFileIsNoError) {
    fs::path p = test_dir() / "f";
    write_text(p, "");
    std::error_code ec;
    os::remove_file(p, ec);
    EXPECT_FALSE(ec);
    EXPECT_FALSE(fs::exists(p));
    os::remove_file(p, ec);
    EXPECT_FALSE(ec);
    fs::create_directory(test_dir() / "d");
    os::remove_file(test_dir() / "d", ec);  // a directory is not a file
    EXPECT_TRUE(ec);
    fs::remove(test_dir() / "d");
}

TEST(OsRename, OverwriteReplacesTheTarget) {
    write_text(test_dir() / "a", "new");
    write_text(test_dir() / "b", "old");
    std::error_code ec;
    os::rename(test_dir() / "a", test_dir() / "b", true, false, ec);
    EXPECT_FALSE(ec);
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"b"});
    EXPECT_EQ(read_text(test_dir() / "b"), "new");
    fs::remove(test_dir() / "b");
}

TEST(OsRename, WithoutOverwriteAnExistingTargetIsFileExistsAndBothStay) {
    write_text(test_dir() / "a", "new");
    write_text(test_dir() / "b", "old");
    std::error_code ec;
    os::rename(test_dir() / "a", test_dir() / "b", false, false, ec);
    EXPECT_EQ(ec, std::errc::file_exists);
    EXPECT_EQ(read_text(test_dir() / "a"), "new");
    EXPECT_EQ(read_text(test_dir() / "b"), "old");
    fs::remove(test_dir() / "a"), fs::remove(test_dir() / "b");
}

TEST(OsRename, WithoutOverwriteAFreeTargetGetsTheFileAndTheSourceGoes) {
    write_text(test_dir() / "a", "new");
    std::error_code ec;
    os::rename(test_dir() / "a", test_dir() / "b", false, false, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"b"});
    EXPECT_EQ(read_text(test_dir() / "b"), "new");
    fs::remove(test_dir() / "b");
}

TEST(OsRename, AMissingSourceIsEnoentEitherWay) {
    for (bool overwrite : {true, false}) {
        std::error_code ec;
        os::rename(test_dir() / "missing", test_dir() / "b", overwrite, false, ec);
        EXPECT_EQ(ec, std::errc::no_such_file_or_directory) << overwrite;
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(OsSyncDirectory, SucceedsOnADirectoryAndReportsAMissingOne) {
    std::error_code ec;
    os::sync_directory(test_dir(), ec);
    EXPECT_FALSE(ec) << ec.message();
    os::sync_directory(test_dir() / "missing", ec);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

TEST(OsCreationMode, TheCallersModeGoesThroughTheUmaskAsOpenAndMkdirApplyIt) {
    const mode_t old = ::umask(022);
    std::error_code ec;
    {
        closer f{os::create_exclusive(test_dir() / "f", false, ec, 0666)};
        ASSERT_FALSE(ec) << ec.message();
        os::make_directory(test_dir() / "d", ec, 0777);
        ASSERT_FALSE(ec) << ec.message();
    }
    ::umask(old);
    EXPECT_EQ(mode_of(test_dir() / "f"), 0644u);
    EXPECT_EQ(mode_of(test_dir() / "d"), 0755u);
    fs::remove(test_dir() / "f"), fs::remove(test_dir() / "d");
}

// ---- replacing a file whole (atomic_file) --------------------------------------

TEST(OsReadLink, ReadsOneStepAsWrittenAndAnythingElseIsNoLink) {
    fs::create_symlink("../elsewhere/x", test_dir() / "relative");
    write_text(test_dir() / "plain", "");
    fs::path target;
    std::error_code ec;
    EXPECT_TRUE(os::read_link(test_dir() / "relative", target, ec));
    EXPECT_FALSE(ec);
    EXPECT_EQ(target, "../elsewhere/x");
    for (const char* name : {"plain", "missing", "plain/below"}) {
        EXPECT_FALSE(os::read_link(test_dir() / name, target, ec)) << name;
        EXPECT_FALSE(ec) << name << ": " << ec.message();
    }
    fs::remove(test_dir() / "relative"), fs::remove(test_dir() / "plain");
}

TEST(OsReadLink, ALinkLongerThanTheStackBufferIsReadWhole) {
    const std::string far = "/" + std::string(200, 'a') + "/" + std::string(200, 'b');
    fs::create_symlink(far, test_dir() / "link");
    fs::path target;
    std::error_code ec;
    EXPECT_TRUE(os::read_link(test_dir() / "link", target, ec));
    EXPECT_EQ(target, far);
    fs::remove(test_dir() / "link");
}

TEST(OsStatusOfTarget, FollowsLinksKeepsOnlyTheRwxBitsAndAMissingFileIsNoError) {
    write_text(test_dir() / "f", "");
    ASSERT_EQ(::chmod((test_dir() / "f").c_str(), 04751), 0);
    fs::create_symlink("f", test_dir() / "link");
    os::target_status st;
    std::error_code ec;
    os::status_of_target(test_dir() / "link", st, ec);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(st.exists);
    EXPECT_FALSE(st.directory);
    EXPECT_EQ(st.mode, 0751u);
    EXPECT_EQ(st.owner, static_cast<std::int64_t>(::geteuid()));
    os::status_of_target(test_dir(), st, ec);
    EXPECT_TRUE(st.directory);
    os::status_of_target(test_dir() / "missing", st, ec);
    EXPECT_FALSE(ec);
    EXPECT_FALSE(st.exists);
    fs::remove(test_dir() / "f"), fs::remove(test_dir() / "link");
}

TEST(OsCreateReplacement, CreatesExclusivelyWithTheModeThroughTheUmask) {
    const mode_t old = ::umask(027);
    std::error_code ec;
    {
        closer f{os::create_replacement(test_dir() / "f", 0666, ec)};
        EXPECT_FALSE(ec);
        EXPECT_TRUE(::fcntl(f.h, F_GETFD) & FD_CLOEXEC);
        EXPECT_EQ(os::create_replacement(test_dir() / "f", 0666, ec), -1);
        EXPECT_EQ(ec, std::errc::file_exists);
    }
    ::umask(old);
    EXPECT_EQ(mode_of(test_dir() / "f"), 0640u);
    fs::remove(test_dir() / "f");
}

TEST(OsSetMode, SetsExactlyTheBitsWhateverTheUmask) {
    const mode_t old = ::umask(077);
    std::error_code ec;
    closer f{os::create_exclusive(test_dir() / "f", false, ec)};
    ::umask(old);
    os::set_mode(f.h, 0754, ec);
    EXPECT_FALSE(ec);
    EXPECT_EQ(mode_of(test_dir() / "f"), 0754u);
    fs::remove(test_dir() / "f");
}

TEST(OsCopyOwner, RootGivesTheFileTheOwnerAndGroupOfTheTarget) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (the non-root case runs in atomic_file_test)";
    std::error_code ec;
    closer f{os::create_exclusive(test_dir() / "f", false, ec)};
    os::target_status like;
    like.exists = true;
    like.owner = 65534;
    like.group = 65534;
    os::copy_owner(f.h, like, ec);
    EXPECT_FALSE(ec) << ec.message();
    struct stat st;
    ASSERT_EQ(::fstat(f.h, &st), 0);
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_gid, 65534u);
    fs::remove(test_dir() / "f");
}

TEST(OsReplace, RenamesOverTheTarget) {
    write_text(test_dir() / "new", "new");
    write_text(test_dir() / "target", "old");
    std::error_code ec;
    os::replace(test_dir() / "new", test_dir() / "target", true, ec);
    EXPECT_FALSE(ec);
    EXPECT_EQ(read_text(test_dir() / "target"), "new");
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"target"});
    fs::remove(test_dir() / "target");
}

// ---- reopening -----------------------------------------------------------------

TEST(OsReopen, OpensTheSameFileOnlyWithItsOwnPositionAndWithoutNonblock) {
    std::error_code ec;
    closer f{os::create_exclusive(test_dir() / "f", false, ec)};
    os::write(f.h, "abc", 3, ec);
    os::file_id id;
    os::identify(f.h, id, ec);
    ASSERT_FALSE(ec);
    closer g{os::reopen(test_dir() / "f", id, ec)};
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(os::seek(g.h, 0, os::origin::current, ec), 0u);
    EXPECT_EQ(::fcntl(g.h, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
    EXPECT_TRUE(::fcntl(g.h, F_GETFD) & FD_CLOEXEC);
    fs::remove(test_dir() / "f");
}

TEST(OsReopen, AnotherFileALinkOrNothingAtTheNameIsEnoent) {
    std::error_code ec;
    closer f{os::create_exclusive(test_dir() / "f", false, ec)};
    os::file_id id;
    os::identify(f.h, id, ec);
    write_text(test_dir() / "other", "");
    fs::create_symlink("f", test_dir() / "link");
    ASSERT_EQ(::mkfifo((test_dir() / "fifo").c_str(), 0600), 0);
    for (const char* name : {"other", "link", "missing", "fifo", "f/below"}) {
        EXPECT_EQ(os::reopen(test_dir() / name, id, ec), -1) << name;
        EXPECT_EQ(ec, std::errc::no_such_file_or_directory) << name << ": " << ec.message();
    }
    for (const char* name : {"f", "other", "link", "fifo"}) fs::remove(test_dir() / name);
}

// ---- I/O ---------------------------------------------------------------------

TEST(OsIo, ReadWriteSeekSizeTruncateSync) {
    std::error_code ec;
    closer f{os::create_exclusive(test_dir() / "f", false, ec)};
    ASSERT_FALSE(ec);
    EXPECT_EQ(os::write(f.h, "hello world", 11, ec), 11u);
    EXPECT_EQ(os::size(f.h, ec), 11u);
    EXPECT_EQ(os::seek(f.h, 0, os::origin::current, ec), 11u);
    EXPECT_EQ(os::seek(f.h, -5, os::origin::end, ec), 6u);
    char buf[16] = {};
    EXPECT_EQ(os::read(f.h, buf, sizeof buf, ec), 5u);
    EXPECT_EQ(std::string(buf, 5), "world");
    EXPECT_EQ(os::read(f.h, buf, sizeof buf, ec), 0u);  // end of file
    os::truncate(f.h, 5, ec);
    EXPECT_FALSE(ec);
    EXPECT_EQ(os::size(f.h, ec), 5u);
    EXPECT_EQ(os::seek(f.h, 0, os::origin::current, ec), 11u) << "truncate moved the position";
    os::sync(f.h, ec);
    EXPECT_FALSE(ec);
    EXPECT_EQ(read_text(test_dir() / "f"), "hello");
    fs::remove(test_dir() / "f");
}

TEST(OsIo, ErrorsKeepTheErrno) {
    std::error_code ec;
    char c;
    os::read(-1, &c, 1, ec);
    EXPECT_EQ(ec, std::error_code(EBADF, std::system_category()));
    os::write(-1, &c, 1, ec);
    EXPECT_EQ(ec, std::error_code(EBADF, std::system_category()));
    os::seek(-1, 0, os::origin::begin, ec);
    EXPECT_EQ(ec, std::error_code(EBADF, std::system_category()));
    os::size(-1, ec);
    EXPECT_EQ(ec, std::error_code(EBADF, std::system_category()));
}

// ---- randomness, processes, environment ---------------------------------------

TEST(OsRandomBytes, FillsLargeAndSmallBuffersDifferently) {
    std::string a(100000, '\0'), b(100000, '\0');
    std::error_code ec;
    os::random_bytes(a.data(), a.size(), ec);
    EXPECT_FALSE(ec);
    os::random_bytes(b.data(), b.size(), ec);
    EXPECT_FALSE(ec);
    EXPECT_NE(a, b);
    // Every byte value turns up in 100000 random bytes (each misses with probability 1e-170).
    for (int v = 0; v < 256; ++v) EXPECT_NE(a.find(static_cast<char>(v)), std::string::npos) << v;
    unsigned char one = 0;
    os::random_bytes(&one, 1, ec);
    EXPECT_FALSE(ec);
    os::random_bytes(nullptr, 0, ec);
    EXPECT_FALSE(ec);
}

TEST(OsForkGeneration, ChangesInTheChildEachFork) {
    std::uint64_t parent = os::fork_generation();
    int status = tempfile_test::run_in_child([parent] {
        std::uint64_t child = os::fork_generation();
        if (child == parent) return 1;
        int grandchild =
            tempfile_test::run_in_child([child] { return os::fork_generation() != child ? 0 : 1; });
        return grandchild == 0 ? 0 : 2;
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(os::fork_generation(), parent);
}

TEST(OsEnvironmentPath, ReadsTheVariableAndIsEmptyWhenUnset) {
    ::setenv("TEMPFILE_OS_TEST", "/some/where", 1);
    EXPECT_EQ(os::environment_path("TEMPFILE_OS_TEST"), fs::path("/some/where"));
    ::unsetenv("TEMPFILE_OS_TEST");
    EXPECT_TRUE(os::environment_path("TEMPFILE_OS_TEST").empty());
}

TEST(OsPlatformTempDirectories, EndsWithTheClassicPosixList) {
    std::vector<fs::path> dirs = os::platform_temp_directories();
    ASSERT_GE(dirs.size(), 3u);
    std::vector<fs::path> tail(dirs.end() - 3, dirs.end());
    EXPECT_EQ(tail, (std::vector<fs::path>{"/tmp", "/var/tmp", "/usr/tmp"}));
}

TEST(OsIsSeparator, SlashAndNulOnly) {
    EXPECT_TRUE(os::is_separator('/'));
    EXPECT_TRUE(os::is_separator('\0'));
    for (char c : std::string("\\:.-_ aZ~")) EXPECT_FALSE(os::is_separator(c)) << c;
}

}  // namespace
#endif
