// SPDX-License-Identifier: MIT
// The tree walk of enable_signal_cleanup()'s handler
// (src/posix/signal_remove_tree_posix.cpp), driven as users meet it: an
// owner's directory in a child that a signal kills. Permission cases run as
// uid 65534, since root ignores the modes that would block removal.
#ifndef _WIN32  // POSIX signals; Windows console control events are untested (README.md, Windows section)
#include "harness.hpp"
#include "owner_registry.hpp"

#include <tempfile/remove_tree.hpp>
#include <tempfile/temporary_directory.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using tempfile::directory_options;
using tempfile::temporary_directory;
using tempfile_test::list_dir;
using tempfile_test::make_dir_for_nobody;
using tempfile_test::read_text;
using tempfile_test::run_as_nobody;
using tempfile_test::run_in_child;
using tempfile_test::test_dir;
using tempfile_test::write_text;

bool trees_removed_whole() {
    return tempfile::detail::signal_handler_removes_whole_trees();
}

#define SKIP_UNLESS_TREES_REMOVED_WHOLE()                                            \
    if (!trees_removed_whole())                                                      \
    GTEST_SKIP() << "this build's handler removes files and empty directories only " \
                    "(documented in docs/signals-crashes-orphans.md)"

directory_options dir_in(const fs::path& dir) {
    directory_options o;
    o.dir = dir;
    return o;
}

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) throw std::system_error(errno, std::generic_category(), p.string());
    return st.st_mode & 07777;
}

// A chain `levels` directories deep below the open directory `fd`, each
// named "d", with a file every `file_every` levels, built with openat so
// that no path is ever longer than one name. Returns the deepest one, open.
int make_chain_at(int fd, int levels, int file_every) {
    int current = ::dup(fd);
    for (int level = 0; level < levels; ++level) {
        if (level % file_every == 0) {
            int file = ::openat(current, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (file < 0) throw std::system_error(errno, std::generic_category(), "openat f");
            ::close(file);
        }
        if (::mkdirat(current, "d", 0700) != 0)
            throw std::system_error(errno, std::generic_category(), "mkdirat");
        int next = ::openat(current, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ::close(current);
        if (next < 0) throw std::system_error(errno, std::generic_category(), "openat d");
        current = next;
    }
    return current;
}

// Bug 4 of issue 9: a directory inside without read permission left the
// whole tree. Each mode in a child of its own, as its owner (not root).
TEST(SignalRemoveTree, SubdirectoriesWithoutReadPermissionAreRemovedWithTheirFiles) {
    SKIP_UNLESS_TREES_REMOVED_WHOLE();
    for (unsigned mode : {0000u, 0100u, 0200u, 0300u, 0400u, 0500u, 0600u}) {
        const fs::path home = make_dir_for_nobody("home-" + std::to_string(mode));
        int status = run_as_nobody([&] {
            tempfile::enable_signal_cleanup();
            temporary_directory d(dir_in(home));
            fs::create_directories(d / "sub" / "inner");
            write_text(d / "sub" / "f1", "x");
            write_text(d / "sub" / "f2", "x");
            write_text(d / "sub" / "inner" / "g", "x");
            fs::permissions(d / "sub" / "inner", static_cast<fs::perms>(mode));
            fs::permissions(d / "sub", static_cast<fs::perms>(mode));
            // Only a directory inside: the first step is to open it, not to unlink.
            fs::create_directories(d / "dirs-only" / "inner");
            write_text(d / "dirs-only" / "inner" / "g", "x");
            fs::permissions(d / "dirs-only", static_cast<fs::perms>(mode));
            ::raise(SIGTERM);
            return 1;
        });
        EXPECT_EQ(status, 128 + SIGTERM) << "mode " << std::oct << mode;
        EXPECT_TRUE(list_dir(home).empty()) << "mode " << std::oct << mode;
        tempfile::remove_tree(home);
    }
}

TEST(SignalRemoveTree, AnOwnersDirectoryWithoutAnyPermissionIsRemoved) {
    SKIP_UNLESS_TREES_REMOVED_WHOLE();
    const fs::path home = make_dir_for_nobody("home");
    int status = run_as_nobody([&] {
        tempfile::enable_signal_cleanup();
        temporary_directory d(dir_in(home));
        fs::create_directory(d / "sub");
        write_text(d / "sub" / "f", "x");
        write_text(d / "top", "x");
        fs::permissions(d.path(), fs::perms::none);
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_TRUE(list_dir(home).empty());
    tempfile::remove_tree(home);
}

// Far deeper than the levels the handler keeps (2048): it starts over from
// the root each time it comes back up past them, in fixed memory.
TEST(SignalRemoveTree, ATenThousandLevelDeepTreeIsRemovedWhole) {
    SKIP_UNLESS_TREES_REMOVED_WHOLE();
    const fs::path work = test_dir() / "work";
    fs::create_directory(work);
    int status = run_in_child([&] {
        tempfile::enable_signal_cleanup();
        temporary_directory d(dir_in(work));
        int root = ::open(d.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int bottom = make_chain_at(root, 10000, 100);
        ::close(root);
        // A few wide levels at the bottom, one of them without permissions.
        for (const char* name : {"a", "b", "c"}) {
            ::mkdirat(bottom, name, 0700);
            int fd = ::openat(bottom, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            for (int i = 0; i < 50; ++i)
                ::close(::openat(fd, std::to_string(i).c_str(), O_CREAT | O_WRONLY, 0600));
            ::close(fd);
        }
        ::fchmodat(bottom, "b", 0, 0);
        ::close(bottom);
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_TRUE(list_dir(work).empty());
    tempfile::remove_tree(work);  // whatever the handler left, at any depth
}

// What surrounds the owner's directory: a sibling directory, and a
// directory and a file that links inside the tree point at, all with modes
// the handler would change if it ever reached them. The tree is deeper than
// the levels the handler keeps, so that it starts over from the root too.
struct surroundings {
    fs::path home, sibling, outside_dir, outside_file;
    explicit surroundings(const fs::path& home_dir)
        : home(home_dir),
          sibling(home / "sibling"),
          outside_dir(home / "outside-dir"),
          outside_file(home / "outside.txt") {}
    void make() const {
        fs::create_directories(sibling / "inner");
        write_text(sibling / "inner" / "f", "sibling");
        fs::permissions(sibling / "inner", static_cast<fs::perms>(0500));
        fs::create_directory(outside_dir);
        write_text(outside_dir / "precious", "outside");
        fs::permissions(outside_dir, static_cast<fs::perms>(0500));
        write_text(outside_file, "outside");
        fs::permissions(outside_file, static_cast<fs::perms>(0400));
    }
    void links_in(const fs::path& dir) const {
        fs::create_directory_symlink(outside_dir, dir / "link-to-dir");
        fs::create_directory_symlink(sibling, dir / "link-to-sibling");
        fs::create_directory_symlink(sibling / "inner", dir / "link-to-inner");
        fs::create_symlink(outside_file, dir / "link-to-file");
        fs::create_directory_symlink("..", dir / "link-up");
    }
};

// Holds in every build (the portable one, which only removes files and
// empty directories, leaves the owner's directory itself).
TEST(SignalRemoveTree, NothingOutsideTheOwnersDirectoryIsTouched) {
    const surroundings around(make_dir_for_nobody("home"));
    int status = run_as_nobody([&] {
        around.make();
        tempfile::enable_signal_cleanup();
        temporary_directory d(dir_in(around.home));
        around.links_in(d.path());
        fs::create_directory(d / "locked");
        around.links_in(d / "locked");
        fs::permissions(d / "locked", fs::perms::none);
        int root = ::open(d.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int bottom = make_chain_at(root, 2500, 50);
        ::close(root);
        ::symlinkat(around.sibling.c_str(), bottom, "link-to-sibling");
        ::symlinkat(around.outside_dir.c_str(), bottom, "link-to-dir");
        ::close(bottom);
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    std::vector<std::string> left = list_dir(around.home);
    EXPECT_EQ(left.size(), trees_removed_whole() ? 3u : 4u);
    for (const char* name : {"outside-dir", "outside.txt", "sibling"})
        EXPECT_NE(std::find(left.begin(), left.end(), name), left.end()) << name;
    EXPECT_EQ(read_text(around.sibling / "inner" / "f"), "sibling");
    EXPECT_EQ(mode_of(around.sibling / "inner"), 0500u);
    EXPECT_EQ(read_text(around.outside_dir / "precious"), "outside");
    EXPECT_EQ(mode_of(around.outside_dir), 0500u);
    EXPECT_EQ(mode_of(around.outside_file), 0400u);
    tempfile::remove_tree(around.home);
}

// A part of the tree moved out of it while the handler walks there: coming
// back up through its "..", the handler would land outside the tree; it
// checks that ".." is the directory it came down from and starts over from
// the root instead. Another thread moves the part out (to a directory with
// precious files) as soon as the handler is half-way down it, which it sees
// by a marker file there disappearing.
TEST(SignalRemoveTree, APartMovedOutOfTheTreeDuringTheWalkNeverLeadsTheWalkOut) {
    SKIP_UNLESS_TREES_REMOVED_WHOLE();
    const fs::path work = test_dir() / "work";
    const fs::path outside = test_dir() / "outside";
    fs::create_directory(work);
    fs::create_directories(outside / "keep");
    for (int i = 0; i < 20; ++i) write_text(outside / ("precious-" + std::to_string(i)), "outside");
    write_text(outside / "keep" / "precious", "outside");
    int status = run_in_child([&] {
        tempfile::enable_signal_cleanup();
        temporary_directory d(dir_in(work));
        int root = ::open(d.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int above = make_chain_at(root, 20, 1000);  // the part that moves is its "d"
        ::close(root);
        int halfway = make_chain_at(above, 1000, 1000);
        ::close(make_chain_at(halfway, 1000, 1000));  // leaves the marker "f" in `halfway`
        int outside_fd = ::open(outside.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        std::atomic<bool> watching{false};
        std::thread mover([&] {
            watching = true;
            while (::faccessat(halfway, "f", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
            }
            ::renameat(above, "d", outside_fd, "moved");
        });
        mover.detach();  // ends with the process, when the handler is done
        while (!watching) std::this_thread::yield();
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(read_text(outside / ("precious-" + std::to_string(i))), "outside");
    EXPECT_EQ(read_text(outside / "keep" / "precious"), "outside");
    tempfile::remove_tree(work);
    tempfile::remove_tree(outside);
}

}  // namespace
#endif  // _WIN32
