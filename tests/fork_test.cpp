// SPDX-License-Identifier: MIT
// fork(): an owner made in the parent deletes nothing when a child destroys
// its copy, yet the child still closes its copy of the descriptor.
#ifndef _WIN32  // fork() has no Windows counterpart (fork_generation() is always 0 there)
#include "harness.hpp"

#include <tempfile/atomic_file.hpp>
#include <tempfile/named_temporary_file.hpp>
#include <tempfile/temporary_directory.hpp>

#include <gtest/gtest.h>

#include <optional>

#include <fcntl.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using tempfile_test::read_text;
using tempfile_test::run_in_child;
using tempfile_test::test_dir;
using tempfile_test::write_text;

bool is_open_descriptor(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

TEST(Fork, NamedFileDestroyedInAChildIsNotDeletedButItsDescriptorIsClosed) {
    std::optional<tempfile::named_temporary_file> f(std::in_place);
    f->write("parent's");
    const int fd = f->native_handle();
    int status = run_in_child([&] {
        f.reset();
        return is_open_descriptor(fd) ? 1 : 0;
    });
    EXPECT_EQ(status, 0);
    ASSERT_TRUE(fs::exists(f->path()));
    EXPECT_EQ(read_text(f->path()), "parent's");
    fs::path p = f->path();
    f.reset();  // the parent's own end still deletes
    EXPECT_FALSE(fs::exists(p));
}

TEST(Fork, DeleteOnCloseInAChildDeletesNothing) {
    tempfile::named_temporary_file f;
    int status = run_in_child([&] {
        f.close();
        return 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(fs::exists(f.path()));
}

TEST(Fork, DirectoryDestroyedInAChildIsNotRemoved) {
    std::optional<tempfile::temporary_directory> d(std::in_place);
    write_text(*d / "content", "x");
    fs::path p = d->path();
    int status = run_in_child([&] {
        d.reset();
        return 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(read_text(p / "content"), "x");
    d.reset();
    EXPECT_FALSE(fs::exists(p));
}

TEST(Fork, AtomicFileDestroyedInAChildLeavesItsTemporaryToTheParent) {
    fs::path target = test_dir() / "target";
    write_text(target, "old");
    std::optional<tempfile::atomic_file> f(std::in_place, target);
    f->write("new");
    fs::path temp = f->temporary_path();
    const int fd = f->native_handle();
    int status = run_in_child([&] {
        f.reset();
        return is_open_descriptor(fd) ? 1 : 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(fs::exists(temp));
    EXPECT_EQ(read_text(target), "old");
    f->commit();
    EXPECT_EQ(read_text(target), "new");
    fs::remove(target);
}

TEST(Fork, OwnersMadeInTheChildAreTheChildsToDelete) {
    fs::path made;
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    int status = run_in_child([&] {
        ::close(pipe_fds[0]);
        fs::path p;
        {
            tempfile::named_temporary_file f;
            p = f.path();
        }
        std::string s = p.string();
        (void)!::write(pipe_fds[1], s.data(), s.size());
        return fs::exists(p) ? 1 : 0;
    });
    ::close(pipe_fds[1]);
    char buf[4096];
    ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    ::close(pipe_fds[0]);
    EXPECT_EQ(status, 0);
    ASSERT_GT(n, 0);
    EXPECT_FALSE(fs::exists(fs::path(std::string(buf, static_cast<std::size_t>(n)))));
}

}  // namespace
#endif  // _WIN32
