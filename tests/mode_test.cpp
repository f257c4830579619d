// SPDX-License-Identifier: MIT
// options.mode (src/mode.hpp and every maker that passes it down): each
// owner and each low-level call creates with exactly the bits asked, the
// umask applied as open(2) and mkdir(2) apply it, under umask 0, 022 and
// 077; unset, 0600 and 0700 as before; out of range, nothing is created.
#include "harness.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#ifndef _WIN32
#include <sys/stat.h>
#endif

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::test_dir;

// One way of making something with a mode: returns the bits it got.
struct maker_case {
    const char* what;
    unsigned fallback;  // the bits without options.mode
    std::function<unsigned(const std::optional<fs::perms>&)> make;
};

#ifndef _WIN32
unsigned bits(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}
unsigned bits(int fd) {
    struct stat st {};
    EXPECT_EQ(::fstat(fd, &st), 0);
    return st.st_mode & 07777;
}
#endif

template <class Options>
Options with(const std::optional<fs::perms>& mode) {
    Options o;
    o.dir = test_dir();
    o.mode = mode;
    return o;
}

std::vector<maker_case> every_maker() {
    return {
        {"mkstemp", 0600,
         [](const std::optional<fs::perms>& mode) {
             tempfile::created_file made = tempfile::mkstemp(with<tempfile::name_options>(mode));
             made.handle.close();
#ifndef _WIN32
             const unsigned got = bits(made.path);
#else
             const unsigned got = 0;
#endif
             fs::remove(made.path);
             return got;
         }},
        {"mkdtemp", 0700,
         [](const std::optional<fs::perms>& mode) {
             fs::path made = tempfile::mkdtemp(with<tempfile::name_options>(mode));
#ifndef _WIN32
             const unsigned got = bits(made);
#else
             const unsigned got = 0;
#endif
             fs::remove(made);
             return got;
         }},
        {"temporary_file", 0600,
         [](const std::optional<fs::perms>& mode) {
             tempfile::temporary_file f(with<tempfile::name_options>(mode));
#ifndef _WIN32
             return bits(f.native_handle());
#else
             return 0u;
#endif
         }},
        {"spooled_temporary_file", 0600,
         [](const std::optional<fs::perms>& mode) {
             tempfile::spooled_temporary_file f(0, with<tempfile::name_options>(mode));
             f.rollover();
#ifndef _WIN32
             return bits(f.native_handle());
#else
             return 0u;
#endif
         }},
        {"named_temporary_file", 0600,
         [](const std::optional<fs::perms>& mode) {
             tempfile::named_temporary_file f(with<tempfile::named_file_options>(mode));
#ifndef _WIN32
             return bits(f.path());
#else
             return 0u;
#endif
         }},
        {"temporary_directory", 0700,
         [](const std::optional<fs::perms>& mode) {
             tempfile::temporary_directory d(with<tempfile::directory_options>(mode));
#ifndef _WIN32
             return bits(d.path());
#else
             return 0u;
#endif
         }},
    };
}

#ifndef _WIN32
class umask_guard {
public:
    explicit umask_guard(mode_t mask) : old_(::umask(mask)) {}
    ~umask_guard() { ::umask(old_); }
    umask_guard(const umask_guard&) = delete;
    umask_guard& operator=(const umask_guard&) = delete;

private:
    mode_t old_;
};

TEST(Mode, EveryMakerCreatesWithTheBitsAskedLessTheUmask) {
    for (const maker_case& c : every_maker()) {
        for (mode_t umask : {0, 022, 077}) {
            for (unsigned asked : {0644u, 0750u, 0600u, 0400u}) {
                umask_guard guard(umask);
                EXPECT_EQ(c.make(static_cast<fs::perms>(asked)), asked & ~umask)
                    << c.what << ", mode " << std::oct << asked << ", umask " << umask;
            }
        }
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(Mode, UnsetLeavesEveryMakerAtItsOwnerOnlyBits) {
    for (const maker_case& c : every_maker()) {
        for (mode_t umask : {0, 022, 077}) {
            umask_guard guard(umask);
            EXPECT_EQ(c.make(std::nullopt), c.fallback) << c.what << ", umask " << std::oct << umask;
        }
    }
}

// mkdir(2) keeps the sticky bit it is given (Linux); open(2) the setgid one
// for a group the creator is in. Asked for, they are passed through as asked.
TEST(Mode, TheStickyBitOfADirectoryIsPassedToMkdir) {
    umask_guard guard(022);
    tempfile::temporary_directory d(with<tempfile::directory_options>(static_cast<fs::perms>(01777)));
    EXPECT_EQ(bits(d.path()), 01755u);
}
#else
TEST(Mode, WindowsIgnoresTheModeAndCreatesAsUsual) {
    for (const maker_case& c : every_maker()) EXPECT_NO_THROW(c.make(static_cast<fs::perms>(0644))) << c.what;
    EXPECT_TRUE(list_dir(test_dir()).empty());
}
#endif

TEST(Mode, BitsOutsideTheMaskAreInvalidArgumentForEveryMakerAndCreateNothing) {
    for (const maker_case& c : every_maker())
        EXPECT_THROW(c.make(fs::perms::unknown), std::invalid_argument) << c.what;
    const std::optional<fs::perms> bad = static_cast<fs::perms>(010000);
    std::error_code ec;
    EXPECT_FALSE(tempfile::mkstemp(with<tempfile::name_options>(bad), false, ec).handle.is_open());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_TRUE(tempfile::mkdtemp(with<tempfile::name_options>(bad), ec).empty());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_FALSE(tempfile::temporary_file::create(with<tempfile::name_options>(bad), ec).is_open());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_FALSE(
        tempfile::spooled_temporary_file::create(0, with<tempfile::name_options>(bad), ec).rolled_over());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_FALSE(
        tempfile::named_temporary_file::create(with<tempfile::named_file_options>(bad), ec).is_open());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_TRUE(
        tempfile::temporary_directory::create(with<tempfile::directory_options>(bad), ec).path().empty());
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

}  // namespace
