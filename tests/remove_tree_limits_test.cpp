// SPDX-License-Identifier: MIT
// remove_tree at the limits: depth far beyond PATH_MAX under a tight
// descriptor limit, and a wide tree of 100,000 files.
#ifndef _WIN32  // descriptor limits (setrlimit) are POSIX; windows_remove_tree_test.cpp checks the bounded
                // handles
#include "harness.hpp"

#include <tempfile/remove_tree.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::run_in_child;
using tempfile_test::test_dir;

// Makes an empty file `name` in `dir_fd`. mknodat is one call where the OS
// allows it for regular files (Linux); closing a new file is slow on some
// file systems.
void make_file_at(int dir_fd, const char* name) {
#ifdef __linux__
    if (::mknodat(dir_fd, name, S_IFREG | 0600, 0) == 0) return;
#endif
    int fd = ::openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), name);
    ::close(fd);
}

// A chain root/d/d/.../d, `depth` directories below root, with a file every
// `file_every` levels, built with openat so that no path is ever longer
// than one name. Holds one descriptor at a time. Returns the entries made.
std::uintmax_t make_chain(const fs::path& root, int depth, int file_every) {
    fs::create_directory(root);
    int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open root");
    std::uintmax_t count = 1;
    for (int level = 0; level < depth; ++level) {
        if (file_every > 0 && level % file_every == 0) {
            make_file_at(fd, "f");
            ++count;
        }
        if (::mkdirat(fd, "d", 0700) != 0) throw std::system_error(errno, std::generic_category(), "mkdirat");
        int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ::close(fd);
        if (next < 0) throw std::system_error(errno, std::generic_category(), "openat d");
        fd = next;
        ++count;
    }
    ::close(fd);
    return count;
}

void set_descriptor_limit(rlim_t n) {
    struct rlimit lim;
    ::getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = n;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0)
        throw std::system_error(errno, std::generic_category(), "setrlimit");
}

int report(std::uintmax_t removed, std::uintmax_t expected, const std::error_code& ec) {
    if (ec) {
        std::fprintf(stderr, "remove_tree: %s\n", ec.message().c_str());
        return 1;
    }
    if (removed != expected) {
        std::fprintf(stderr, "removed %ju of %ju\n", removed, expected);
        return 2;
    }
    return list_dir(test_dir()).empty() ? 0 : 3;
}

TEST(RemoveTreeLimits, ChainTenThousandDeepGoesUnderDescriptorLimit64) {
    int status = run_in_child([] {
        set_descriptor_limit(64);
        const std::uintmax_t expected = make_chain(test_dir() / "chain", 10000, 100);
        std::error_code ec;
        const std::uintmax_t removed = tempfile::remove_tree(test_dir() / "chain", ec);
        return report(removed, expected, ec);
    });
    EXPECT_EQ(status, 0);
}

// Only a handful of descriptors left for it (fewer than it would like to
// hold): it closes ancestors sooner instead of failing with EMFILE.
TEST(RemoveTreeLimits, DeepChainGoesWithOnlyFourDescriptorsFree) {
    int status = run_in_child([] {
        set_descriptor_limit(64);
        const std::uintmax_t expected = make_chain(test_dir() / "chain", 500, 7);
        std::vector<int> taken;
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) taken.push_back(fd);
        for (int i = 0; i < 4; ++i) {
            ::close(taken.back());
            taken.pop_back();
        }
        std::error_code ec;
        const std::uintmax_t removed = tempfile::remove_tree(test_dir() / "chain", ec);
        for (int fd : taken) ::close(fd);
        return report(removed, expected, ec);
    });
    EXPECT_EQ(status, 0);
}

TEST(RemoveTreeLimits, HundredThousandFilesInHundredDirectories) {
    const fs::path root = test_dir() / "wide";
    fs::create_directory(root);
    std::uintmax_t expected = 1;
    for (int d = 0; d < 100; ++d) {
        const fs::path dir = root / std::to_string(d);
        fs::create_directory(dir);
        ++expected;
        int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(dfd, 0);
        for (int f = 0; f < 1000; ++f) {
            make_file_at(dfd, std::to_string(f).c_str());
            ++expected;
        }
        ::close(dfd);
    }
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(root, ec), expected);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// Wide at every level of a deep tree, so ancestors closed early are
// re-opened through ".." with entries still left to read in them.
TEST(RemoveTreeLimits, DeepAndBushyTreeUnderDescriptorLimit64) {
    int status = run_in_child([] {
        set_descriptor_limit(64);
        const fs::path root = test_dir() / "bushy";
        std::uintmax_t expected = make_chain(root, 60, 1);
        // Beside every directory of the chain, two more little chains.
        fs::path level = root;
        for (int i = 0; i < 60; ++i) {
            for (const char* side : {"x", "y"}) {
                expected += make_chain(level / side, 3, 1);
            }
            level /= "d";
        }
        std::error_code ec;
        const std::uintmax_t removed = tempfile::remove_tree(root, ec);
        return report(removed, expected, ec);
    });
    EXPECT_EQ(status, 0);
}

}  // namespace
#endif  // _WIN32
