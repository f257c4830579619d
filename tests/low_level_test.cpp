// SPDX-License-Identifier: MIT
// mkstemp, mkdtemp, mktemp: a port of CPython's TestMkstempInner,
// TestMkstemp, TestMkdtemp, TestMktemp and TestBadTempdir.
#include "harness.hpp"

#include <tempfile/names.hpp>

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace {
namespace fs = std::filesystem;
using tempfile::name_options;
using tempfile_test::list_dir;
using tempfile_test::test_dir;

const int test_files = 100;  // CPython's TEST_FILES

name_options opts(const std::string& prefix, const std::string& suffix = "", const fs::path& dir = {}) {
    name_options o;
    o.prefix = prefix;
    o.suffix = suffix;
    o.dir = dir;
    return o;
}

// CPython's nameCheck: absolute, in dir, prefix + 8 of [a-z0-9_] + suffix.
void expect_name(const fs::path& path, const fs::path& dir, const std::string& prefix,
                 const std::string& suffix) {
    EXPECT_TRUE(path.is_absolute()) << path;
    EXPECT_EQ(path.parent_path(), dir) << path;
    std::string name = path.filename().string();
    ASSERT_EQ(name.size(), prefix.size() + 8 + suffix.size()) << name;
    EXPECT_EQ(name.substr(0, prefix.size()), prefix);
    EXPECT_EQ(name.substr(prefix.size() + 8), suffix);
    for (char c : name.substr(prefix.size(), 8))
        EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << name;
}

#ifndef _WIN32
unsigned mode_of(const fs::path& p) {
    struct stat st;
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

// Sets the umask for one scope.
class umask_guard {
public:
    explicit umask_guard(mode_t mask) : old_(::umask(mask)) {}
    ~umask_guard() { ::umask(old_); }

private:
    mode_t old_;
};
#endif

// ---- mkstemp ---------------------------------------------------------------

TEST(Mkstemp, CreatesAnOpenWritableFileWithTheAskedName) {
    const std::pair<const char*, const char*> affixes[] = {
        {"", ""}, {"a", ""}, {"", "b"}, {"a", "b"}, {"aa", ".txt"}};
    for (auto [prefix, suffix] : affixes) {
        tempfile::created_file made = tempfile::mkstemp(opts(prefix, suffix));
        expect_name(made.path, test_dir(), prefix, suffix);
        ASSERT_TRUE(made.handle.is_open());
        made.handle.write("blat");
        made.handle.close();
        EXPECT_EQ(tempfile_test::read_text(made.path), "blat");
        fs::remove(made.path);
    }
}

TEST(Mkstemp, DefaultsToGettempdirAndPrefixTmp) {
    tempfile::created_file made = tempfile::mkstemp();
    expect_name(made.path, tempfile::gettempdir(), "tmp", "");
    made.handle.close();
    fs::remove(made.path);
}

TEST(Mkstemp, ManyAtOnceAllDiffer) {
    std::vector<tempfile::created_file> files;
    std::set<fs::path> paths;
    for (int i = 0; i < test_files; ++i) {
        files.push_back(tempfile::mkstemp(opts("aa")));
        EXPECT_TRUE(paths.insert(files.back().path).second);
    }
    EXPECT_EQ(list_dir(test_dir()).size(), static_cast<std::size_t>(test_files));
    for (auto& f : files) {
        f.handle.close();
        fs::remove(f.path);
    }
}

TEST(Mkstemp, ThreadsCreatingAtOnceGetDistinctFiles) {
    std::vector<std::vector<tempfile::created_file>> made(4);
    std::vector<std::thread> threads;
    for (auto& out : made)
        threads.emplace_back([&out] {
            std::error_code ec;
            for (int i = 0; i < 50; ++i) {
                out.push_back(tempfile::mkstemp({}, false, ec));
                if (ec) return;
            }
        });
    for (auto& t : threads) t.join();
    std::set<fs::path> paths;
    for (auto& files : made) {
        EXPECT_EQ(files.size(), 50u);
        for (auto& f : files) {
            EXPECT_TRUE(f.handle.is_open());
            EXPECT_TRUE(paths.insert(f.path).second) << f.path;
            f.handle.close();
            fs::remove(f.path);
        }
    }
    EXPECT_EQ(paths.size(), 200u);
}

TEST(Mkstemp, UsesTheChosenDirectory) {
    fs::path dir = tempfile::mkdtemp();
    tempfile::created_file made = tempfile::mkstemp(opts("", "", dir));
    expect_name(made.path, dir, "", "");
    made.handle.close();
    fs::remove(made.path);
    fs::remove(dir);
}

TEST(Mkstemp, RelativeDirectoryGivesAnAbsolutePath) {
    fs::create_directory(test_dir() / "sub");
    fs::current_path(test_dir());  // the harness restores the working directory
    for (const char* dir : {"sub", "."}) {
        tempfile::created_file made = tempfile::mkstemp(opts("", "", dir));
        EXPECT_TRUE(made.path.is_absolute()) << made.path;
        EXPECT_EQ(made.path.parent_path(), std::string(dir) == "." ? test_dir() : test_dir() / dir);
        made.handle.close();
        fs::remove(made.path);
    }
    fs::remove(test_dir() / "sub");
}

#ifndef _WIN32
TEST(Mkstemp, ModeIs0600WhateverTheUmask) {
    for (mode_t mask : {0000, 0022, 0077}) {
        umask_guard guard(mask);
        tempfile::created_file made = tempfile::mkstemp();
        EXPECT_EQ(mode_of(made.path), 0600u) << "umask " << std::oct << mask;
        made.handle.close();
        fs::remove(made.path);
    }
}

TEST(Mkstemp, DescriptorIsNotInheritedAcrossExec) {
    tempfile::created_file made = tempfile::mkstemp();
    int flags = ::fcntl(made.handle.native_handle(), F_GETFD);
    EXPECT_NE(flags, -1);
    EXPECT_TRUE(flags & FD_CLOEXEC);
    made.handle.close();
    fs::remove(made.path);
}

TEST(Mkstemp, IsOpenForReadingAndWriting) {
    tempfile::created_file made = tempfile::mkstemp();
    int flags = ::fcntl(made.handle.native_handle(), F_GETFL);
    EXPECT_EQ(flags & O_ACCMODE, O_RDWR);
    made.handle.write("hello");
    made.handle.seek(0);
    char buf[8] = {};
    EXPECT_EQ(made.handle.read(buf, sizeof buf), 5u);
    EXPECT_EQ(std::string(buf, 5), "hello");
    made.handle.close();
    fs::remove(made.path);
}
#endif

// ---- mkdtemp ---------------------------------------------------------------

TEST(Mkdtemp, CreatesAnEmptyDirectoryWithTheAskedName) {
    const std::pair<const char*, const char*> affixes[] = {
        {"", ""}, {"a", ""}, {"", "b"}, {"a", "b"}, {"aa", ".txt"}};
    for (auto [prefix, suffix] : affixes) {
        fs::path made = tempfile::mkdtemp(opts(prefix, suffix));
        expect_name(made, test_dir(), prefix, suffix);
        EXPECT_TRUE(fs::is_directory(made));
        EXPECT_TRUE(list_dir(made).empty());
        fs::remove(made);
    }
}

TEST(Mkdtemp, ManyAtOnceAllDiffer) {
    std::set<fs::path> made;
    for (int i = 0; i < test_files; ++i) EXPECT_TRUE(made.insert(tempfile::mkdtemp(opts("aa"))).second);
    EXPECT_EQ(list_dir(test_dir()).size(), static_cast<std::size_t>(test_files));
    for (auto& d : made) fs::remove(d);
}

TEST(Mkdtemp, UsesTheChosenDirectory) {
    fs::path dir = tempfile::mkdtemp();
    fs::path made = tempfile::mkdtemp(opts("", "", dir));
    expect_name(made, dir, "", "");
    fs::remove(made);
    fs::remove(dir);
}

TEST(Mkdtemp, RelativeDirectoryGivesAnAbsolutePath) {
    fs::current_path(test_dir());
    fs::path made = tempfile::mkdtemp(opts("x", "", "."));
    EXPECT_TRUE(made.is_absolute()) << made;
    EXPECT_EQ(made.parent_path(), test_dir());
    fs::remove(made);
}

#ifndef _WIN32
TEST(Mkdtemp, ModeIs0700WhateverTheUmask) {
    for (mode_t mask : {0000, 0022, 0077}) {
        umask_guard guard(mask);
        fs::path made = tempfile::mkdtemp();
        EXPECT_EQ(mode_of(made), 0700u) << "umask " << std::oct << mask;
        fs::remove(made);
    }
}
#endif

// ---- mktemp ----------------------------------------------------------------

TEST(Mktemp, ReturnsAFreeNameAndCreatesNothing) {
    const std::pair<const char*, const char*> affixes[] = {
        {"", ""}, {"a", ""}, {"", "b"}, {"a", "b"}, {"aa", ".txt"}};
    for (auto [prefix, suffix] : affixes) {
        fs::path name = tempfile::mktemp(opts(prefix, suffix));
        expect_name(name, test_dir(), prefix, suffix);
        EXPECT_TRUE(list_dir(test_dir()).empty());
        // The name is usable: an exclusive creation succeeds.
        std::error_code ec;
        EXPECT_TRUE(fs::create_directory(name, ec)) << ec.message();
        fs::remove(name);
    }
}

TEST(Mktemp, ManyNamesAreUsable) {
    std::set<fs::path> names;
    for (int i = 0; i < test_files; ++i) {
        fs::path name = tempfile::mktemp(opts("aa"));
        EXPECT_TRUE(names.insert(name).second);
        ASSERT_TRUE(fs::create_directory(name));  // fails if the name was taken
    }
    for (auto& n : names) fs::remove(n);
}

TEST(Mktemp, RelativeDirectoryGivesAnAbsolutePath) {
    fs::current_path(test_dir());
    fs::path name = tempfile::mktemp(opts("", "", "."));
    EXPECT_TRUE(name.is_absolute());
    EXPECT_EQ(name.parent_path(), test_dir());
}

// ---- bad options -----------------------------------------------------------

const std::pair<std::string, std::string> bad_affixes[] = {
    {"a/b", ""}, {"", "/x"}, {std::string("a\0b", 3), ""}, {"", std::string(1, '\0')}};

TEST(LowLevel, SeparatorOrNulInPrefixOrSuffixThrowsInvalidArgumentAndCreatesNothing) {
    for (auto& [prefix, suffix] : bad_affixes) {
        EXPECT_THROW(tempfile::mkstemp(opts(prefix, suffix)), std::invalid_argument);
        EXPECT_THROW(tempfile::mkdtemp(opts(prefix, suffix)), std::invalid_argument);
        EXPECT_THROW(tempfile::mktemp(opts(prefix, suffix)), std::invalid_argument);
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(LowLevel, ErrorCodeOverloadsReportBadOptionsWithoutThrowing) {
    for (auto& [prefix, suffix] : bad_affixes) {
        std::error_code ec;
        tempfile::created_file made;
        EXPECT_NO_THROW(made = tempfile::mkstemp(opts(prefix, suffix), false, ec));
        EXPECT_EQ(ec, std::errc::invalid_argument);
        EXPECT_FALSE(made.handle.is_open());
        EXPECT_TRUE(made.path.empty());
        ec.clear();
        fs::path p;
        EXPECT_NO_THROW(p = tempfile::mkdtemp(opts(prefix, suffix), ec));
        EXPECT_EQ(ec, std::errc::invalid_argument);
        EXPECT_TRUE(p.empty());
        ec.clear();
        EXPECT_NO_THROW(p = tempfile::mktemp(opts(prefix, suffix), ec));
        EXPECT_EQ(ec, std::errc::invalid_argument);
        EXPECT_TRUE(p.empty());
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// Issue 9, bug 9: the OS reads a path only up to a NUL, so "sub/newname\0/x"
// used to create "sub/newname" and return a path with the NUL inside.
TEST(LowLevel, NulInTheDirectoryThrowsInvalidArgumentAndCreatesNothing) {
    fs::create_directory(test_dir() / "sub");
    const fs::path dir = tempfile_test::path_with_nul(test_dir() / "sub" / "newname");
    EXPECT_THROW(tempfile::mkstemp(opts("tmp", "", dir)), std::invalid_argument);
    EXPECT_THROW(tempfile::mkdtemp(opts("tmp", "", dir)), std::invalid_argument);
    EXPECT_THROW(tempfile::mktemp(opts("tmp", "", dir)), std::invalid_argument);
    std::error_code ec;
    tempfile::created_file made = tempfile::mkstemp(opts("tmp", "", dir), false, ec);
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_FALSE(made.handle.is_open());
    EXPECT_TRUE(tempfile::mkdtemp(opts("tmp", "", dir), ec).empty());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_TRUE(tempfile::mktemp(opts("tmp", "", dir), ec).empty());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_TRUE(list_dir(test_dir() / "sub").empty());
    fs::remove(test_dir() / "sub");
}

// ---- a bad directory (CPython's TestBadTempdir) -----------------------------

// Runs `call` expecting filesystem_error `code` with `dir` in path1.
template <typename Call>
void expect_filesystem_error(Call call, std::errc code, const fs::path& dir) {
    try {
        call();
        ADD_FAILURE() << "did not throw";
    } catch (const fs::filesystem_error& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        EXPECT_EQ(e.code().category(), std::system_category());
        EXPECT_EQ(e.path1(), dir);
    }
}

TEST(LowLevel, MissingDirectoryFailsWithEnoentNamingIt) {
    fs::path missing = test_dir() / "nonexistent";
    expect_filesystem_error([&] { tempfile::mkstemp(opts("", "", missing)); },
                            std::errc::no_such_file_or_directory, missing);
    expect_filesystem_error([&] { tempfile::mkdtemp(opts("", "", missing)); },
                            std::errc::no_such_file_or_directory, missing);
    std::error_code ec;
    EXPECT_FALSE(tempfile::mkstemp(opts("", "", missing), false, ec).handle.is_open());
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_TRUE(tempfile::mkdtemp(opts("", "", missing), ec).empty());
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(LowLevel, MissingGettempdirOverrideFailsWithEnoentNamingIt) {
    fs::path missing = test_dir() / "nonexistent";
    tempfile::set_tempdir(missing);
    expect_filesystem_error([] { tempfile::mkstemp(); }, std::errc::no_such_file_or_directory, missing);
    expect_filesystem_error([] { tempfile::mkdtemp(); }, std::errc::no_such_file_or_directory, missing);
}

TEST(LowLevel, DirectoryThatIsAFileFailsWithEnotdir) {
    fs::path file = test_dir() / "file";
    tempfile_test::write_text(file, "");
#ifdef _WIN32  // Windows says "path not found" there (CPython's test accepts either)
    const std::errc not_a_directory = std::errc::no_such_file_or_directory;
#else
    const std::errc not_a_directory = std::errc::not_a_directory;
#endif
    expect_filesystem_error([&] { tempfile::mkstemp(opts("", "", file)); }, not_a_directory, file);
    expect_filesystem_error([&] { tempfile::mkdtemp(opts("", "", file)); }, not_a_directory, file);
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"file"});
    fs::remove(file);
}

#ifndef _WIN32
TEST(LowLevel, ReadOnlyDirectoryFailsWithEaccesAndCreatesNothing) {
    fs::path dir = tempfile_test::make_dir_for_nobody("ro");
    int status = tempfile_test::run_as_nobody([&] {
        if (::chmod(dir.c_str(), 0500) != 0) return 10;
        std::error_code ec;
        tempfile::created_file made = tempfile::mkstemp(opts("", "", dir), false, ec);
        if (ec != std::errc::permission_denied || made.handle.is_open()) return 11;
        if (!tempfile::mkdtemp(opts("", "", dir), ec).empty() || ec != std::errc::permission_denied)
            return 12;
        try {
            tempfile::mkstemp(opts("", "", dir));
            return 13;
        } catch (const fs::filesystem_error& e) {
            if (e.code() != std::errc::permission_denied || e.path1() != dir) return 14;
        }
        try {
            tempfile::mkdtemp(opts("", "", dir));
            return 15;
        } catch (const fs::filesystem_error& e) {
            if (e.code() != std::errc::permission_denied || e.path1() != dir) return 16;
        }
        return list_dir(dir).empty() ? 0 : 17;
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(list_dir(dir).empty());
    fs::permissions(dir, fs::perms::owner_all);
    fs::remove(dir);
}
#endif

}  // namespace
