// SPDX-License-Identifier: MIT
// Heap allocations per create + destroy, counted by the replacing operator
// new of support/counting_new.cpp (this thread's only): the hot path's
// budget, asserted because it is deterministic (its time is a benchmark's
// business, in bench/).
//
// The budget: temporary_file makes none (where it must fall back to a named
// file whose name it drops, only that name); named_temporary_file,
// temporary_directory, mkstemp and mkdtemp make only the path the caller
// gets. What one fs::path costs depends on the standard library: one block
// for its text with libc++ and MSVC's; with libstdc++ also its list of
// components (and one more for each component longer than 15 characters),
// so the tests compare with the cost of building that same path by hand.
#include "counting_new.hpp"
#include "harness.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <system_error>

namespace {
namespace fs = std::filesystem;
using tempfile_test::allocation_counter;
using tempfile_test::test_dir;

// What the caller's path costs: its text built once, then moved into a path.
std::size_t cost_of_a_path_like(const fs::path& made) {
    allocation_counter counter;
    {
        fs::path::string_type text;
        text.reserve(made.native().size());
        text.append(made.native());
        fs::path path(std::move(text));
        EXPECT_EQ(path, made);
    }
    return counter.count();
}

// Both places a caller names without a copy being needed: the default
// directory and an absolute dir without "." or empty steps.
class AllocationCount : public ::testing::TestWithParam<bool> {
protected:
    fs::path dir() const { return GetParam() ? test_dir() : fs::path(); }
};

// Whether temporary_file makes an unnamed file here (Linux O_TMPFILE): only
// such a file can be given a name by persist().
bool unnamed_files_here() {
    tempfile::temporary_file f;
    std::error_code ec;
    f.persist(test_dir() / "named-by-persist", ec);
    if (!ec) fs::remove(test_dir() / "named-by-persist");
    return !ec;
}

// Where there are no unnamed files (Windows, the portable POSIX build), it
// makes a named file and drops the name: that name is all it may cost.
TEST_P(AllocationCount, TemporaryFileMakesNoneOrOnlyTheNameItDrops) {
    tempfile::name_options options;
    options.dir = dir();
    auto make = [&] {
        std::error_code ec;
        auto f = tempfile::temporary_file::create(options, ec);
        ASSERT_FALSE(ec) << ec.message();
        ASSERT_TRUE(f.is_open());
    };
    make();  // the first call pays once per process or thread (gettempdir's probe, the random pool)
    std::size_t count = 0;
    {
        allocation_counter counter;
        make();
        count = counter.count();
    }
    if (unnamed_files_here()) {
        EXPECT_EQ(count, 0u);
    } else {
        const fs::path where = options.dir.empty() ? tempfile::gettempdir() : options.dir;
        EXPECT_EQ(count, cost_of_a_path_like(where / (options.prefix + "abcdefgh" + options.suffix)));
    }
}

TEST_P(AllocationCount, NamedTemporaryFileMakesOnlyItsPath) {
    tempfile::named_file_options options;
    options.dir = dir();
    fs::path made = tempfile::named_temporary_file(options).path();  // warm-up, and a path like the next
    std::size_t count = 0;
    {
        allocation_counter counter;
        {
            std::error_code ec;
            auto f = tempfile::named_temporary_file::create(options, ec);
            ASSERT_FALSE(ec) << ec.message();
        }  // deleted here
        count = counter.count();
    }
    EXPECT_EQ(count, cost_of_a_path_like(made));
}

TEST_P(AllocationCount, TemporaryDirectoryMakesOnlyItsPath) {
    tempfile::directory_options options;
    options.dir = dir();
    fs::path made = tempfile::temporary_directory(options).path();
    std::size_t count = 0;
    {
        allocation_counter counter;
        {
            std::error_code ec;
            auto d = tempfile::temporary_directory::create(options, ec);
            ASSERT_FALSE(ec) << ec.message();
        }  // removed here
        count = counter.count();
    }
    EXPECT_EQ(count, cost_of_a_path_like(made));
}

// The caller owns what mkstemp and mkdtemp make: the test closes and
// removes it (neither allocates), and moves the path out.
TEST_P(AllocationCount, MkstempMakesOnlyThePath) {
    tempfile::name_options options;
    options.dir = dir();
    auto make = [&] {
        std::error_code ec;
        tempfile::created_file f = tempfile::mkstemp(options, false, ec);
        EXPECT_FALSE(ec) << ec.message();
        f.handle.close();
        fs::remove(f.path, ec);
        EXPECT_FALSE(ec) << ec.message();
        return std::move(f.path);
    };
    make();  // warm-up
    std::size_t count = 0;
    fs::path made;
    {
        allocation_counter counter;
        made = make();
        count = counter.count();
    }
    EXPECT_EQ(count, cost_of_a_path_like(made));
}

TEST_P(AllocationCount, MkdtempMakesOnlyThePath) {
    tempfile::name_options options;
    options.dir = dir();
    auto make = [&] {
        std::error_code ec;
        fs::path path = tempfile::mkdtemp(options, ec);
        EXPECT_FALSE(ec) << ec.message();
        fs::remove(path, ec);
        EXPECT_FALSE(ec) << ec.message();
        return path;
    };
    make();  // warm-up
    std::size_t count = 0;
    fs::path made;
    {
        allocation_counter counter;
        made = make();
        count = counter.count();
    }
    EXPECT_EQ(count, cost_of_a_path_like(made));
}

INSTANTIATE_TEST_SUITE_P(InTheDefaultOrAnAbsoluteDirectory, AllocationCount, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "AbsoluteDir" : "DefaultDir"; });

// The yardstick itself: a path of short steps (7 characters at most, what
// even a wide string keeps inline) is at most its text and, in libstdc++,
// its component list.
TEST(AllocationCountYardstick, APathOfShortStepsCostsAtMostTwoBlocks) {
    EXPECT_LE(cost_of_a_path_like(fs::path("/tmp") / "tmpabcd" / "tmpabcd"), 2u);
}

}  // namespace
