// SPDX-License-Identifier: MIT
// enable_signal_cleanup(): every test runs the signal in a fork()ed child, so
// that the handler (process-wide, for good) never touches the test program.
#ifndef _WIN32  // the tests fork and send POSIX signals; Windows console control events are untested
                // (README.md, Windows section)
#include "harness.hpp"
#include "owner_registry.hpp"

#include <tempfile/atomic_file.hpp>
#include <tempfile/named_temporary_file.hpp>
#include <tempfile/remove_tree.hpp>
#include <tempfile/temporary_directory.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using tempfile::atomic_file;
using tempfile::directory_options;
using tempfile::named_file_options;
using tempfile::named_temporary_file;
using tempfile::temporary_directory;
using tempfile_test::list_dir;
using tempfile_test::read_text;
using tempfile_test::run_in_child;
using tempfile_test::test_dir;
using tempfile_test::write_text;

named_file_options file_in(const fs::path& dir) {
    named_file_options o;
    o.dir = dir;
    return o;
}
directory_options dir_in(const fs::path& dir) {
    directory_options o;
    o.dir = dir;
    return o;
}

// The outside world a tree's links point at: it must survive the handler.
struct outside {
    fs::path dir = test_dir() / "outside";
    fs::path file = test_dir() / "outside.txt";
    outside() {
        fs::create_directory(dir);
        write_text(dir / "precious", "keep");
        write_text(file, "keep");
    }
    void expect_intact() const {
        EXPECT_EQ(read_text(dir / "precious"), "keep");
        EXPECT_EQ(read_text(file), "keep");
    }
    ~outside() {
        fs::remove_all(dir);
        fs::remove(file);
    }
};

// The portable build's handler cannot list a directory safely, so there it
// removes files and empty directories only: a tree with content stays.
bool trees_removed_whole() {
    return tempfile::detail::signal_handler_removes_whole_trees();
}

// What make_owners_then_raise leaves once the handler ran.
std::size_t left_by_handler() {
    return trees_removed_whole() ? 0 : 1;
}

fs::path make_work_dir() {
    fs::path work = test_dir() / "work";
    fs::create_directory(work);
    return work;
}

// A named file, a nested tree with links out of it, and an atomic_file's
// temporary, all in `work`; then `sig`. Returns what the child returns if it
// survives the signal: 1.
int make_owners_then_raise(const fs::path& work, const outside& out, int sig) {
    named_temporary_file f(file_in(work));
    f.write("x");
    temporary_directory d(dir_in(work));
    fs::create_directories(d / "a" / "b" / "c");
    write_text(d / "a" / "b" / "c" / "deep", "x");
    write_text(d / "top", "x");
    fs::create_directory_symlink(out.dir, d / "a" / "link_to_dir");
    fs::create_symlink(out.file, d / "link_to_file");
    fs::permissions(d / "a" / "b", static_cast<fs::perms>(0500));  // no w: the handler must restore it
    atomic_file a(work / "target");
    a.write("never committed");
    ::raise(sig);
    return 1;
}

TEST(SignalCleanup, SigtermRemovesEveryOwnersFileAndTreeThenKillsTheProcess) {
    outside out;
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        tempfile::enable_signal_cleanup();
        return make_owners_then_raise(work, out, SIGTERM);
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_EQ(list_dir(work).size(), left_by_handler());
    out.expect_intact();
    tempfile::remove_tree(work);
}

TEST(SignalCleanup, SigintAndSighupAreHandledToo) {
    outside out;
    fs::path work = make_work_dir();
    for (int sig : {SIGINT, SIGHUP}) {
        int status = run_in_child([&] {
            tempfile::enable_signal_cleanup();
            return make_owners_then_raise(work, out, sig);
        });
        EXPECT_EQ(status, 128 + sig);
        EXPECT_EQ(list_dir(work).size(), left_by_handler()) << "signal " << sig;
        tempfile::remove_tree(work);
        fs::create_directory(work);
    }
    out.expect_intact();
    fs::remove(work);
}

TEST(SignalCleanup, OwnersMadeBeforeEnablingAreCovered) {
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        named_temporary_file f(file_in(work));
        temporary_directory d(dir_in(work));
        write_text(d / "inside", "x");
        tempfile::enable_signal_cleanup();
        tempfile::enable_signal_cleanup();  // idempotent
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_EQ(list_dir(work).size(), left_by_handler());
    tempfile::remove_tree(work);
}

TEST(SignalCleanup, WithoutEnablingNothingIsRemoved) {
    outside out;
    fs::path work = make_work_dir();
    int status = run_in_child([&] { return make_owners_then_raise(work, out, SIGTERM); });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_EQ(list_dir(work).size(), 3u);  // the file, the tree, the atomic temporary
    tempfile::remove_tree(work);
}

TEST(SignalCleanup, AHandlerInstalledBeforeStillRuns) {
    fs::path work = make_work_dir();
    static char marker[4096];
    std::string m = (test_dir() / "marker").string();
    m.copy(marker, sizeof marker - 1);
    marker[m.size()] = '\0';
    int status = run_in_child([&] {
        struct sigaction user {};
        user.sa_handler = [](int) {
            int fd = ::open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
            if (fd >= 0) ::close(fd);
            ::_exit(42);
        };
        sigemptyset(&user.sa_mask);
        ::sigaction(SIGTERM, &user, nullptr);
        tempfile::enable_signal_cleanup();
        named_temporary_file f(file_in(work));
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 42);
    EXPECT_TRUE(fs::exists(test_dir() / "marker"));
    EXPECT_TRUE(list_dir(work).empty());
    fs::remove(test_dir() / "marker");
    fs::remove_all(work);
}

TEST(SignalCleanup, ASignalIgnoredBeforeStaysIgnoredAndRemovesNothing) {
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        ::signal(SIGHUP, SIG_IGN);  // as under nohup
        tempfile::enable_signal_cleanup();
        named_temporary_file f(file_in(work));
        ::raise(SIGHUP);
        return fs::exists(f.path()) ? 0 : 1;
    });
    EXPECT_EQ(status, 0);
    tempfile::remove_tree(work);  // the child left through _Exit: no destructors ran
}

TEST(SignalCleanup, KeptOwnersSurviveButAnUnkeptClosedFileGoes) {
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        tempfile::enable_signal_cleanup();
        named_file_options keep_option = file_in(work);
        keep_option.prefix = "kept-option.";
        keep_option.keep = true;
        named_temporary_file a(keep_option);
        named_file_options o = file_in(work);
        o.prefix = "kept-later.";
        named_temporary_file b(o);
        b.keep();
        o.prefix = "persisted.";
        named_temporary_file c(o);
        c.persist(work / "persisted-target");
        o.prefix = "closed.";
        o.delete_on_close = false;
        named_temporary_file d(o);
        d.close();  // still the owner's to delete
        directory_options kd = dir_in(work);
        kd.prefix = "kept-dir.";
        temporary_directory e(kd);
        e.keep();
        kd.prefix = "kept-dir-option.";
        kd.keep = true;
        temporary_directory g(kd);
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    std::vector<std::string> left = list_dir(work);
    ASSERT_EQ(left.size(), 5u);
    // Sorted, and each prefix ends with '.', which sorts before the random part.
    EXPECT_EQ(left[0].rfind("kept-dir-option.", 0), 0u);
    EXPECT_EQ(left[1].rfind("kept-dir.", 0), 0u);
    EXPECT_EQ(left[2].rfind("kept-later.", 0), 0u);
    EXPECT_EQ(left[3].rfind("kept-option.", 0), 0u);
    EXPECT_EQ(left[4], "persisted-target");
    tempfile::remove_tree(work);
}

TEST(SignalCleanup, AForkedChildRemovesOnlyWhatItMade) {
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        tempfile::enable_signal_cleanup();
        named_temporary_file parents(file_in(work));
        int grandchild = run_in_child([&] {
            named_temporary_file own(file_in(work));
            ::raise(SIGTERM);
            return 1;
        });
        if (grandchild != 128 + SIGTERM) return 2;
        if (!fs::exists(parents.path())) return 3;  // the child's copy is not the child's to remove
        if (list_dir(work).size() != 1) return 4;   // the child's own file is gone
        return 0;
    });
    EXPECT_EQ(status, 0);
    tempfile::remove_tree(work);  // the child left through _Exit: its owner's end never ran
}

// fork() while another thread's handler was walking the registry copied its
// "walk taken" flag into the child, where no thread would ever clear it:
// the child's own handler then waited for it forever, and removed nothing.
TEST(SignalCleanup, AChildForkedDuringAnotherThreadsWalkStillCleansUpOnASignal) {
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        tempfile::enable_signal_cleanup();
        tempfile::detail::set_signal_walk_taken_for_test(true);  // a handler walking on another thread
        pid_t pid = ::fork();
        if (pid == 0) {
            named_temporary_file own(file_in(work));
            ::raise(SIGTERM);
            std::_Exit(1);
        }
        tempfile::detail::set_signal_walk_taken_for_test(false);
        if (pid < 0) return 2;
        const int child =
            tempfile_test::wait_or_kill(pid, std::chrono::steady_clock::now() + std::chrono::seconds(5));
        if (child == -1) return 3;              // hung in its handler
        if (child != 128 + SIGTERM) return 4;   // not ended by the signal
        return list_dir(work).empty() ? 0 : 5;  // its handler left its file
    });
    EXPECT_EQ(status, 0) << "3: the child hung in its handler, 4: it survived, 5: its file stayed";
    tempfile::remove_tree(work);
}

// Slots marked busy: taken, or lost for good (see owner_registry.hpp).
std::size_t busy_slots() {
    std::size_t count = 0;
    for (auto* chunk = &tempfile::detail::registry_first_chunk; chunk != nullptr; chunk = chunk->next.load())
        for (auto& slot : chunk->slots)
            if (slot.load() == &tempfile::detail::registry_busy) ++count;
    return count;
}

// Likewise the count of walking handlers: copied above zero into the child,
// it kept every owner the child destroyed from freeing its slot, so that a
// long-lived child grew the registry with each owner it made.
TEST(SignalCleanup, AChildForkedDuringAnotherThreadsWalkFreesTheSlotsOfItsOwners) {
    fs::path work = make_work_dir();
    tempfile::detail::registry_readers.fetch_add(1);  // a handler walking on another thread
    int status = run_in_child([&] {
        const std::size_t before = busy_slots();
        for (int i = 0; i < 3; ++i) named_temporary_file f(file_in(work));
        return busy_slots() == before ? 0 : 1;
    });
    tempfile::detail::registry_readers.fetch_sub(1);
    EXPECT_EQ(status, 0) << "slots lost in the child";
    EXPECT_TRUE(list_dir(work).empty());
    fs::remove(work);
}

std::size_t registered_count() {
    std::size_t count = 0;
    tempfile::detail::for_each_registered([&](const tempfile::detail::registry_entry&) { ++count; });
    return count;
}

// The registry grows in chunks (the first holds 4096): every owner is
// covered however many live at once.
TEST(SignalCleanup, TenThousandLiveOwnersAreAllRemoved) {
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        tempfile::enable_signal_cleanup();
        std::vector<temporary_directory> dirs;
        dirs.reserve(10000);
        for (int i = 0; i < 10000; ++i) dirs.push_back(temporary_directory(dir_in(work)));
        if (registered_count() != 10000) return 2;
        if (list_dir(work).size() != 10000) return 3;
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_TRUE(list_dir(work).empty());
    tempfile::remove_tree(work);
}

// Threads that fill the registry past its first chunks at the same time
// append chunks concurrently: no owner may be lost or published twice.
TEST(SignalCleanup, ThreadsGrowingTheRegistryAtOnceLoseNoOwner) {
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        constexpr int threads = 4;
        constexpr int each = 3000;
        std::vector<std::vector<temporary_directory> > kept(threads);
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&, t] {
                for (int i = 0; i < each; ++i) {
                    kept[t].push_back(temporary_directory(dir_in(work)));
                    if (i % 3 == 0) temporary_directory(dir_in(work));  // one that comes and goes
                }
            });
        for (auto& w : workers) w.join();
        if (registered_count() != threads * each) return 2;
        tempfile::enable_signal_cleanup();
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_TRUE(list_dir(work).empty());
    tempfile::remove_tree(work);
}

TEST(SignalCleanup, ThreadsRegisteringAndWithdrawingAtOnceLeaveTheTableConsistent) {
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 500; ++i) named_temporary_file f(file_in(work));
            });
        for (auto& t : threads) t.join();
        if (registered_count() != 0) return 2;  // every owner withdrew at its end
        tempfile::enable_signal_cleanup();
        named_temporary_file last(file_in(work));
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_TRUE(list_dir(work).empty());
    fs::remove(work);
}

TEST(SignalCleanup, WideAndDeepTreesAreRemovedWhole) {
    if (!trees_removed_whole())
        GTEST_SKIP() << "this build's handler removes empty directories only (documented)";
    fs::path work = make_work_dir();
    int status = run_in_child([&] {
        tempfile::enable_signal_cleanup();
        temporary_directory d(dir_in(work));
        fs::path level = d.path();
        for (int depth = 0; depth < 20; ++depth) {
            for (int i = 0; i < 150; ++i)  // more than one getdents buffer per directory
                write_text(level / ("a-rather-long-file-name-to-fill-the-buffer-" + std::to_string(i)), "");
            fs::create_directory(level / "empty");
            level /= "next";
            fs::create_directory(level);
        }
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_TRUE(list_dir(work).empty());
    fs::remove(work);
}

TEST(SignalCleanup, AnOrdinaryUsersTreeWithoutWritePermissionIsRemoved) {
    if (!trees_removed_whole())
        GTEST_SKIP() << "this build's handler removes empty directories only (documented)";
    fs::path home = tempfile_test::make_dir_for_nobody("home");
    int status = tempfile_test::run_as_nobody([&] {
        tempfile::enable_signal_cleanup();
        temporary_directory d(dir_in(home));
        fs::create_directories(d / "ro" / "inner");
        write_text(d / "ro" / "inner" / "f", "x");
        write_text(d / "ro" / "g", "x");
        fs::permissions(d / "ro" / "inner", static_cast<fs::perms>(0500));
        fs::permissions(d / "ro", static_cast<fs::perms>(0500));
        ::raise(SIGTERM);
        return 1;
    });
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_TRUE(list_dir(home).empty());
    fs::remove(home);
}

}  // namespace
#endif  // _WIN32
