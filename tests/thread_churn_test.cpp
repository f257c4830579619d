// SPDX-License-Identifier: MIT
// Every owner made and destroyed by 8 threads at once, 2,000 times each: the
// shared state behind them (the name generator's per-thread pool, the
// gettempdir cache, the O_TMPFILE refusal cache, the signal handler's owner
// registry) must stay consistent. Written for ThreadSanitizer, which turns
// any unsynchronised access into a failure; without it, the test still
// checks that every owner worked and that nothing was left behind.
#include "harness.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::test_dir;
using tempfile_test::write_text;

constexpr int thread_count = 8;
constexpr int rounds = 2000;

tempfile::name_options names_in(const fs::path& dir) {
    tempfile::name_options o;
    o.prefix = "churn";
    o.dir = dir;
    return o;
}
tempfile::named_file_options named_in(const fs::path& dir) {
    tempfile::named_file_options o;
    o.prefix = "churn";
    o.dir = dir;
    return o;
}
tempfile::directory_options directory_in(const fs::path& dir) {
    tempfile::directory_options o;
    o.prefix = "churn";
    o.dir = dir;
    return o;
}

/// One round of one thread: each owner made, used a little, and ended.
/// Returns an empty string, or what went wrong.
std::string churn_once(const fs::path& dir, int thread, int round) {
    std::string tag = std::to_string(thread) + "-" + std::to_string(round);
    {
        tempfile::temporary_file f;
        f.write(tag);
        f.seek(0);
        if (f.read_all() != tag) return "temporary_file read back the wrong content";
    }
    {
        tempfile::named_temporary_file f(named_in(dir));
        f.stream() << tag << std::flush;
        if (!fs::exists(f.path())) return "named_temporary_file has no file at its path";
    }
    {
        tempfile::temporary_directory d(directory_in(dir));
        write_text(d / "inside", tag);
    }
    {
        tempfile::spooled_temporary_file s(8);
        s.write(std::string(16, 's') + tag);  // past max_size: rolls over
        if (!s.rolled_over()) return "spooled_temporary_file did not roll over";
    }
    {
        fs::path target = dir / ("target-" + std::to_string(thread));
        tempfile::atomic_file a(target);
        a.write(tag);
        a.commit();
        fs::remove(target);
    }
    {
        tempfile::created_file c = tempfile::mkstemp(names_in(dir));
        c.handle.close();
        fs::remove(c.path);
        fs::remove(tempfile::mkdtemp(names_in(dir)));
    }
    if (round % 100 == 0) tempfile::gettempdir();  // the cached answer, read while others create
    return {};
}

TEST(ThreadChurn, EightThreadsMakeAndEndEveryOwnerTwoThousandTimesEach) {
    const fs::path dir = test_dir();
    std::atomic<int> failures{0};
    std::vector<std::string> first_error(thread_count);
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
        threads.emplace_back([&, t] {
            for (int r = 0; r < rounds; ++r) {
                std::string error;
                try {
                    error = churn_once(dir, t, r);
                } catch (const std::exception& e) {
                    error = e.what();
                }
                if (!error.empty()) {
                    first_error[static_cast<std::size_t>(t)] = error;
                    ++failures;
                    return;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    for (int t = 0; t < thread_count; ++t)
        EXPECT_EQ(first_error[static_cast<std::size_t>(t)], "") << "thread " << t;
    EXPECT_TRUE(list_dir(dir).empty());
}

TEST(ThreadChurn, SignalCleanupEnabledWhileThreadsRegisterAndWithdrawOwners) {
    // The registry the handler reads is written by every owner's birth and
    // end; enabling the handler meanwhile must not race with them.
    const fs::path dir = test_dir();
    std::atomic<bool> stop{false};
    std::atomic<int> made{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            while (!stop.load()) {
                tempfile::named_temporary_file f(named_in(dir));
                tempfile::temporary_directory d(directory_in(dir));
                ++made;
            }
        });
    }
    while (made.load() < 200) std::this_thread::yield();
    tempfile::enable_signal_cleanup();
    int seen = made.load();
    while (made.load() < seen + 200) std::this_thread::yield();
    stop = true;
    for (auto& t : threads) t.join();
    EXPECT_TRUE(list_dir(dir).empty());
}

}  // namespace
