// SPDX-License-Identifier: MIT
// temporary_file: CPython's TestTemporaryFile, plus persist() and the
// factory from Rust's tempfile crate.
#include "harness.hpp"
#include "names_internal.hpp"
#include "os.hpp"
#include "syscall_trace.hpp"

#include <tempfile/temporary_file.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <type_traits>
#include <utility>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace {
namespace fs = std::filesystem;
using tempfile::temporary_file;
using tempfile_test::list_dir;
using tempfile_test::read_text;
using tempfile_test::test_dir;

template <typename T, typename = void>
struct has_path : std::false_type {};
template <typename T>
struct has_path<T, std::void_t<decltype(std::declval<T&>().path())>> : std::true_type {};

#ifndef _WIN32
struct stat stat_of(int fd) {
    struct stat st {};
    EXPECT_EQ(::fstat(fd, &st), 0);
    return st;
}
#endif

// Whether this build and this directory's file system make files without a
// name (Linux O_TMPFILE); else temporary_file falls back to create-then-unlink,
// and persist() cannot work.
bool unnamed_files_here() {
    std::error_code ec;
    auto h = tempfile::detail::os::create_unnamed(test_dir(), ec);
    if (!ec) tempfile::detail::os::close(h);
    return !ec;
}

#ifndef _WIN32
// Restores the umask a test changed, also when an assertion fails.
struct umask_guard {
    explicit umask_guard(mode_t m) : old(::umask(m)) {}
    ~umask_guard() { ::umask(old); }
    mode_t old;
};
#endif

TEST(TemporaryFile, HasNoNameToRelyOn) {
    // CPython's test_has_no_name, at compile time: the pitfall cannot compile.
    static_assert(!has_path<temporary_file>::value, "temporary_file must not have path()");
    temporary_file f;
    EXPECT_TRUE(f.is_open());
#ifndef _WIN32  // Windows: a name until the handle closes (FILE_FLAG_DELETE_ON_CLOSE; windows_test.cpp)
    EXPECT_TRUE(list_dir(test_dir()).empty());
    EXPECT_EQ(stat_of(f.native_handle()).st_nlink, 0u);
#endif
}

TEST(TemporaryFile, DefaultConstructionMakesAnOpenFileInTheTempDir) {
    temporary_file f;
    ASSERT_TRUE(f.is_open());
    f.write("blat");
    f.seek(0);
    EXPECT_EQ(f.read_all(), "blat");
#ifndef _WIN32
    // It was made in gettempdir() (the test's directory): same file system.
    struct stat dir {};
    ASSERT_EQ(::stat(test_dir().c_str(), &dir), 0);
    EXPECT_EQ(stat_of(f.native_handle()).st_dev, dir.st_dev);
#endif
}

#ifndef _WIN32  // Windows: the DACL (windows_security_test.cpp), handles not inherited (windows_test.cpp)
TEST(TemporaryFile, ModeIs0600UnderUmaskZero) {
    umask_guard guard(0);
    temporary_file f;
    EXPECT_EQ(stat_of(f.native_handle()).st_mode & 07777, 0600u);
}

TEST(TemporaryFile, DescriptorIsCloseOnExec) {
    temporary_file f;
    EXPECT_NE(::fcntl(f.native_handle(), F_GETFD) & FD_CLOEXEC, 0);
}
#endif

TEST(TemporaryFile, LeavesNothingInTheDirectoryEvenWhileOpen) {
    fs::path sub = test_dir() / "sub";
    fs::create_directory(sub);
    {
        temporary_file f({"pre", ".suf", sub});
        f.write("data");
#ifndef _WIN32  // Windows: a name until the handle closes
        EXPECT_TRUE(list_dir(sub).empty());
#endif
    }
    EXPECT_TRUE(list_dir(sub).empty());
    fs::remove(sub);
}

TEST(TemporaryFile, MultipleCloseIsFine) {
    temporary_file f;
    f.write("abc");
    f.close();
    f.close();
    EXPECT_FALSE(f.is_open());
}

TEST(TemporaryFile, StreamAndRawCallsShareTheContent) {
    temporary_file f;
    f.stream() << "hello " << 42;
    f.seek(0);
    EXPECT_EQ(f.read_all(), "hello 42");
}

TEST(TemporaryFile, MovedFromOwnerIsEmptyAndTheFileStaysOpen) {
    temporary_file f;
    f.write("moved");
    temporary_file g(std::move(f));
    EXPECT_FALSE(f.is_open());  // NOLINT(bugprone-use-after-move): the documented state
    ASSERT_TRUE(g.is_open());
    g.seek(0);
    EXPECT_EQ(g.read_all(), "moved");
}

TEST(TemporaryFile, FactoryReportsMissingDirectoryAndCreatesNothing) {
    std::error_code ec;
    temporary_file f = temporary_file::create({"tmp", "", test_dir() / "missing"}, ec);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_FALSE(f.is_open());
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TemporaryFile, ConstructorThrowsFilesystemErrorNamingTheDirectory) {
    fs::path missing = test_dir() / "missing";
    try {
        temporary_file f({"tmp", "", missing});
        FAIL() << "no exception";
    } catch (const fs::filesystem_error& e) {
        EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
        EXPECT_EQ(e.path1(), missing);
    }
}

TEST(TemporaryFile, BadPrefixOrSuffixThrowsInvalidArgumentAndCreatesNothing) {
    EXPECT_THROW(temporary_file({"a/b", "", {}}), std::invalid_argument);
    EXPECT_THROW(temporary_file({"tmp", "x/y", {}}), std::invalid_argument);
    EXPECT_THROW(temporary_file({std::string("nul\0here", 8), "", {}}), std::invalid_argument);
    std::error_code ec;
    temporary_file f = temporary_file::create({"../escape", "", {}}, ec);
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_FALSE(f.is_open());
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TemporaryFile, PersistGivesItANameAndKeepsItOpen) {
    fs::path target = test_dir() / "named";
    temporary_file f;
    f.write("first");
    f.stream() << " buffered";  // persist hands the stream's data over first
    std::error_code ec;
    f.persist(target, ec);
    if (!unnamed_files_here()) {  // made by create-then-unlink: nothing can name it again
        EXPECT_EQ(ec, std::errc::operation_not_supported);
        EXPECT_FALSE(fs::exists(target));
        return;
    }
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(read_text(target), "first buffered");
    ASSERT_TRUE(f.is_open());
    f.write(" more");
    f.close();
    EXPECT_EQ(read_text(target), "first buffered more");
    EXPECT_EQ(fs::status(target).permissions(), fs::perms::owner_read | fs::perms::owner_write);
    fs::remove(target);
}

TEST(TemporaryFile, PersistFailsWithEexistAndLeavesTheTargetUntouched) {
    fs::path target = test_dir() / "taken";
    tempfile_test::write_text(target, "original");
    temporary_file f;
    f.write("new");
    try {
        f.persist(target);
        FAIL() << "no exception";
    } catch (const fs::filesystem_error& e) {
        EXPECT_EQ(e.code(),
                  unnamed_files_here() ? std::errc::file_exists : std::errc::operation_not_supported);
        EXPECT_EQ(e.path1(), target);
    }
    EXPECT_EQ(read_text(target), "original");
    EXPECT_TRUE(f.is_open());
    fs::remove(target);
}

#ifndef _WIN32
// Issue 9, bug 1: content that lost bytes is never given a name.
TEST(TemporaryFile, PersistFailsAfterAFailedStreamWrite) {
    fs::path target = test_dir() / "named";
    int status = tempfile_test::run_with_file_size_limit(100, [&] {
        temporary_file f;
        f.stream() << std::string(300, 'n') << std::flush;
        f.stream().clear();
        std::error_code ec;
        f.persist(target, ec);
        if (ec != std::error_code(EFBIG, std::system_category())) return 10;
        return f.is_open() && !fs::exists(target) ? 0 : 11;
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}
#endif

TEST(TemporaryFile, NulInTheDirectoryOrThePersistTargetIsInvalidArgument) {
    const fs::path nul_dir = tempfile_test::path_with_nul(test_dir() / "a");
    EXPECT_THROW(temporary_file({"tmp", "", nul_dir}), std::invalid_argument);
    std::error_code ec;
    EXPECT_FALSE(temporary_file::create({"tmp", "", nul_dir}, ec).is_open());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    temporary_file f;
    const fs::path nul_target = tempfile_test::path_with_nul(test_dir() / "named");
    EXPECT_THROW(f.persist(nul_target), std::invalid_argument);
    f.persist(nul_target, ec);
    EXPECT_EQ(ec, std::errc::invalid_argument);
    f.close();  // on Windows the file has a hidden name until then
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TemporaryFile, PersistOfAClosedFileIsAnError) {
    temporary_file f;
    f.close();
    std::error_code ec;
    f.persist(test_dir() / "never", ec);
    EXPECT_TRUE(ec);
    EXPECT_FALSE(fs::exists(test_dir() / "never"));
}

TEST(TemporaryFile, RelativeDirectoryIsResolvedAgainstTheWorkingDirectory) {
    fs::create_directory(test_dir() / "rel");
    fs::current_path(test_dir());
    temporary_file f({"tmp", "", "rel"});
    EXPECT_TRUE(f.is_open());
    if (unnamed_files_here()) {
        fs::path target = test_dir() / "rel" / "out";
        f.persist("rel/out");  // relative too: resolved now, against the same directory
        EXPECT_TRUE(fs::exists(target));
        fs::remove(target);
    }
    f.close();
    fs::remove(test_dir() / "rel");  // throws if anything was left in it
}

TEST(TemporaryFile, DISABLED_CreateAndDestroyUnderTrace) {
    { temporary_file warm_up; }  // first-use costs (the temp dir, the allocator) are not the owner's
    tempfile_test::trace_begin();
    { temporary_file f; }
    tempfile_test::trace_end();
}

TEST(TemporaryFile, CreateAndDestroyCostOpenAndCloseOnly) {
    if (const char* why = tempfile_test::why_calls_cannot_be_counted()) GTEST_SKIP() << why;
    auto calls = tempfile_test::traced_calls("TemporaryFile.DISABLED_CreateAndDestroyUnderTrace");
    if (unnamed_files_here())
        EXPECT_EQ(calls, (std::vector<std::string>{"openat", "close"}));
    else  // the fallback: the name goes at once
        EXPECT_EQ(calls, (std::vector<std::string>{"openat", "unlink", "close"}));
}

// /proc refuses O_TMPFILE (EOPNOTSUPP) and then the fallback's create (ENOENT):
// a directory that refuses, without a test needing a special mount.
TEST(TemporaryFile, DISABLED_RefusingDirectoryUnderTrace) {
    std::error_code ec;
    (void)tempfile::detail::random_name(ec);  // the random pool's first fill is not the owner's
    // Nor are one-time static initialisations (libc++abi's guard asks for gettid).
    (void)temporary_file::create({}, ec);
    (void)std::generic_category();
    tempfile_test::trace_begin();
    temporary_file first = temporary_file::create({"tmp", "", "/proc"}, ec);
    temporary_file second = temporary_file::create({"tmp", "", "/proc"}, ec);
    tempfile_test::trace_end();
}

TEST(TemporaryFile, ADirectoryThatRefusedUnnamedFilesIsNotAskedAgain) {
    if (const char* why = tempfile_test::why_calls_cannot_be_counted()) GTEST_SKIP() << why;
    std::error_code ec;
    temporary_file f = temporary_file::create({"tmp", "", "/proc"}, ec);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);  // the fallback's error, not EOPNOTSUPP
    auto calls = tempfile_test::traced_calls("TemporaryFile.DISABLED_RefusingDirectoryUnderTrace");
    if (unnamed_files_here())  // O_TMPFILE once, then the fallback's open twice
        EXPECT_EQ(calls, (std::vector<std::string>{"openat", "openat", "openat"}));
    else
        EXPECT_EQ(calls, (std::vector<std::string>{"openat", "openat"}));
}

}  // namespace
