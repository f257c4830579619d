// SPDX-License-Identifier: MIT
// reap_orphans(options, ec) never throws, even when memory runs out: every
// allocation it makes is made to fail in turn (a replaced operator new that
// fails the N-th allocation once armed), and each run must report
// errc::not_enough_memory or succeed, never throw, and never remove what
// it must not.
#ifndef _WIN32
#include "harness.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>

namespace {
std::atomic<long> allocations_left{-1};  // -1: never fail

void* allocate(std::size_t n) {
    long left = allocations_left.load();
    while (left >= 0 && !allocations_left.compare_exchange_weak(left, left - 1)) {
    }
    if (left == 0) throw std::bad_alloc();
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) {
    return allocate(n);
}
void* operator new[](std::size_t n) {
    return allocate(n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

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
    for (long fail_at = 0; !succeeded && fail_at < 10000; ++fail_at, ++runs) {
        tempfile::name_options names;
        const fs::path orphan = tempfile::mkdtemp(names);
        tempfile_test::write_text(orphan / "f", "x");
        make_old(orphan);
        std::error_code ec;
        bool threw = false;
        allocations_left = fail_at;
        try {
            (void)tempfile::reap_orphans(o, ec);
        } catch (...) {
            threw = true;
        }
        allocations_left = -1;
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
