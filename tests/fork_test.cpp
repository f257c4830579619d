// SPDX-License-Identifier: MIT
// fork(): an owner made in the parent deletes nothing when a child destroys
// its copy, yet the child still closes its copy of the descriptor.
#ifndef _WIN32  // fork() has no Windows counterpart (fork_generation() is always 0 there)
#include "harness.hpp"

#include <tempfile/atomic_file.hpp>
#include <tempfile/named_temporary_file.hpp>
#include <tempfile/names.hpp>
#include <tempfile/remove_tree.hpp>
#include <tempfile/temporary_directory.hpp>
#include <tempfile/temporary_file.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <optional>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
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

struct children_outcome {
    int hung = 0;    // still running at the deadline: killed
    int failed = 0;  // ended otherwise than by _exit(0)
};

// Reaps every child; one still running `patience` after the call is killed
// and counted as hung (a guard that keeps a hang from hanging the suite,
// not a timing assertion: a child that ends at all ends in milliseconds).
children_outcome wait_for(const std::vector<pid_t>& children, std::chrono::seconds patience) {
    children_outcome outcome;
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (pid_t pid : children) {
        const int status = tempfile_test::wait_or_kill(pid, deadline);
        if (status == -1)
            ++outcome.hung;
        else if (status != 0)
            ++outcome.failed;
    }
    return outcome;
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

// Issue 9, bug 5: fork() while another thread held gettempdir's lock (its
// probe runs under it) or the O_TMPFILE refusal cache's copied the lock held
// into the child, where nobody would ever release it: 39 of 40 children
// hung. Each child here must finish; one that has not after 20 s is killed
// and counted as hung (a guard against a hang, not a timing assertion).
TEST(Fork, ChildrenCanUseEveryCallWhileAnotherThreadHoldsTheLibrarysLocks) {
    fs::path fresh = test_dir() / "fresh";
    fs::create_directory(fresh);
    std::atomic<bool> stop{false};
    std::thread churn([&] {
        tempfile::name_options in_fresh;
        in_fresh.dir = fresh;
        while (!stop.load()) {
            tempfile::set_tempdir({});  // the next gettempdir() probes, under the lock
            std::error_code ec;
            tempfile::gettempdir(ec);
            tempfile::temporary_file f = tempfile::temporary_file::create(in_fresh, ec);
        }
    });
    std::vector<pid_t> children;
    for (int i = 0; i < 40; ++i) {
        pid_t pid = ::fork();
        if (pid == 0) {
            std::error_code ec;
            if (tempfile::gettempdir(ec).empty() || ec) ::_exit(1);
            tempfile::temporary_file f = tempfile::temporary_file::create({}, ec);
            ::_exit(ec || !f.is_open() ? 2 : 0);
        }
        ASSERT_GT(pid, 0);
        children.push_back(pid);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    stop = true;
    churn.join();
    const children_outcome outcome = wait_for(children, std::chrono::seconds(20));
    EXPECT_EQ(outcome.hung, 0) << "children that hung after fork()";
    EXPECT_EQ(outcome.failed, 0) << "children that failed";
    EXPECT_TRUE(tempfile_test::list_dir(fresh).empty());
    fs::remove(fresh);
}

// fork() while another thread was inside enable_signal_cleanup() copied its
// lock held into the child, whose own enable_signal_cleanup() then waited
// forever. Runs in a child of its own, since the handler it installs stays
// for the life of the process. Its status: the grandchildren that hung (a
// hang is killed after 5 s), or 100 if none hung but one failed.
TEST(Fork, ChildrenCanEnableSignalCleanupWhileAnotherThreadIsEnablingIt) {
    int status = run_in_child([] {
        std::atomic<bool> stop{false};
        std::thread enabler([&] {
            while (!stop.load()) tempfile::enable_signal_cleanup();
        });
        std::vector<pid_t> children;
        for (int i = 0; i < 40; ++i) {
            pid_t pid = ::fork();
            if (pid == 0) {
                tempfile::enable_signal_cleanup();
                ::_exit(0);
            }
            if (pid < 0) break;
            children.push_back(pid);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        stop = true;
        enabler.join();
        const children_outcome outcome = wait_for(children, std::chrono::seconds(5));
        if (children.size() != 40) return 101;
        return outcome.hung > 0 ? outcome.hung : outcome.failed > 0 ? 100 : 0;
    });
    EXPECT_EQ(status, 0) << "grandchildren that hung (100: failed, 101: fork failed)";
}

}  // namespace
#endif  // _WIN32
