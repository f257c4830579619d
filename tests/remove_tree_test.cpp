// SPDX-License-Identifier: MIT
// remove_tree: what it removes, what it leaves, what it counts.
#include "harness.hpp"

#include <tempfile/remove_tree.hpp>

#include <gtest/gtest.h>

#include <string>
#include <system_error>

#ifndef _WIN32
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::read_text;
using tempfile_test::test_dir;
using tempfile_test::write_text;

bool exists_no_follow(const fs::path& p) {
#ifdef _WIN32
    std::error_code ec;
    return fs::symlink_status(p, ec).type() != fs::file_type::not_found;
#else
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
#endif
}

#ifndef _WIN32  // FIFOs, sockets, and symbolic links that mingw-w64's std::filesystem cannot make

// A tree with every kind of entry: nested directories, files, links to a
// file, to a directory and to nothing, a FIFO and a socket. Returns how
// many entries it holds, itself included.
std::uintmax_t make_mixed_tree(const fs::path& root) {
    fs::create_directories(root / "a" / "b" / "c");
    fs::create_directories(root / "empty");
    write_text(root / "top.txt", "top");
    write_text(root / "a" / "one", "1");
    write_text(root / "a" / "b" / "two", "2");
    write_text(root / "a" / "b" / "c" / "three", "3");
    fs::create_symlink("top.txt", root / "link-to-file");
    fs::create_symlink("a", root / "link-to-dir");
    fs::create_symlink("nowhere", root / "a" / "dangling");
    EXPECT_EQ(::mkfifo((root / "a" / "fifo").c_str(), 0600), 0);
    int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_GE(s, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string sock = (root / "a" / "b" / "sock").string();
    EXPECT_LT(sock.size(), sizeof addr.sun_path) << "test directory path too long for a socket";
    sock.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(s);
    return 1 + 4 + 4 + 3 + 1 + 1;  // root, directories, files, links, FIFO, socket
}
#endif

TEST(RemoveTree, EmptyDirectoryCountsOne) {
    fs::create_directory(test_dir() / "d");
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "d", ec), 1u);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_FALSE(exists_no_follow(test_dir() / "d"));
}

TEST(RemoveTree, MissingRootIsNotAnErrorAndCountsZero) {
    std::error_code ec = std::make_error_code(std::errc::io_error);
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "missing", ec), 0u);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "missing" / "deeper"), 0u);
    write_text(test_dir() / "file", "x");
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "file" / "below", ec), 0u);  // ENOTDIR on the way
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "file"), 1u);
}

TEST(RemoveTree, RegularFileRootIsRemoved) {
    write_text(test_dir() / "f", "data");
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "f"), 1u);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

#ifndef _WIN32  // windows_remove_tree_test.cpp covers links and junctions where Windows makes them
TEST(RemoveTree, RemovesEveryKindOfEntryAndCountsThem) {
    const std::uintmax_t expected = make_mixed_tree(test_dir() / "t");
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "t", ec), expected);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(RemoveTree, CountEqualsStdRemoveAllOnAnIdenticalTree) {
    make_mixed_tree(test_dir() / "ours");
    make_mixed_tree(test_dir() / "std");
    for (int i = 0; i < 30; ++i) {
        fs::create_directories(test_dir() / "ours" / "wide" / std::to_string(i % 7) / std::to_string(i));
        fs::create_directories(test_dir() / "std" / "wide" / std::to_string(i % 7) / std::to_string(i));
    }
    const std::uintmax_t theirs = fs::remove_all(test_dir() / "std");
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "ours"), theirs);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(RemoveTree, RootThatIsALinkToADirectoryRemovesOnlyTheLink) {
    fs::create_directory(test_dir() / "target");
    write_text(test_dir() / "target" / "keep", "safe");
    fs::create_directory_symlink(test_dir() / "target", test_dir() / "link");
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "link"), 1u);
    EXPECT_FALSE(exists_no_follow(test_dir() / "link"));
    EXPECT_EQ(read_text(test_dir() / "target" / "keep"), "safe");
    // With a trailing slash the path still names the link, not the target.
    fs::create_directory_symlink(test_dir() / "target", test_dir() / "link");
    EXPECT_EQ(tempfile::remove_tree(test_dir().string() + "/link/"), 1u);
    EXPECT_FALSE(exists_no_follow(test_dir() / "link"));
    EXPECT_EQ(read_text(test_dir() / "target" / "keep"), "safe");
    fs::remove_all(test_dir() / "target");
}

TEST(RemoveTree, NeverFollowsALinkToADirectoryOutsideTheTree) {
    fs::create_directories(test_dir() / "outside" / "sub");
    write_text(test_dir() / "outside" / "keep", "safe");
    write_text(test_dir() / "outside" / "sub" / "keep", "safe");
    fs::create_directories(test_dir() / "tree" / "deeper");
    fs::create_directory_symlink(test_dir() / "outside", test_dir() / "tree" / "escape");
    fs::create_directory_symlink("../../outside", test_dir() / "tree" / "deeper" / "relative-escape");
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "tree"), 4u);
    EXPECT_FALSE(exists_no_follow(test_dir() / "tree"));
    EXPECT_EQ(read_text(test_dir() / "outside" / "keep"), "safe");
    EXPECT_EQ(read_text(test_dir() / "outside" / "sub" / "keep"), "safe");
    fs::remove_all(test_dir() / "outside");
}

TEST(RemoveTree, DanglingLinkIsRemoved) {
    fs::create_symlink(test_dir() / "nothing-here", test_dir() / "dangling");
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "dangling"), 1u);
    fs::create_directory(test_dir() / "tree");
    fs::create_symlink("nothing-here", test_dir() / "tree" / "dangling");
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "tree"), 2u);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(RemoveTree, FifoInsideIsUnlinkedWithoutBlocking) {
    // Opening a FIFO for reading would block forever (no writer): the test
    // would hang rather than pass.
    fs::create_directory(test_dir() / "tree");
    ASSERT_EQ(::mkfifo((test_dir() / "tree" / "fifo").c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo((test_dir() / "root-fifo").c_str(), 0600), 0);
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "tree"), 2u);
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "root-fifo"), 1u);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}
#endif

TEST(RemoveTree, TrailingSlashNamesTheDirectory) {
    fs::create_directories(test_dir() / "d" / "e");
    EXPECT_EQ(tempfile::remove_tree(test_dir().string() + "/d//"), 2u);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(RemoveTree, RelativePathIsResolvedFromTheWorkingDirectory) {
    fs::create_directories(test_dir() / "rel" / "x");
    fs::current_path(test_dir());
    EXPECT_EQ(tempfile::remove_tree("rel"), 2u);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(RemoveTree, DotAndDotDotAreRefused) {
    fs::create_directory(test_dir() / "d");
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "d" / ".", ec), 0u);
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "d" / "..", ec), 0u);
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_TRUE(fs::is_directory(test_dir() / "d"));
    fs::remove(test_dir() / "d");
}

// Issue 9, bug 9: "d\0/x" would reach the OS as "d", the whole tree.
TEST(RemoveTree, NulInThePathIsInvalidArgumentAndRemovesNothing) {
    fs::create_directories(test_dir() / "d" / "inside");
    const fs::path nul_path = tempfile_test::path_with_nul(test_dir() / "d");
    EXPECT_THROW(tempfile::remove_tree(nul_path), std::invalid_argument);
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(nul_path, ec), 0u);
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_TRUE(fs::is_directory(test_dir() / "d" / "inside"));
    fs::remove_all(test_dir() / "d");
}

TEST(RemoveTree, SecondCallOnARemovedTreeIsNotAnError) {
    fs::create_directories(test_dir() / "t" / "u");
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "t"), 2u);
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(test_dir() / "t", ec), 0u);
    EXPECT_FALSE(ec);
}

}  // namespace
