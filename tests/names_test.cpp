// SPDX-License-Identifier: MIT
// The naming core (src/names.cpp): a port of CPython's TestRandomNameSequence
// and TestGetCandidateNames, plus the option checks and the retry loop,
// tested directly since no public call can force a collision.
#include "harness.hpp"
#include "names_internal.hpp"
#include "os.hpp"

#include <tempfile/names.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef _WIN32
#include <unistd.h>
#endif

namespace {
namespace fs = std::filesystem;
namespace detail = tempfile::detail;
using tempfile_test::test_dir;

const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_";

// An error_code that must stay clear, for calls whose success the test checks otherwise.
struct ec_sink {
    std::error_code ec;
    operator std::error_code&() { return ec; }
    ~ec_sink() { EXPECT_FALSE(ec) << ec.message(); }
};

// The OS's own "name taken": system_category holds GetLastError codes on
// Windows, where EEXIST (17) would be ERROR_NOT_SAME_DEVICE.
#ifdef _WIN32
constexpr int os_eexist = 80;  // ERROR_FILE_EXISTS
#else
constexpr int os_eexist = EEXIST;
#endif

std::string name_or_fail() {
    std::error_code ec;
    std::string name = detail::random_name(ec);
    EXPECT_FALSE(ec) << ec.message();
    return name;
}

bool is_valid_name(const std::string& name) {
    return name.size() == 8 && std::all_of(name.begin(), name.end(),
                                           [](char c) { return alphabet.find(c) != std::string::npos; });
}

TEST(RandomName, IsEightCharactersOfLowerCaseDigitsAndUnderscore) {
    for (int i = 0; i < 100; ++i) {
        std::string name = name_or_fail();
        EXPECT_TRUE(is_valid_name(name)) << name;
    }
}

TEST(RandomName, ManyNamesAreAllDifferent) {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        std::string name = name_or_fail();
        ASSERT_TRUE(is_valid_name(name)) << name;
        EXPECT_TRUE(seen.insert(name).second) << "repeated: " << name;
    }
}

// With 800000 characters each of the 37 is expected 21622 times, standard
// deviation 145: a 5% band is 7 deviations wide, so chance never fails it,
// while taking bytes modulo 37 without rejection would make '8', '9' and '_'
// 13% rarer than the rest.
TEST(RandomName, EveryCharacterIsEquallyLikely) {
    std::map<char, long> counts;
    const int names = 100000;
    for (int i = 0; i < names; ++i)
        for (char c : name_or_fail()) ++counts[c];
    ASSERT_EQ(counts.size(), alphabet.size());
    const double expected = names * 8.0 / static_cast<double>(alphabet.size());
    for (auto& [c, n] : counts) {
        EXPECT_NE(alphabet.find(c), std::string::npos) << c;
        EXPECT_GT(n, expected * 0.95) << "'" << c << "' too rare";
        EXPECT_LT(n, expected * 1.05) << "'" << c << "' too frequent";
    }
}

TEST(RandomName, ThreadsDrawDifferentNames) {
    std::vector<std::vector<std::string>> drawn(4);
    std::vector<std::thread> threads;
    for (auto& out : drawn)
        threads.emplace_back([&out] {
            std::error_code ec;
            for (int i = 0; i < 500; ++i) out.push_back(detail::random_name(ec));
        });
    for (auto& t : threads) t.join();
    std::set<std::string> all;
    for (auto& names : drawn)
        for (auto& name : names) {
            EXPECT_TRUE(is_valid_name(name)) << name;
            EXPECT_TRUE(all.insert(name).second) << "repeated across threads: " << name;
        }
}

#ifndef _WIN32
// CPython's test_process_awareness. The parent draws first, so that its
// per-thread block of random bytes is filled: the child inherits a copy of
// it and, unless it throws the copy away, produces the parent's next name.
TEST(RandomName, ChildAfterForkDrawsOtherNamesThanItsParent) {
    name_or_fail();
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    int status = tempfile_test::run_in_child([&] {
        ::close(fds[0]);
        std::string names;
        std::error_code ec;
        for (int i = 0; i < 4; ++i) names += detail::random_name(ec);
        bool ok = !ec && ::write(fds[1], names.data(), names.size()) == static_cast<ssize_t>(names.size());
        ::close(fds[1]);
        return ok ? 0 : 1;
    });
    ::close(fds[1]);
    std::string child(32, '\0');
    std::size_t got = 0;
    while (got < child.size()) {
        ssize_t n = ::read(fds[0], &child[got], child.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fds[0]);
    ASSERT_EQ(status, 0);
    ASSERT_EQ(got, child.size());
    std::string parent;
    for (int i = 0; i < 4; ++i) parent += name_or_fail();
    EXPECT_NE(child, parent);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_NE(child.substr(i * 8, 8), parent.substr(i * 8, 8)) << "name " << i << " repeated after fork";
}

TEST(ForkGeneration, ChangesInAForkedChildOnly) {
    std::uint64_t before = detail::current_generation();
    EXPECT_EQ(detail::current_generation(), before);
    int status =
        tempfile_test::run_in_child([before] { return detail::current_generation() != before ? 0 : 1; });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(detail::current_generation(), before);
}
#endif

// ---- check_affixes --------------------------------------------------------

TEST(CheckAffixes, AcceptsOrdinaryPrefixesAndSuffixes) {
    std::error_code ec = std::make_error_code(std::errc::io_error);
    detail::check_affixes("tmp", ".txt", ec);
    EXPECT_FALSE(ec);
    detail::check_affixes("", "", ec);
    EXPECT_FALSE(ec);
    detail::check_affixes("a b-c.", "..", ec);
    EXPECT_FALSE(ec);
}

TEST(CheckAffixes, RejectsASlashOrNulAsABadOptionNotAnOsError) {
    const std::string nul("a\0b", 3);
    for (auto [prefix, suffix] :
         {std::pair<std::string, std::string>{"a/b", ""}, {"", "x/"}, {"/", "/"}, {nul, ""}, {"", nul}}) {
        std::error_code ec;
        detail::check_affixes(prefix, suffix, ec);
        EXPECT_EQ(ec, std::errc::invalid_argument) << prefix << "|" << suffix;
        // generic_category is how throw_error tells a bad option from an OS error.
        EXPECT_EQ(ec.category(), std::generic_category());
    }
}

// ---- resolve_directory ----------------------------------------------------

TEST(ResolveDirectory, EmptyMeansGettempdir) {
    std::error_code ec;
    EXPECT_EQ(detail::resolve_directory({}, ec), tempfile::gettempdir());
    EXPECT_FALSE(ec);
}

TEST(ResolveDirectory, RelativeIsMadeAbsoluteWithoutResolvingLinks) {
#ifdef _WIN32
    GTEST_SKIP() << "std::filesystem of mingw-w64 cannot create symbolic links (Wine 8 neither)";
#endif
    fs::create_directory(test_dir() / "real");
    fs::create_directory_symlink("real", test_dir() / "link");
    fs::current_path(test_dir());  // the harness restores the working directory
    std::error_code ec;
    fs::path resolved = detail::resolve_directory("link", ec);
    EXPECT_FALSE(ec);
    EXPECT_EQ(resolved, test_dir() / "link");
    fs::remove(test_dir() / "link");
    fs::remove(test_dir() / "real");
}

TEST(ResolveDirectory, DropsDotStepsButKeepsDotDot) {
    fs::current_path(test_dir());
    std::error_code ec;
    EXPECT_EQ(detail::resolve_directory(".", ec), test_dir());
    EXPECT_EQ(detail::resolve_directory("./a/./b/", ec), test_dir() / "a" / "b");
#ifdef _WIN32  // Win32 resolves ".." by the path's text, as the OS itself does
    EXPECT_EQ(detail::resolve_directory("link/..", ec), test_dir());
#else
    // "link/.." is where the link's target's parent is, not test_dir(): no guessing.
    EXPECT_EQ(detail::resolve_directory("link/..", ec), test_dir() / "link" / "..");
#endif
    EXPECT_EQ(detail::resolve_directory(test_dir() / "." / "x", ec), test_dir() / "x");
    EXPECT_FALSE(ec);
}

// ---- create_unique ---------------------------------------------------------

// Every form a caller's dir takes gives the same kind of candidate: the
// directory made absolute with its "." and empty steps dropped, one
// separator, then prefix + 8 + suffix; and no two candidates alike.
TEST(CreateUnique, CandidateIsTheCleanAbsoluteDirThenTheNameForEveryFormOfDir) {
    fs::create_directory(test_dir() / "sub");
    fs::current_path(test_dir());  // the harness restores the working directory
    const fs::path sub = test_dir() / "sub";
    const fs::path::string_type sep(1, fs::path::preferred_separator);
    const std::vector<std::pair<fs::path, fs::path>> cases = {
        {test_dir(), test_dir()},                                  // absolute, clean: used as it is
        {fs::path(test_dir().native() + sep), test_dir()},         // trailing separator
        {fs::path(test_dir().native() + sep + sep) / "sub", sub},  // doubled separator
        {test_dir() / "." / "sub" / ".", sub},                     // "." steps
        {"sub", sub},                                              // relative
        {fs::path("sub") / "", sub},                               // relative, trailing separator
        {fs::path(".") / "sub", sub},                              // relative with "."
        {".", test_dir()},                                         // the working directory
    };
    std::set<fs::path> seen;
    for (const auto& [dir, expected] : cases) {
        for (int i = 0; i < 20; ++i) {
            fs::path made = detail::create_unique(
                "pre", ".suf", dir, [](const fs::path&, std::error_code&) {}, ec_sink());
            ASSERT_FALSE(made.empty()) << dir;
            EXPECT_TRUE(made.is_absolute()) << made;
            EXPECT_EQ(made.parent_path().native(), expected.native()) << "dir " << dir;
            const std::string name = made.filename().string();
            ASSERT_EQ(name.size(), 3u + 8u + 4u) << made;
            EXPECT_EQ(name.substr(0, 3), "pre");
            EXPECT_TRUE(is_valid_name(name.substr(3, 8))) << name;
            EXPECT_EQ(name.substr(11), ".suf");
            EXPECT_TRUE(seen.insert(made).second) << "a name came twice: " << made;
        }
    }
    fs::remove(sub);
}

// A root directory gets no second separator.
TEST(CreateUnique, InTheRootTheNameFollowsTheRootDirectly) {
    fs::path root = test_dir().root_path();
    fs::path made = detail::create_unique(
        "pre", "", root, [](const fs::path&, std::error_code&) {}, ec_sink());
    EXPECT_EQ(made.parent_path(), root);
    EXPECT_EQ(made.native().size(), root.native().size() + 3u + 8u) << made;
}

TEST(CreateUnique, RetriesCollisionsWithNewNamesThenReturnsTheOneMade) {
    std::vector<fs::path> tried;
    auto make = [&tried](const fs::path& candidate, std::error_code& ec) {
        tried.push_back(candidate);
        if (tried.size() <= 5) ec = std::error_code(os_eexist, std::system_category());
    };
    std::error_code ec;
    fs::path made = detail::create_unique("pre", ".suf", test_dir(), make, ec);
    EXPECT_FALSE(ec) << ec.message();
    ASSERT_EQ(tried.size(), 6u);
    EXPECT_EQ(made, tried.back());
    EXPECT_EQ(std::set<fs::path>(tried.begin(), tried.end()).size(), 6u)
        << "a collision was retried with the same name";
    for (const fs::path& p : tried) {
        EXPECT_EQ(p.parent_path(), test_dir());
        std::string name = p.filename().string();
        ASSERT_EQ(name.size(), 3u + 8u + 4u) << name;
        EXPECT_EQ(name.substr(0, 3), "pre");
        EXPECT_EQ(name.substr(11), ".suf");
        EXPECT_TRUE(is_valid_name(name.substr(3, 8))) << name;
    }
}

TEST(CreateUnique, GivesUpWithEexistAfterMaxAttempts) {
    int calls = 0;
    auto make = [&calls](const fs::path&, std::error_code& ec) {
        ++calls;
        ec = std::error_code(os_eexist, std::system_category());
    };
    std::error_code ec;
    fs::path made = detail::create_unique("tmp", "", test_dir(), make, ec);
    // The OS's own error from the last try, category and all.
    EXPECT_EQ(ec, std::error_code(os_eexist, std::system_category()));
    EXPECT_TRUE(made.empty());
    EXPECT_EQ(calls, detail::max_attempts);
}

TEST(CreateUnique, StopsAtOnceOnAnyOtherErrorAndKeepsIt) {
    int calls = 0;
    auto make = [&calls](const fs::path&, std::error_code& ec) {
        ++calls;
        ec = std::error_code(EACCES, std::system_category());
    };
    std::error_code ec;
    fs::path made = detail::create_unique("tmp", "", test_dir(), make, ec);
    EXPECT_EQ(ec, std::error_code(EACCES, std::system_category()));
    EXPECT_TRUE(made.empty());
    EXPECT_EQ(calls, 1);
}

TEST(CreateUnique, BadAffixCallsNothing) {
    int calls = 0;
    auto make = [&calls](const fs::path&, std::error_code&) { ++calls; };
    std::error_code ec;
    EXPECT_TRUE(detail::create_unique("a/b", "", test_dir(), make, ec).empty());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_EQ(calls, 0);
}

TEST(CreateUnique, RelativeDirectoryGivesAnAbsolutePath) {
    fs::current_path(test_dir());
    std::error_code ec;
    fs::path made = detail::create_unique(
        "", "", "sub", [](const fs::path&, std::error_code&) {}, ec);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(made.is_absolute()) << made;
    EXPECT_EQ(made.parent_path(), test_dir() / "sub");
}

// ---- throw_error -----------------------------------------------------------

TEST(ThrowError, ABadOptionThrowsInvalidArgument) {
    EXPECT_THROW(
        detail::throw_error("mkstemp", test_dir(), std::make_error_code(std::errc::invalid_argument)),
        std::invalid_argument);
}

TEST(ThrowError, AnOsErrorThrowsFilesystemErrorNamingThePath) {
    // The OS's own EINVAL is not a bad option: it keeps its category and path.
    for (int code : {ENOENT, EINVAL}) {
        try {
            detail::throw_error("mkstemp", test_dir(), std::error_code(code, std::system_category()));
            ADD_FAILURE() << "did not throw";
        } catch (const fs::filesystem_error& e) {
            EXPECT_EQ(e.code(), std::error_code(code, std::system_category()));
            EXPECT_EQ(e.path1(), test_dir());
        }
    }
}

}  // namespace
