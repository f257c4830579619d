// SPDX-License-Identifier: MIT
// reap_orphans(options, ec) never throws, even when memory runs out: every
// allocation it makes is made to fail in turn (the suite's operator new,
// tests/support/counting_new.hpp), and each run must report
// errc::not_enough_memory or succeed, never throw, and never remove what
// it must not.
#ifndef _WIN32
#include "counting_new.hpp"
#include "harness.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>

namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tempfile_test::test_dir;

void make_old(const fs::path& p) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    now.tv_sec -= 3600;
    const struct timespec times[2] = {now, now};
    ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
}

TEST(ReapOrphansMemory, EveryFailedAllocationIsReportedAsNotEnoughMemoryNeverThrown) {
    tempfile::directory_options locked;
    locked.lock = true;
    tempfile::temporary_directory live(locked);
    make_old(live.path());
    tempfile::reap_options o;
    o.min_age = 0s;
    bool succeeded = false;
    int runs = 0;
    for (std::size_t fail_at = 0; !succeeded && fail_at < 10000; ++fail_at, ++runs) {
        tempfile::name_options names;
        const fs::path orphan = tempfile::mkdtemp(names);
        tempfile_test::write_text(orphan / "f", "x");
        make_old(orphan);
        std::error_code ec;
        bool threw = false;
        {
            tempfile_test::fail_nth_allocation fault(fail_at);
            try {
                (void)tempfile::reap_orphans(o, ec);
            } catch (...) {
                threw = true;
            }
        }
        ASSERT_FALSE(threw) << "allocation " << fail_at;
        if (ec) {
            ASSERT_EQ(ec, std::errc::not_enough_memory) << "allocation " << fail_at << ": " << ec.message();
        } else {
            succeeded = true;
            EXPECT_FALSE(fs::exists(orphan));
        }
        ASSERT_TRUE(fs::exists(live.path() / "")) << "a live owner's directory went";
        fs::remove_all(orphan);
    }
    EXPECT_TRUE(succeeded);
    EXPECT_GT(runs, 3) << "the reaper allocates: the failures above were real";
}

}  // namespace
#endif  // _WIN32
