// SPDX-License-Identifier: MIT
// remove_tree and permissions: modes that block removal are reset through
// handles, as root and as an ordinary owner (uid 65534); what cannot be
// removed is named in the error, and everything else still goes.
#ifndef _WIN32  // POSIX permission bits and uid 65534; windows_remove_tree_test.cpp covers read-only
                // attributes
#include "harness.hpp"

#include <tempfile/remove_tree.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::make_dir_for_nobody;
using tempfile_test::run_as_nobody;
using tempfile_test::test_dir;
using tempfile_test::touch;
using tempfile_test::write_text;

void set_mode(const fs::path& p, unsigned mode) {
    if (::chmod(p.c_str(), mode) != 0) throw std::system_error(errno, std::generic_category(), p.string());
}

// For every owner mode 0..7: a directory with that mode holding files of
// every owner mode and, nested, directories of every owner mode holding the
// same. The root itself ends up with no permission at all. Modes are set
// bottom-up, once everything exists. Returns the number of entries.
std::uintmax_t make_permission_matrix(const fs::path& root) {
    std::uintmax_t count = 1;
    fs::create_directory(root);
    for (unsigned outer = 0; outer < 8; ++outer) {
        const fs::path d = root / ("d" + std::to_string(outer));
        fs::create_directory(d);
        ++count;
        for (unsigned inner = 0; inner < 8; ++inner) {
            const fs::path n = d / ("n" + std::to_string(inner));
            fs::create_directory(n);
            ++count;
            for (unsigned f = 0; f < 8; ++f) {
                touch(n / ("f" + std::to_string(f)));
                set_mode(n / ("f" + std::to_string(f)), f << 6);
                ++count;
            }
            fs::create_symlink("f0", n / "link");
            ++count;
            set_mode(n, inner << 6);
        }
        for (unsigned f = 0; f < 8; ++f) {
            touch(d / ("f" + std::to_string(f)));
            set_mode(d / ("f" + std::to_string(f)), (f << 6) | 044);
            ++count;
        }
        set_mode(d, outer << 6);
    }
    set_mode(root, 0);
    return count;
}

TEST(RemoveTreePermissions, EveryOwnerModeIsRemovedAsRoot) {
    const fs::path root = test_dir() / "matrix";
    const std::uintmax_t expected = make_permission_matrix(root);
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(root, ec), expected);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(RemoveTreePermissions, EveryOwnerModeIsRemovedByTheOwner) {
    const fs::path home = make_dir_for_nobody("home");
    int status = run_as_nobody([&] {
        const fs::path root = home / "matrix";
        const std::uintmax_t expected = make_permission_matrix(root);
        std::error_code ec;
        const std::uintmax_t removed = tempfile::remove_tree(root, ec);
        if (ec) {
            std::fprintf(stderr, "remove_tree: %s\n", ec.message().c_str());
            return 1;
        }
        if (removed != expected) {
            std::fprintf(stderr, "removed %ju of %ju\n", removed, expected);
            return 2;
        }
        return list_dir(home).empty() ? 0 : 3;
    });
    EXPECT_EQ(status, 0);
    fs::remove_all(home);
}

TEST(RemoveTreePermissions, RootWithoutAnyPermissionIsRemovedByTheOwner) {
    const fs::path home = make_dir_for_nobody("home");
    int status = run_as_nobody([&] {
        fs::create_directories(home / "locked" / "inner");
        write_text(home / "locked" / "inner" / "file", "x");
        set_mode(home / "locked" / "inner", 0);
        set_mode(home / "locked", 0);
        std::error_code ec;
        const std::uintmax_t removed = tempfile::remove_tree(home / "locked", ec);
        if (ec) std::fprintf(stderr, "remove_tree: %s\n", ec.message().c_str());
        return !ec && removed == 3 && list_dir(home).empty() ? 0 : 1;
    });
    EXPECT_EQ(status, 0);
    fs::remove_all(home);
}

// Nobody cannot empty a directory root owns and keeps unwritable, nor
// change its mode: that entry is named, and the rest of the tree still goes.
TEST(RemoveTreePermissions, FirstFailureIsNamedAndEverythingElseIsRemoved) {
    const fs::path home = make_dir_for_nobody("home");
    const fs::path tree = home / "tree";
    fs::create_directories(tree / "a" / "b");
    fs::create_directories(tree / "root-owned");
    fs::create_directories(tree / "z");
    write_text(tree / "a" / "b" / "file", "x");
    write_text(tree / "root-owned" / "stuck", "x");
    write_text(tree / "z" / "file", "x");
    for (const char* p : {"", "a", "a/b", "a/b/file", "z", "z/file"})
        ASSERT_EQ(::lchown((tree / p).c_str(), 65534, 65534), 0) << p;
    set_mode(tree / "root-owned", 0755);
    const fs::path stuck = tree / "root-owned" / "stuck";

    int status = run_as_nobody([&] {
        std::error_code ec;
        const std::uintmax_t removed = tempfile::remove_tree(tree, ec);
        if (ec != std::errc::permission_denied) {
            std::fprintf(stderr, "error_code: %s\n", ec.message().c_str());
            return 1;
        }
        if (removed != 5) {  // a, a/b, a/b/file, z, z/file
            std::fprintf(stderr, "removed %ju\n", removed);
            return 2;
        }
        if (list_dir(tree) != std::vector<std::string>{"root-owned"}) return 3;
        try {
            tempfile::remove_tree(tree);
            return 4;
        } catch (const fs::filesystem_error& e) {
            if (e.path1() != stuck || e.code() != std::errc::permission_denied) {
                std::fprintf(stderr, "filesystem_error: %s\n", e.what());
                return 5;
            }
        }
        return list_dir(tree / "root-owned") == std::vector<std::string>{"stuck"} ? 0 : 6;
    });
    EXPECT_EQ(status, 0);
    fs::remove_all(home);
}

// The root's parent is not part of the tree: its mode is never changed.
TEST(RemoveTreePermissions, ParentOfTheRootIsNeverChanged) {
    const fs::path home = make_dir_for_nobody("home");
    int status = run_as_nobody([&] {
        fs::create_directories(home / "parent" / "tree" / "sub");
        set_mode(home / "parent", 0500);
        std::error_code ec;
        const std::uintmax_t removed = tempfile::remove_tree(home / "parent" / "tree", ec);
        struct stat st;
        if (::stat((home / "parent").c_str(), &st) != 0 || (st.st_mode & 07777) != 0500) return 1;
        if (ec != std::errc::permission_denied || removed != 1) {
            std::fprintf(stderr, "%s, removed %ju\n", ec.message().c_str(), removed);
            return 2;
        }
        try {
            tempfile::remove_tree(home / "parent" / "tree");
            return 3;
        } catch (const fs::filesystem_error& e) {
            return e.path1() == home / "parent" / "tree" ? 0 : 4;
        }
    });
    EXPECT_EQ(status, 0);
    fs::remove_all(home);
}

}  // namespace
#endif  // _WIN32
