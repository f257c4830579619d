// SPDX-License-Identifier: MIT
// gettempdir, set_tempdir, gettempprefix: a port of CPython's
// TestGetDefaultTempdir, TestCandidateTempdirList, TestGetTempDir and
// TestGetTempPrefix. The harness points $TMPDIR, $TEMP, $TMP and
// set_tempdir() at the test's private directory, and restores all four.
#include "harness.hpp"
#include "os.hpp"
#include "syscall_trace.hpp"

#include <tempfile/named_temporary_file.hpp>
#include <tempfile/names.hpp>
#include <tempfile/temporary_directory.hpp>
#include <tempfile/temporary_file.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#ifndef _WIN32
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#endif

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::test_dir;

void set_env(const char* name, const fs::path& value) {
#ifdef _WIN32
    _putenv_s(name, value.string().c_str());
#else
    if (value.empty())
        ::unsetenv(name);
    else
        ::setenv(name, value.c_str(), 1);
#endif
}

// Forgets the harness's override, so that gettempdir() looks at the environment.
void use_environment(const fs::path& tmpdir, const fs::path& temp = {}, const fs::path& tmp = {}) {
    set_env("TMPDIR", tmpdir);
    set_env("TEMP", temp);
    set_env("TMP", tmp);
    tempfile::set_tempdir({});
}

fs::path make_dir(const std::string& name) {
    fs::path p = test_dir() / name;
    fs::create_directory(p);
    return p;
}

// The first of the platform's own directories that is a directory here.
fs::path first_platform_directory() {
    for (const fs::path& dir : tempfile::detail::os::platform_temp_directories())
        if (fs::is_directory(dir)) return dir;
    return {};
}

TEST(Gettempdir, IsAnAbsoluteExistingDirectory) {
    fs::path dir = tempfile::gettempdir();
    EXPECT_TRUE(dir.is_absolute()) << dir;
    EXPECT_TRUE(fs::is_directory(dir)) << dir;
    use_environment(test_dir());
    dir = tempfile::gettempdir();
    EXPECT_TRUE(dir.is_absolute()) << dir;
    EXPECT_TRUE(fs::is_directory(dir)) << dir;
}

TEST(Gettempdir, ReturnsTheSameAnswerEachTime) {
    use_environment(test_dir());
    fs::path a = tempfile::gettempdir();
    EXPECT_EQ(tempfile::gettempdir(), a);
    std::error_code ec;
    EXPECT_EQ(tempfile::gettempdir(ec), a);
    EXPECT_FALSE(ec);
}

TEST(Gettempdir, TmpdirComesFirstAndKeepsItsCase) {
    fs::path a = make_dir("MiXeD-Temp"), b = make_dir("b"), c = make_dir("c");
    use_environment(a, b, c);
    EXPECT_EQ(tempfile::gettempdir(), a);
    fs::remove(a), fs::remove(b), fs::remove(c);
}

TEST(Gettempdir, TempComesBeforeTmp) {
    fs::path b = make_dir("b"), c = make_dir("c");
    use_environment({}, b, c);
    EXPECT_EQ(tempfile::gettempdir(), b);
    use_environment({}, {}, c);
    EXPECT_EQ(tempfile::gettempdir(), c);
    fs::remove(b), fs::remove(c);
}

TEST(Gettempdir, SkipsAMissingTmpdir) {
    fs::path b = make_dir("b");
    use_environment(test_dir() / "missing", b);
    EXPECT_EQ(tempfile::gettempdir(), b);
    EXPECT_FALSE(fs::exists(test_dir() / "missing"));
    fs::remove(b);
}

TEST(Gettempdir, SkipsATmpdirThatIsAFile) {
    fs::path file = test_dir() / "file", c = make_dir("c");
    tempfile_test::write_text(file, "x");
    use_environment(file, {}, c);
    EXPECT_EQ(tempfile::gettempdir(), c);
    EXPECT_EQ(tempfile_test::read_text(file), "x");
    fs::remove(file), fs::remove(c);
}

TEST(Gettempdir, WithNoUsableVariableUsesThePlatformList) {
    // The list is read after the environment is set: on Windows its first
    // entry, GetTempPath2W's answer, itself comes from TMP, TEMP or USERPROFILE.
    use_environment(test_dir() / "missing", test_dir() / "missing", test_dir() / "missing");
    fs::path expected = first_platform_directory();
    ASSERT_FALSE(expected.empty()) << "none of the platform's temporary directories exists here";
    EXPECT_EQ(tempfile::gettempdir(), expected);
    use_environment({});
    EXPECT_EQ(tempfile::gettempdir(), first_platform_directory());
}

TEST(Gettempdir, RelativeVariableIsMadeAbsolute) {
    fs::path sub = make_dir("sub");
    fs::current_path(test_dir());  // the harness restores the working directory
    use_environment("sub");
    EXPECT_EQ(tempfile::gettempdir(), sub);
    fs::remove(sub);
}

// CPython's test_no_files_left_behind.
TEST(Gettempdir, ProbeLeavesNothingBehind) {
    fs::path a = make_dir("a");
    use_environment(a);
    ASSERT_EQ(tempfile::gettempdir(), a);
    EXPECT_TRUE(list_dir(a).empty());
    fs::remove(a);
}

#ifndef _WIN32
// A directory where the probe cannot be created is skipped, and the probe
// of the next leaves nothing there either.
TEST(Gettempdir, SkipsAReadOnlyDirectoryAndLeavesNothingInEither) {
    fs::path ro = tempfile_test::make_dir_for_nobody("ro");
    fs::path rw = tempfile_test::make_dir_for_nobody("rw");
    int status = tempfile_test::run_as_nobody([&] {
        if (::chmod(ro.c_str(), 0500) != 0) return 10;
        use_environment(ro, rw);
        std::error_code ec;
        fs::path got = tempfile::gettempdir(ec);
        if (ec || got != rw) return 11;
        return list_dir(ro).empty() && list_dir(rw).empty() ? 0 : 12;
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(list_dir(ro).empty());
    EXPECT_TRUE(list_dir(rw).empty());
    fs::permissions(ro, fs::perms::owner_all);
    fs::remove(ro), fs::remove(rw);
}
#endif

TEST(Gettempdir, IsCachedUntilSetTempdirClearsIt) {
    fs::path a = make_dir("a"), b = make_dir("b");
    use_environment(a);
    ASSERT_EQ(tempfile::gettempdir(), a);
    set_env("TMPDIR", b);
    EXPECT_EQ(tempfile::gettempdir(), a) << "the environment was looked at again";
    // Cached, not probed again: even a directory gone since is still the answer, as in Python.
    fs::remove(a);
    EXPECT_EQ(tempfile::gettempdir(), a);
    tempfile::set_tempdir({});
    EXPECT_EQ(tempfile::gettempdir(), b);
    fs::remove(b);
}

TEST(Gettempdir, ConcurrentFirstCallsAgreeAndLeaveNothing) {
    fs::path a = make_dir("a");
    use_environment(a);
    std::vector<fs::path> seen(8);
    std::vector<std::thread> threads;
    for (auto& out : seen) threads.emplace_back([&out] { out = tempfile::gettempdir(); });
    for (auto& t : threads) t.join();
    for (auto& dir : seen) EXPECT_EQ(dir, a);
    EXPECT_TRUE(list_dir(a).empty());
    fs::remove(a);
}

// ---- what the probe reports and proves (issue 9, bug 7) ----------------------

#ifndef _WIN32
const std::error_code emfile(EMFILE, std::system_category());

// When no candidate is usable, the error is the last candidate's own (here
// EMFILE, which every candidate meets), naming it: the working directory.
// It used to be a generic ENOENT with an empty path.
TEST(Gettempdir, NoUsableCandidateReportsTheLastOnesErrorAndNamesIt) {
    fs::path cwd = make_dir("cwd");
    int status = tempfile_test::run_in_child([&] {
        use_environment(test_dir());
        fs::current_path(cwd);
        if (!tempfile_test::use_up_descriptors()) return 10;
        std::error_code ec;
        if (!tempfile::gettempdir(ec).empty() || ec != emfile) return 11;
        auto names_cwd = [&](auto make) {
            try {
                make();
            } catch (const fs::filesystem_error& e) {
                return e.code() == emfile && e.path1() == cwd;
            }
            return false;
        };
        if (!names_cwd([] { tempfile::gettempdir(); })) return 12;
        if (!names_cwd([] { tempfile::named_temporary_file f; })) return 13;
        if (!names_cwd([] { tempfile::temporary_file f; })) return 14;
        if (!names_cwd([] { tempfile::temporary_directory d; })) return 15;
        if (!names_cwd([] { tempfile::mkstemp(); })) return 16;
        if (!names_cwd([] { tempfile::mkdtemp(); })) return 17;
        return 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"cwd"});
    EXPECT_TRUE(list_dir(cwd).empty());
    fs::remove(cwd);
}

// The probe writes nothing: with `ulimit -f 0` a write would kill the
// process with SIGXFSZ (exit 153) and leave the probe file behind.
TEST(Gettempdir, ProbeWritesNothingSoAFileSizeLimitOfZeroKillsNothing) {
    fs::path dir = make_dir("d");
    int status = tempfile_test::run_in_child([&] {
        // Only the soft limit: the hard one stays, so that the coverage
        // build's child can still write its data as it ends (a container's
        // root may lack CAP_SYS_RESOURCE to raise a hard limit again).
        struct rlimit none {};
        if (::getrlimit(RLIMIT_FSIZE, &none) != 0) return 10;
        none.rlim_cur = 0;
        if (::setrlimit(RLIMIT_FSIZE, &none) != 0) return 10;  // SIGXFSZ keeps its default action
        use_environment(dir);
        fs::path made = tempfile::mkdtemp();
        return made.parent_path() == dir ? 0 : 11;
    });
    EXPECT_EQ(status, 0);
    std::vector<std::string> left = list_dir(dir);
    ASSERT_EQ(left.size(), 1u);  // the directory mkdtemp made, and no probe
    EXPECT_TRUE(fs::is_directory(dir / left[0]));
    fs::remove_all(dir);
}
#endif

#ifdef __linux__
// A full file system is refused without a write: by its free blocks (size)
// or by an inode that O_TMPFILE cannot get; an empty one is taken (the control).
TEST(Gettempdir, AFullFileSystemIsSkippedAndAnEmptyOneTaken) {
    fs::path mount = make_dir("mnt");
    enum class fill { nothing, blocks, inodes };
    struct full_case {
        const char* options;
        fill what;
    };
    for (const full_case& c : {full_case{"size=64k", fill::nothing}, full_case{"size=64k", fill::blocks},
                               full_case{"size=1m,nr_inodes=4", fill::inodes}}) {
        int status = tempfile_test::run_on_private_tmpfs(mount, c.options, [&] {
            if (c.what == fill::blocks && !tempfile_test::fill_until_full(mount / "filler")) return 10;
            if (c.what == fill::inodes) {
                int made = 0;
                while (made < 10 && ::mknod((mount / std::to_string(made)).c_str(), S_IFREG | 0600, 0) == 0)
                    ++made;
                if (errno != ENOSPC) return 11;
            }
            const std::size_t entries = list_dir(mount).size();
            use_environment(mount);
            const bool taken = tempfile::gettempdir() == mount;
            if (taken != (c.what == fill::nothing)) return 12;
            return list_dir(mount).size() == entries ? 0 : 13;  // no probe left
        });
        if (status == tempfile_test::no_private_mounts) GTEST_SKIP() << "no private mount namespace here";
        EXPECT_EQ(status, 0) << c.options << ", filled: " << static_cast<int>(c.what);
    }
    EXPECT_TRUE(list_dir(mount).empty());
    fs::remove(mount);
}
#endif

// ---- set_tempdir -----------------------------------------------------------

TEST(SetTempdir, OverrideWinsOverTheEnvironment) {
    fs::path a = make_dir("a"), b = make_dir("b");
    use_environment(a);
    tempfile::set_tempdir(b);
    EXPECT_EQ(tempfile::gettempdir(), b);
    tempfile::set_tempdir({});
    EXPECT_EQ(tempfile::gettempdir(), a);
    fs::remove(a), fs::remove(b);
}

TEST(SetTempdir, OverrideIsUsedAsGivenWithoutAProbe) {
    fs::path missing = test_dir() / "missing";
    tempfile::set_tempdir(missing);
    std::error_code ec;
    EXPECT_EQ(tempfile::gettempdir(ec), missing);
    EXPECT_FALSE(ec);
    EXPECT_FALSE(fs::exists(missing));
}

TEST(SetTempdir, RelativeOverrideIsMadeAbsoluteWhenSet) {
    fs::path a = make_dir("a");
    fs::current_path(test_dir());
    tempfile::set_tempdir("a");
    fs::current_path(a);  // a later chdir changes nothing
    EXPECT_EQ(tempfile::gettempdir(), a);
    fs::current_path(test_dir());
    fs::remove(a);
}

TEST(SetTempdir, ClearingTheOverrideAfterACachedAnswerLooksAgain) {
    fs::path a = make_dir("a"), b = make_dir("b");
    use_environment(a);
    ASSERT_EQ(tempfile::gettempdir(), a);
    tempfile::set_tempdir(b);
    set_env("TMPDIR", b);
    tempfile::set_tempdir({});
    EXPECT_EQ(tempfile::gettempdir(), b);
    fs::remove(a), fs::remove(b);
}

TEST(SetTempdir, NulInTheDirectoryIsInvalidArgumentAndChangesNothing) {
    fs::path before = tempfile::gettempdir();
    EXPECT_THROW(tempfile::set_tempdir(tempfile_test::path_with_nul(test_dir() / "a")),
                 std::invalid_argument);
    EXPECT_EQ(tempfile::gettempdir(), before);
}

// ---- gettempprefix (CPython's TestGetTempPrefix) -----------------------------

TEST(Gettempprefix, IsTmp) {
    EXPECT_EQ(tempfile::gettempprefix(), "tmp");
}

TEST(Gettempprefix, IsUsableInAFileName) {
    tempfile::name_options o;
    o.prefix = "";
    fs::path dir = tempfile::mkdtemp(o);
    fs::path p = dir / (tempfile::gettempprefix() + "xxxxxx.xxx");
    tempfile_test::write_text(p, "");
    EXPECT_TRUE(fs::remove(p));
    fs::remove(dir);
}

// ---- the cache: no system call, no lock, and set_tempdir still works --------

TEST(Gettempdir, DISABLED_CachedAnswerUnderTrace) {
    tempfile::gettempdir();                // the first success probes
    { tempfile::temporary_file warm_up; }  // the random pool's first fill is not gettempdir's
    tempfile_test::trace_begin();
    for (int i = 0; i < 3; ++i) tempfile::gettempdir();
    { tempfile::temporary_file f; }  // the default directory, from the cache
    tempfile_test::trace_end();
}

TEST(Gettempdir, MakesNoSystemCallOnceItHasAnswered) {
    if (const char* why = tempfile_test::why_calls_cannot_be_counted()) GTEST_SKIP() << why;
    auto calls = tempfile_test::traced_calls("Gettempdir.DISABLED_CachedAnswerUnderTrace");
    // Only the file's own calls, nothing for the directory: open and close of
    // an unnamed file; or, where there is none (the portable build), open,
    // unlink and close.
    std::error_code ec;
    auto h = tempfile::detail::os::create_unnamed(tempfile::gettempdir(), ec);
    if (!ec) tempfile::detail::os::close(h);
    if (!ec)
        EXPECT_EQ(calls, (std::vector<std::string>{"openat", "close"}));
    else
        EXPECT_EQ(calls, (std::vector<std::string>{"openat", "unlink", "close"}));
}

// Readers take no lock: an owner made while another thread switches the
// override goes to one of the two directories, whole, and nowhere else.
TEST(SetTempdir, OwnersMadeWhileAnotherThreadSwitchesItGoToOneOfTheTwo) {
    fs::path a = make_dir("a"), b = make_dir("b");
    tempfile::set_tempdir(a);  // before the first owner
    std::atomic<bool> stop{false};
    std::thread switcher([&] {
        for (int i = 0; !stop.load(); ++i) tempfile::set_tempdir(i % 2 ? a : b);
    });
    std::set<fs::path> parents;
    for (int i = 0; i < 2000; ++i) {
        tempfile::named_temporary_file f;
        EXPECT_TRUE(fs::exists(f.path())) << f.path();
        parents.insert(f.path().parent_path());
    }
    stop = true;
    switcher.join();
    tempfile::set_tempdir({});
    for (const fs::path& p : parents) EXPECT_TRUE(p == a || p == b) << p;
    EXPECT_TRUE(fs::is_empty(a));
    EXPECT_TRUE(fs::is_empty(b));
    fs::remove(a), fs::remove(b);
}

// A path gettempdir() gave stays the caller's own value after the override
// changes (the cache keeps every directory it published).
TEST(SetTempdir, AnEarlierAnswerIsUnchangedBySwitching) {
    fs::path a = make_dir("a"), b = make_dir("b");
    tempfile::set_tempdir(a);
    const fs::path first = tempfile::gettempdir();
    for (int i = 0; i < 100; ++i) tempfile::set_tempdir(i % 2 ? a : b);
    EXPECT_EQ(first, a);
    EXPECT_EQ(tempfile::gettempdir(), a);
    tempfile::set_tempdir({});
    fs::remove(a), fs::remove(b);
}

}  // namespace
