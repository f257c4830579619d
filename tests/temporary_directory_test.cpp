// SPDX-License-Identifier: MIT
// temporary_directory: CPython's TestTemporaryDirectory (symlinks inside,
// every mode, explicit and repeated cleanup, delete=False, ignore_cleanup_errors),
// plus moves, chdir and the factory from Rust's tempfile crate.
#include "harness.hpp"
#include "syscall_trace.hpp"

#include <tempfile/names.hpp>
#include <tempfile/temporary_directory.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <utility>

#ifndef _WIN32
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#endif

namespace {
namespace fs = std::filesystem;
using tempfile::directory_options;
using tempfile::temporary_directory;
using tempfile_test::list_dir;
using tempfile_test::read_text;
using tempfile_test::test_dir;
using tempfile_test::write_text;

directory_options in(const fs::path& dir) {
    directory_options o;
    o.dir = dir;
    return o;
}

// A tree with files and directories of every user mode, nested.
void populate_with_every_mode(const fs::path& root) {
    for (int mode = 0; mode < 8; ++mode) {
        fs::path sub = root / ("d" + std::to_string(mode));
        fs::create_directories(sub / "inner");
        write_text(sub / "inner" / "f", "x");
        for (int file_mode = 0; file_mode < 8; ++file_mode) {
            fs::path f = sub / ("f" + std::to_string(file_mode));
            write_text(f, "content");
            fs::permissions(f, static_cast<fs::perms>(file_mode << 6));
        }
        fs::permissions(sub / "inner", static_cast<fs::perms>(mode << 6));
        fs::permissions(sub, static_cast<fs::perms>(mode << 6));
    }
}

TEST(TemporaryDirectory, CreatesAPrivateDirectoryWithAnAbsolutePath) {
#ifndef _WIN32  // Windows has no mode bits: windows_security_test.cpp checks the DACL
    mode_t old = ::umask(0);
#endif
    directory_options o;
    o.prefix = "pre";
    o.suffix = "suf";
    temporary_directory d(o);
#ifndef _WIN32
    ::umask(old);
#endif
    EXPECT_TRUE(d.path().is_absolute());
    EXPECT_EQ(d.path().parent_path(), test_dir());
    std::string name = d.path().filename().string();
    EXPECT_EQ(name.size(), 3u + 8u + 3u);
    EXPECT_EQ(name.substr(0, 3), "pre");
    EXPECT_EQ(name.substr(11), "suf");
#ifndef _WIN32
    struct stat st {};
    ASSERT_EQ(::stat(d.path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u);
#endif
}

TEST(TemporaryDirectory, RemovedWithEverythingInsideWhenTheOwnerEnds) {
    fs::path p;
    {
        temporary_directory d;
        p = d.path();
        fs::create_directories(d / "a" / "b" / "c");
        write_text(d / "a" / "b" / "c" / "deep", "x");
        write_text(d / "top", "y");
    }
    EXPECT_FALSE(fs::exists(p));
}

TEST(TemporaryDirectory, ExplicitCleanupRemovesAndIsIdempotent) {
    temporary_directory d;
    write_text(d / "f", "x");
    d.cleanup();
    EXPECT_FALSE(fs::exists(d.path()));
    EXPECT_FALSE(d.path().empty());  // still valid
    EXPECT_NO_THROW(d.cleanup());
    std::error_code ec;
    d.cleanup(ec);
    EXPECT_FALSE(ec);
}

TEST(TemporaryDirectory, AlreadyRemovedBySomeoneElseIsFine) {
    temporary_directory d;
    fs::remove(d.path());
    std::error_code ec;
    d.cleanup(ec);
    EXPECT_FALSE(ec) << ec.message();
}

TEST(TemporaryDirectory, CleanupNeverFollowsSymlinksOutOfTheTree) {
#ifdef _WIN32
    GTEST_SKIP() << "std::filesystem of mingw-w64 cannot create symbolic links (Wine 8 neither); "
                    "windows_remove_tree_test.cpp covers links and junctions where the OS makes them";
#endif
    fs::path outside_dir = test_dir() / "outside";
    fs::create_directory(outside_dir);
    write_text(outside_dir / "precious", "keep me");
    fs::path outside_file = test_dir() / "outside.txt";
    write_text(outside_file, "keep me too");
    {
        temporary_directory d;
        fs::create_directory(d / "sub");
        fs::create_directory_symlink(outside_dir, d / "sub" / "link_to_dir");
        fs::create_symlink(outside_file, d / "link_to_file");
        fs::create_symlink(test_dir() / "nowhere", d / "dangling");
        d.cleanup();
        EXPECT_FALSE(fs::exists(d.path()));
    }
    EXPECT_EQ(read_text(outside_dir / "precious"), "keep me");
    EXPECT_EQ(read_text(outside_file), "keep me too");
    fs::remove_all(outside_dir);
    fs::remove(outside_file);
}

TEST(TemporaryDirectory, CleanupRemovesEntriesOfEveryModeAsRoot) {
    temporary_directory d;
    populate_with_every_mode(d.path());
    d.cleanup();
    EXPECT_FALSE(fs::exists(d.path()));
}

#ifndef _WIN32  // run_as_nobody: fork and setuid
TEST(TemporaryDirectory, CleanupRemovesEntriesOfEveryModeAsAnOrdinaryUser) {
    fs::path home = tempfile_test::make_dir_for_nobody("home");
    int status = tempfile_test::run_as_nobody([&] {
        temporary_directory d(in(home));
        populate_with_every_mode(d.path());
        std::error_code ec;
        d.cleanup(ec);
        if (ec) {
            std::fprintf(stderr, "cleanup: %s\n", ec.message().c_str());
            return 1;
        }
        return fs::exists(d.path()) ? 2 : 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(list_dir(home).empty());
    fs::remove_all(home);
}

// A root-owned directory inside a directory of nobody's: nobody can remove
// neither it nor what it holds, which is a real cleanup error.
struct undeletable_for_nobody {
    fs::path home = tempfile_test::make_dir_for_nobody("home");
    temporary_directory made(bool ignore_errors) {
        directory_options o = in(home);
        o.ignore_cleanup_errors = ignore_errors;
        temporary_directory d(o);
        if (::chown(d.path().c_str(), 65534, 65534) != 0) throw std::runtime_error("chown");
        write_text(d / "removable", "x");
        ::chown((d / "removable").c_str(), 65534, 65534);
        fs::create_directory(d / "locked");
        write_text(d / "locked" / "file", "root's");
        return d;
    }
};

TEST(TemporaryDirectory, CleanupReportsWhatCouldNotBeRemovedAndCanBeRetried) {
    undeletable_for_nobody setup;
    temporary_directory d = setup.made(false);
    int status = tempfile_test::run_as_nobody([&] {
        std::error_code ec;
        d.cleanup(ec);  // explicit: a child may clean up when asked to
        if (ec != std::errc::permission_denied && ec != std::errc::operation_not_permitted) return 1;
        try {
            d.cleanup();
            return 2;
        } catch (const fs::filesystem_error& e) {
            if (e.code() != std::errc::permission_denied && e.code() != std::errc::operation_not_permitted)
                return 3;
            // The entry that could not be removed, below the directory.
            std::string failed = e.path1().string();
            return failed.rfind((d / "locked").string(), 0) == 0 && e.path2() == d.path() ? 0 : 4;
        }
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(fs::exists(d / "locked" / "file"));
    d.cleanup();  // root can
    EXPECT_FALSE(fs::exists(d.path()));
    fs::remove(setup.home);
}

#ifndef _WIN32
// Issue 9, bug 7: out of descriptors, cleanup() named the root's parent (the
// directory it could not open); what could not be removed is the root.
TEST(TemporaryDirectory, CleanupOutOfDescriptorsNamesTheRoot) {
    temporary_directory d;
    write_text(d / "inside", "so that the first rmdir fails");
    int status = tempfile_test::run_in_child([&] {
        if (!tempfile_test::use_up_descriptors()) return 10;
        try {
            d.cleanup();
            return 11;
        } catch (const fs::filesystem_error& e) {
            if (e.code() != std::error_code(EMFILE, std::system_category())) return 12;
            return e.path1() == d.path() && e.path2() == d.path() ? 0 : 13;
        }
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(fs::exists(d / "inside"));
}
#endif

// No descriptor free: the walk cannot open the tree, a real cleanup error
// that the same process can then lift.
TEST(TemporaryDirectory, CleanupThatLeftSomethingKeepsOwnershipEvenWithErrorsIgnored) {
    int status = tempfile_test::run_in_child([] {
        directory_options o;
        o.ignore_cleanup_errors = true;
        std::optional<temporary_directory> d(std::in_place, o);
        write_text(*d / "file", "x");
        struct rlimit before;
        if (::getrlimit(RLIMIT_NOFILE, &before) != 0) return 10;
        int lowest_free = ::dup(0);
        if (lowest_free < 0) return 11;
        ::close(lowest_free);
        struct rlimit none = before;
        none.rlim_cur = static_cast<rlim_t>(lowest_free);
        if (::setrlimit(RLIMIT_NOFILE, &none) != 0) return 12;
        std::error_code ec;
        d->cleanup(ec);
        ::setrlimit(RLIMIT_NOFILE, &before);
        if (ec) return 1;                        // ignored, as asked
        if (!fs::exists(*d / "file")) return 2;  // the limit did stop it
        d->cleanup(ec);                          // still owned: tried again
        if (ec || fs::exists(d->path())) return 3;
        d.emplace(o);  // and the owner's end, too
        write_text(*d / "file", "x");
        if (::setrlimit(RLIMIT_NOFILE, &none) != 0) return 12;
        d->cleanup(ec);
        ::setrlimit(RLIMIT_NOFILE, &before);
        fs::path p = d->path();
        d.reset();
        return fs::exists(p) ? 4 : 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TemporaryDirectory, IgnoreCleanupErrorsRemovesWhatItCanSilently) {
    undeletable_for_nobody setup;
    temporary_directory d = setup.made(true);
    int status = tempfile_test::run_as_nobody([&] {
        std::error_code ec;
        d.cleanup(ec);
        if (ec) return 1;
        d.cleanup();  // nothing thrown either
        return fs::exists(d / "removable") ? 2 : 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(fs::exists(d / "locked" / "file"));
    fs::remove_all(setup.home);
}
#endif

TEST(TemporaryDirectory, KeepDisarmsForGood) {
    fs::path p;
    {
        temporary_directory d;
        p = d.keep();
        EXPECT_EQ(p, d.path());
        d.cleanup();  // after keep(): nothing
        EXPECT_TRUE(fs::is_directory(p));
    }
    EXPECT_TRUE(fs::is_directory(p));
    fs::remove(p);
}

TEST(TemporaryDirectory, KeepOptionSurvivesTheOwnerButNotAnExplicitCleanup) {
    directory_options o;
    o.keep = true;
    fs::path p;
    {
        temporary_directory d(o);
        p = d.path();
    }
    EXPECT_TRUE(fs::is_directory(p));
    fs::remove(p);
    temporary_directory d(o);
    write_text(d / "f", "x");
    d.cleanup();  // Python's cleanup() with delete=False
    EXPECT_FALSE(fs::exists(d.path()));
}

TEST(TemporaryDirectory, MovedFromOwnerRemovesNothing) {
    fs::path p;
    {
        temporary_directory g;
        fs::path first = g.path();
        {
            temporary_directory d;
            p = d.path();
            g = std::move(d);               // removes what g had
            EXPECT_TRUE(d.path().empty());  // NOLINT(bugprone-use-after-move): the documented state
        }
        EXPECT_FALSE(fs::exists(first));
        EXPECT_TRUE(fs::is_directory(p));
        temporary_directory h(std::move(g));
        EXPECT_EQ(h.path(), p);
    }
    EXPECT_FALSE(fs::exists(p));
}

TEST(TemporaryDirectory, RelativeDirThenChdirStillRemovesTheRightDirectory) {
    fs::create_directories(test_dir() / "a" / "sub");
    fs::create_directories(test_dir() / "b" / "sub");
    fs::current_path(test_dir() / "a");
    fs::path decoy;
    {
        temporary_directory d(in("sub"));
        decoy = test_dir() / "b" / "sub" / d.path().filename();
        fs::create_directory(decoy);
        fs::current_path(test_dir() / "b");
    }
    EXPECT_TRUE(list_dir(test_dir() / "a" / "sub").empty());
    EXPECT_TRUE(fs::is_directory(decoy));
    fs::current_path(test_dir());  // Windows cannot remove the working directory
    fs::remove_all(test_dir() / "a");
    fs::remove_all(test_dir() / "b");
}

TEST(TemporaryDirectory, FactoryReportsMissingDirectoryAndReturnsAnEmptyOwner) {
    std::error_code ec;
    temporary_directory d = temporary_directory::create(in(test_dir() / "missing"), ec);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_TRUE(d.path().empty());
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TemporaryDirectory, ConstructorThrowsFilesystemErrorNamingTheParent) {
    fs::path missing = test_dir() / "missing";
    try {
        temporary_directory d(in(missing));
        FAIL() << "no exception";
    } catch (const fs::filesystem_error& e) {
        EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
        EXPECT_EQ(e.path1(), missing);
    }
}

// path1 names the directory gettempdir() chose, not the caller's empty dir.
TEST(TemporaryDirectory, ConstructorNamesTheDefaultParentWhenItIsMissing) {
    fs::path missing = test_dir() / "missing";
    tempfile::set_tempdir(missing);  // the harness restores it after the test
    try {
        temporary_directory d;
        FAIL() << "no exception";
    } catch (const fs::filesystem_error& e) {
        EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
        EXPECT_EQ(e.path1(), missing);
    }
}

TEST(TemporaryDirectory, BadPrefixThrowsInvalidArgumentAndCreatesNothing) {
    directory_options o;
    o.prefix = "../x";
    EXPECT_THROW(temporary_directory{o}, std::invalid_argument);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TemporaryDirectory, NulInTheDirectoryThrowsInvalidArgumentAndCreatesNothing) {
    tempfile::directory_options options;
    options.dir = tempfile_test::path_with_nul(test_dir() / "a");
    EXPECT_THROW(temporary_directory{options}, std::invalid_argument);
    std::error_code ec;
    EXPECT_TRUE(temporary_directory::create(options, ec).path().empty());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TemporaryDirectory, DISABLED_EmptyDirectoryUnderTrace) {
    { temporary_directory warm_up; }  // first-use costs (random pool, allocator) are not the owner's
    tempfile_test::trace_begin();
    { temporary_directory d; }
    tempfile_test::trace_end();
}

TEST(TemporaryDirectory, EmptyDirectoryCostsMkdirAndRmdirOnly) {
    if (const char* why = tempfile_test::why_calls_cannot_be_counted()) GTEST_SKIP() << why;
    auto calls = tempfile_test::traced_calls("TemporaryDirectory.DISABLED_EmptyDirectoryUnderTrace");
    EXPECT_EQ(calls, (std::vector<std::string>{"mkdir", "rmdir"}));
}

}  // namespace
