// SPDX-License-Identifier: MIT
// remove_tree while the tree changes under it: an attacker swapping a
// directory for a link out of the tree (the CVE-2022-21658 race), moving a
// directory out while its ancestors' handles are closed, and another thread
// deleting the same tree.
#include "harness.hpp"

#include <tempfile/remove_tree.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#ifndef _WIN32
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::test_dir;
using tempfile_test::touch;
using tempfile_test::write_text;

#ifdef __linux__  // the races below need renameat2(RENAME_EXCHANGE)
// What a naive recursive delete does: decide by lstat, then act through the
// path, so a directory swapped for a link between the two is followed. It
// yields between check and use, as a preempted process would, so that on a
// busy machine the attacker gets to run inside the window.
void naive_remove(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return;
    std::this_thread::yield();
    if (!S_ISDIR(st.st_mode)) {
        ::unlink(path.c_str());
        return;
    }
    std::vector<std::string> names;
    if (DIR* d = ::opendir(path.c_str())) {
        while (const dirent* e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
        ::closedir(d);
    }
    for (const auto& n : names) naive_remove(path + "/" + n);
    ::rmdir(path.c_str());
}

std::size_t count_files(const fs::path& dir, int n) {
    std::size_t present = 0;
    for (int i = 0; i < n; ++i) present += fs::exists(dir / ("f" + std::to_string(i)));
    return present;
}

using remover = std::function<void(const fs::path&)>;

struct race_outcome {
    int iterations_losing_files = 0;
    int iterations_with_swaps = 0;  // the attacker swapped while the remover ran
};

// tree/sub holds files f0..f{n-1}; `attack` (beside the tree) is a link to
// `outside`, which holds files of the same names. Once the remover has
// started, an attacker thread keeps exchanging tree/sub and attack
// (renameat2 RENAME_EXCHANGE: both names always exist), so tree/sub is in
// turn the directory and a link out of the tree. Any file of outside that
// goes missing was deleted through the link.
race_outcome run_swap_race(const remover& remove, int iterations) {
    const int n = 30;
    const fs::path outside = test_dir() / "outside";
    const fs::path tree = test_dir() / "tree";
    const fs::path attack = test_dir() / "attack";
    const std::string sub = (tree / "sub").string();
    race_outcome outcome;
    fs::create_directory(outside);
    for (int it = 0; it < iterations; ++it) {
        for (int i = 0; i < n; ++i)
            if (!fs::exists(outside / ("f" + std::to_string(i)))) touch(outside / ("f" + std::to_string(i)));
        fs::create_directories(tree / "sub");
        for (int i = 0; i < n; ++i) touch(tree / "sub" / ("f" + std::to_string(i)));
        fs::create_directory_symlink(outside, attack);

        std::atomic<bool> stop{false};
        std::atomic<int> swaps{0};
        std::thread attacker([&] {
            while (!stop.load(std::memory_order_relaxed))
                if (::renameat2(AT_FDCWD, sub.c_str(), AT_FDCWD, attack.c_str(), RENAME_EXCHANGE) == 0)
                    ++swaps;
        });
        while (swaps.load() < 2) std::this_thread::yield();  // it is running
        const int swaps_before = swaps.load();
        remove(tree);
        const int swaps_during = swaps.load() - swaps_before;
        stop = true;
        attacker.join();

        if (count_files(outside, n) != static_cast<std::size_t>(n)) ++outcome.iterations_losing_files;
        if (swaps_during > 0) ++outcome.iterations_with_swaps;
        // What the race left (the directory may be stranded at `attack`);
        // nobody swaps now.
        for (const fs::path& p : {tree, attack}) {
            std::error_code ec;
            tempfile::remove_tree(p, ec);
            if (ec) ADD_FAILURE() << "cleanup after iteration " << it << ": " << ec.message();
        }
    }
    fs::remove_all(outside);
    return outcome;
}
#endif

TEST(RemoveTreeRace, SymlinkSwapNeverDeletesOutsideTheTree) {
#ifdef __linux__
    const race_outcome ours = run_swap_race(
        [](const fs::path& tree) {
            std::error_code ec;  // errors are fine here (the tree is under attack); losses are not
            tempfile::remove_tree(tree, ec);
        },
        150);
    EXPECT_EQ(ours.iterations_losing_files, 0);
    EXPECT_GT(ours.iterations_with_swaps, 0) << "the attacker never ran during a removal: no race was tested";
    EXPECT_TRUE(list_dir(test_dir()).empty());
#else
    GTEST_SKIP() << "needs renameat2(RENAME_EXCHANGE)";
#endif
}

// The same harness must catch a remover that follows the swapped link;
// otherwise the test above proves nothing.
TEST(RemoveTreeRace, SameRaceMakesANaivePathBasedRemoverDeleteOutside) {
#ifdef __linux__
    const race_outcome naive = run_swap_race([](const fs::path& tree) { naive_remove(tree.string()); }, 150);
    EXPECT_GT(naive.iterations_losing_files, 0) << "in " << naive.iterations_with_swaps << " races";
    EXPECT_TRUE(list_dir(test_dir()).empty());
#else
    GTEST_SKIP() << "needs renameat2(RENAME_EXCHANGE)";
#endif
}

// A chain deeper than the handles remove_tree keeps open, so it climbs back
// through "..". Meanwhile an attacker exchanges a directory high in the
// chain with an empty directory of `outside`: ".." of the moved directory is
// then `outside`, whose files must survive.
//
// Runs as uid 65534 in a directory of its own: a remover that trusted ".."
// would climb out of the test directory and on up to "/", deleting as it
// goes, and only as nobody is what it could reach there harmless. (A root
// run of this test against a remover without the ".." check once wiped /etc.)
TEST(RemoveTreeRace, MovingADirectoryOutWhileItsAncestorsAreClosedDeletesNothingOutside) {
#ifdef __linux__
    const fs::path home = tempfile_test::make_dir_for_nobody("home");
    const int status = tempfile_test::run_as_nobody([&] {
        const int depth = 40;
        const int swap_level = 6;
        const fs::path outside = home / "outside";
        const fs::path tree = home / "tree";
        fs::create_directory(outside);
        int swaps_total = 0;
        for (int it = 0; it < 50; ++it) {
            for (int i = 0; i < 20; ++i)
                if (!fs::exists(outside / ("f" + std::to_string(i))))
                    touch(outside / ("f" + std::to_string(i)));
            fs::create_directory(outside / "decoy");
            fs::path p = tree;
            fs::path swapped;
            for (int level = 0; level < depth; ++level) {
                p /= "d";
                if (level == swap_level) swapped = p;
                fs::create_directories(p);
                touch(p / "file");
            }
            std::atomic<bool> started{false}, stop{false};
            std::atomic<int> swaps{0};
            const std::string a = swapped.string(), b = (outside / "decoy").string();
            std::thread attacker([&] {
                started = true;
                while (!stop.load(std::memory_order_relaxed))
                    if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) ++swaps;
            });
            while (!started) std::this_thread::yield();
            std::error_code ec;
            tempfile::remove_tree(tree, ec);
            stop = true;
            attacker.join();
            swaps_total += swaps.load();
            if (count_files(outside, 20) != 20u) {
                std::fprintf(stderr, "iteration %d: files outside were deleted\n", it);
                return 1;
            }
            // Whatever the attacker left where: under tree, or swapped into outside.
            tempfile::remove_tree(tree, ec);
            if (!ec) tempfile::remove_tree(outside / "decoy", ec);
            if (ec) {
                std::fprintf(stderr, "iteration %d: cleanup: %s\n", it, ec.message().c_str());
                return 2;
            }
        }
        return swaps_total > 0 ? 0 : 3;
    });
    EXPECT_EQ(status, 0);
    fs::remove_all(home);
#else
    GTEST_SKIP() << "needs renameat2(RENAME_EXCHANGE)";
#endif
}

// Another thread deletes the same tree at the same time: whatever it takes
// first has simply vanished, which is not an error.
TEST(RemoveTreeRace, EntriesVanishingMeanwhileAreNotErrors) {
    for (int it = 0; it < 5; ++it) {
        const fs::path tree = test_dir() / "tree";
        for (int d = 0; d < 10; ++d) {
            fs::create_directories(tree / std::to_string(d) / "nested");
            for (int f = 0; f < 20; ++f) {
                touch(tree / std::to_string(d) / std::to_string(f));
                touch(tree / std::to_string(d) / "nested" / std::to_string(f));
            }
        }
        std::atomic<bool> go{false};
        std::thread other([&] {
            while (!go) std::this_thread::yield();
            std::error_code ignored;  // it races with us too
            fs::remove_all(tree, ignored);
        });
        go = true;
        std::error_code ec;
        tempfile::remove_tree(tree, ec);
        other.join();
        ASSERT_FALSE(ec) << "iteration " << it << ": " << ec.message();
        ASSERT_TRUE(list_dir(test_dir()).empty()) << "iteration " << it;
    }
}

}  // namespace
