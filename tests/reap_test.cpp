// SPDX-License-Identifier: MIT
// reap_orphans (src/reap.cpp, src/posix/reap_posix.cpp): owners killed with
// SIGKILL leave locked-then-unlocked entries, which go; a live owner's
// entries, other names, links and other users' entries stay; nothing outside
// is touched. Ages are set with utimensat, never waited for.
#ifndef _WIN32
#include "harness.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tempfile::directory_options;
using tempfile::named_file_options;
using tempfile::named_temporary_file;
using tempfile::reap_options;
using tempfile::reap_orphans;
using tempfile::reap_result;
using tempfile::temporary_directory;
using tempfile_test::list_dir;
using tempfile_test::make_dir_for_nobody;
using tempfile_test::read_text;
using tempfile_test::run_as_nobody;
using tempfile_test::test_dir;
using tempfile_test::write_text;

/// Sets the access and modification times of `p` (not following a link)
/// `ago` into the past.
void make_old(const fs::path& p, std::chrono::seconds ago = 3600s) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    struct timespec times[2] = {now, now};
    times[0].tv_sec -= static_cast<time_t>(ago.count());
    times[1].tv_sec -= static_cast<time_t>(ago.count());
    if (::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        throw std::system_error(errno, std::generic_category(), "utimensat " + p.string());
}

void set_mode(const fs::path& p, unsigned mode) {
    if (::chmod(p.c_str(), mode) != 0) throw std::system_error(errno, std::generic_category(), p.string());
}

reap_options reaping(const fs::path& dir, std::chrono::seconds min_age = 0s) {
    reap_options o;
    o.dir = dir;
    o.min_age = min_age;
    return o;
}

directory_options locked_directory_in(const fs::path& dir) {
    directory_options o;
    o.dir = dir;
    o.lock = true;
    return o;
}

named_file_options locked_file_in(const fs::path& dir, bool delete_on_close) {
    named_file_options o;
    o.dir = dir;
    o.lock = true;
    o.delete_on_close = delete_on_close;
    return o;
}

std::vector<fs::path> sorted(std::vector<fs::path> v) {
    std::sort(v.begin(), v.end());
    return v;
}

/// A tree of the kind a program leaves: nested, with read-only files, a
/// read-only directory, one without any permission, and links out to
/// `outside`. Returns the number of entries below `root` (root not counted).
std::uintmax_t populate(const fs::path& root, const fs::path& outside) {
    write_text(root / "a.txt", "a");
    fs::create_directories(root / "sub" / "deeper");
    write_text(root / "sub" / "b.txt", "b");
    write_text(root / "sub" / "deeper" / "c.txt", "c");
    fs::create_directory_symlink(outside, root / "link_out");
    fs::create_symlink(outside / "keep.txt", root / "link_file");
    set_mode(root / "a.txt", 0400);
    set_mode(root / "sub" / "b.txt", 0400);
    set_mode(root / "sub" / "deeper", 0);
    set_mode(root / "sub", 0500);
    return 7;
}

/// A process holding locked entries in `area` until it is killed: a
/// directory holding populate()'s tree, a file deleted on close, and a file
/// kept after close() (delete_on_close = false), closed.
struct holder {
    pid_t pid = -1;
    std::vector<fs::path> entries;  // directory, file, closed file
    std::uintmax_t count = 0;       // entries, everything inside included

    void kill_and_wait() {
        if (pid <= 0) return;
        ::kill(pid, SIGKILL);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        pid = -1;
    }
};

holder spawn_holder(const fs::path& area, const fs::path& outside) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        ::close(pipe_fds[0]);
        try {
            temporary_directory d(locked_directory_in(area));
            const std::uintmax_t inside = populate(d.path(), outside);
            named_temporary_file f(locked_file_in(area, true));
            named_temporary_file closed(locked_file_in(area, false));
            closed.write("x");
            closed.close();  // the lock must outlive the handle
            std::ostringstream out;
            out << d.path().string() << '\n'
                << f.path().string() << '\n'
                << closed.path().string() << '\n'
                << (inside + 3) << '\n';
            const std::string text = out.str();
            if (::write(pipe_fds[1], text.data(), text.size()) != static_cast<ssize_t>(text.size()))
                std::_Exit(98);
            ::close(pipe_fds[1]);
            for (;;) ::pause();  // until SIGKILL: no destructor ever runs
        } catch (const std::exception& e) {
            std::fprintf(stderr, "holder: %s\n", e.what());
        }
        std::_Exit(99);
    }
    ::close(pipe_fds[1]);
    std::string text;
    char buffer[512];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) text.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    holder h;
    h.pid = pid;
    std::istringstream in(text);
    std::string line;
    for (int i = 0; i < 3 && std::getline(in, line); ++i) h.entries.emplace_back(line);
    in >> h.count;
    if (h.entries.size() != 3) {
        h.kill_and_wait();
        throw std::runtime_error("holder did not start");
    }
    return h;
}

/// What must survive: its path, and for files their content.
struct bystander {
    fs::path path;
    std::string content;  // files only
};

/// The scenario of the issue, as whoever runs it (root or uid 65534).
/// `foreign` is an entry with a matching name and an old mtime that belongs
/// to another user, made by the caller. Returns the number of failed checks,
/// each printed.
int killed_owners_scenario(const fs::path& area, const fs::path& outside, const fs::path& foreign) {
    int failures = 0;
    auto check = [&](bool ok, const std::string& what) {
        if (!ok) {
            std::fprintf(stderr, "FAILED: %s\n", what.c_str());
            ++failures;
        }
    };
    write_text(outside / "keep.txt", "outside");
    fs::create_directory(outside / "dir");
    write_text(outside / "dir" / "inner.txt", "inner");

    holder dead = spawn_holder(area, outside);
    holder live = spawn_holder(area, outside);
    dead.kill_and_wait();

    // An unlocked orphan (an owner made without lock = true, long dead).
    tempfile::name_options names;
    names.dir = area;
    const fs::path unlocked = tempfile::mkdtemp(names);
    write_text(unlocked / "data", "d");
    // Entries the reaper must leave alone.
    names.prefix = "other";
    const fs::path other_prefix = tempfile::mkdtemp(names);
    const fs::path link = area / "tmpabcd_123";  // a matching name, but a link
    fs::create_directory_symlink(outside, link);
    const fs::path short_name = area / "tmpabcdefg";
    const fs::path upper_case = area / "tmpABCDEFGH";
    fs::create_directory(short_name);
    fs::create_directory(upper_case);
    for (const fs::path& p : {unlocked, other_prefix, link, short_name, upper_case}) make_old(p);
    for (const holder* h : {&dead, &live})
        for (const fs::path& p : h->entries) make_old(p);

    reap_result r;
    try {
        r = reap_orphans(reaping(area));
    } catch (const std::exception& e) {
        check(false, std::string("reap_orphans threw: ") + e.what());
    }
    std::vector<fs::path> expected_removed = dead.entries;
    expected_removed.push_back(unlocked);
    check(sorted(r.removed) == sorted(expected_removed),
          "removed exactly the dead owner's entries and the orphan");
    check(sorted(r.alive) == sorted(live.entries), "the live owner's entries are alive");
    check(r.entries == dead.count + 2,
          "entries counts everything removed (" + std::to_string(r.entries) + ")");

    for (const fs::path& p : dead.entries) check(!fs::exists(fs::symlink_status(p)), p.string() + " is gone");
    check(!fs::exists(unlocked), "the unlocked orphan is gone");
    for (const fs::path& p : live.entries) check(fs::exists(p), p.string() + " (live) stays");
    check(fs::exists(live.entries[0] / "a.txt"), "the live directory keeps its content");
    for (const fs::path& p : {other_prefix, short_name, upper_case, foreign})
        check(fs::exists(fs::symlink_status(p)), p.string() + " stays");
    check(fs::is_symlink(link), "the link with a matching name stays a link");
    check(read_text(outside / "keep.txt") == "outside", "the file outside keeps its content");
    check(read_text(outside / "dir" / "inner.txt") == "inner", "the directory outside keeps its content");
    check(list_dir(outside) == (std::vector<std::string>{"dir", "keep.txt"}), "nothing new or gone outside");

    live.kill_and_wait();
    // What stays is the caller's to clean: the live owner's (now dead)
    // entries, through the reaper itself, and the rest by hand.
    for (const fs::path& p : live.entries) make_old(p);
    try {
        const reap_result second = reap_orphans(reaping(area));
        check(sorted(second.removed) == sorted(live.entries),
              "the second owner's entries go once it is dead");
    } catch (const std::exception& e) {
        check(false, std::string("second reap threw: ") + e.what());
    }
    for (const fs::path& p : {other_prefix, link, short_name, upper_case}) fs::remove_all(p);
    return failures;
}

TEST(ReapOrphans, RemovesWhatKilledOwnersLeftAndLeavesEverythingElse) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to make an entry owned by uid 65534";
    const fs::path area = test_dir() / "area";
    const fs::path outside = test_dir() / "outside";
    fs::create_directory(area);
    fs::create_directory(outside);
    const fs::path nobody_s = area / "tmpnobody_1";
    fs::create_directory(nobody_s);
    if (::chown(nobody_s.c_str(), 65534, 65534) != 0) FAIL() << "chown: " << std::strerror(errno);
    make_old(nobody_s);
    EXPECT_EQ(killed_owners_scenario(area, outside, nobody_s), 0);
    fs::remove_all(area);
    fs::remove_all(outside);
}

TEST(ReapOrphans, AsAnOrdinaryUserReadOnlyTreesGoAndRootsEntriesStay) {
    const fs::path area = make_dir_for_nobody("area");
    const fs::path outside = make_dir_for_nobody("outside");
    const fs::path roots = area / "tmproot_123";  // made by root: another user's
    fs::create_directory(roots);
    make_old(roots);
    const int status = run_as_nobody([&] { return killed_owners_scenario(area, outside, roots); });
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(fs::exists(roots));
    fs::remove_all(area);
    fs::remove_all(outside);
}

TEST(ReapOrphans, AnUnlockedEntryYoungerThanMinAgeStaysAndAnOlderOneGoes) {
    tempfile::name_options names;
    const fs::path dir = tempfile::mkdtemp(names);
    const fs::path file = tempfile::mkstemp(names).path;
    make_old(dir, 100s);
    make_old(file, 100s);
    reap_result r = reap_orphans(reaping(test_dir(), 200s));
    EXPECT_TRUE(r.removed.empty());
    EXPECT_TRUE(r.alive.empty()) << "too young to be looked at";
    EXPECT_TRUE(fs::exists(dir));
    EXPECT_TRUE(fs::exists(file));
    r = reap_orphans(reaping(test_dir(), 50s));
    EXPECT_EQ(sorted(r.removed), sorted({dir, file}));
    EXPECT_EQ(r.entries, 2u);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(ReapOrphans, NothingYoungerThanTenSecondsIsTakenWhateverMinAgeSays) {
    EXPECT_EQ(tempfile::reap_min_age_floor, 10s);
    tempfile::name_options names;
    const fs::path fresh = tempfile::mkdtemp(names);
    const fs::path five = tempfile::mkdtemp(names);
    const fs::path eleven = tempfile::mkdtemp(names);
    make_old(five, 5s);
    make_old(eleven, 11s);
    const reap_result r = reap_orphans(reaping(test_dir(), 0s));
    EXPECT_EQ(r.removed, std::vector<fs::path>{eleven});
    EXPECT_TRUE(fs::exists(fresh));
    EXPECT_TRUE(fs::exists(five));
    fs::remove(fresh);
    fs::remove(five);
}

TEST(ReapOrphans, AnEntryModifiedInTheFutureIsNotOld) {
    tempfile::name_options names;
    const fs::path dir = tempfile::mkdtemp(names);
    make_old(dir, -3600s);
    EXPECT_TRUE(reap_orphans(reaping(test_dir())).removed.empty());
    EXPECT_TRUE(fs::exists(dir));
    fs::remove(dir);
}

TEST(ReapOrphans, DryRunReportsWhatWouldGoAndRemovesNothing) {
    tempfile::name_options names;
    const fs::path dir = tempfile::mkdtemp(names);
    write_text(dir / "f", "x");
    make_old(dir);
    temporary_directory live(locked_directory_in(test_dir()));
    make_old(live.path());
    reap_options o = reaping(test_dir());
    o.dry_run = true;
    const reap_result r = reap_orphans(o);
    EXPECT_EQ(r.removed, std::vector<fs::path>{dir});
    EXPECT_EQ(r.alive, std::vector<fs::path>{live.path()});
    EXPECT_EQ(r.entries, 0u);
    EXPECT_EQ(read_text(dir / "f"), "x");
    fs::remove_all(dir);
}

TEST(ReapOrphans, ALockedOwnerOfThisProcessIsAliveAndKeptOnesAreOrphans) {
    temporary_directory d(locked_directory_in(test_dir()));
    named_temporary_file f(locked_file_in(test_dir(), true));
    named_temporary_file kept(locked_file_in(test_dir(), false));
    const fs::path kept_path = kept.keep();  // no longer a temporary: no lock
    for (const fs::path& p : {d.path(), f.path(), kept_path}) make_old(p);
    const reap_result r = reap_orphans(reaping(test_dir()));
    EXPECT_EQ(sorted(r.alive), sorted({d.path(), f.path()}));
    EXPECT_EQ(r.removed, std::vector<fs::path>{kept_path});
    EXPECT_TRUE(fs::exists(d.path()));
    EXPECT_TRUE(fs::exists(f.path()));
}

TEST(ReapOrphans, OnlyTheGivenPrefixAndSuffixMatch) {
    tempfile::name_options names;
    names.prefix = "job-";
    names.suffix = ".d";
    const fs::path match = tempfile::mkdtemp(names);
    names.suffix = ".e";
    const fs::path other_suffix = tempfile::mkdtemp(names);
    const fs::path plain = tempfile::mkdtemp(tempfile::name_options{});
    for (const fs::path& p : {match, other_suffix, plain}) make_old(p);
    reap_options o = reaping(test_dir());
    o.prefix = "job-";
    o.suffix = ".d";
    EXPECT_EQ(reap_orphans(o).removed, std::vector<fs::path>{match});
    EXPECT_TRUE(fs::exists(other_suffix));
    EXPECT_TRUE(fs::exists(plain));
    fs::remove(other_suffix);
    fs::remove(plain);
}

TEST(ReapOrphans, FifosAndSocketsWithMatchingNamesAreLeftAlone) {
    const fs::path fifo = test_dir() / "tmpfifo_123";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    make_old(fifo);
    EXPECT_TRUE(reap_orphans(reaping(test_dir())).removed.empty());
    EXPECT_TRUE(fs::is_fifo(fifo));
    fs::remove(fifo);
}

TEST(ReapOrphans, ABadPrefixOrSuffixIsInvalidArgumentAndNothingIsLookedAt) {
    reap_options o = reaping(test_dir() / "missing");
    o.prefix = "a/b";
    EXPECT_THROW(reap_orphans(o), std::invalid_argument);
    std::error_code ec;
    (void)reap_orphans(o, ec);
    EXPECT_EQ(ec, std::errc::invalid_argument);
    o.prefix = "tmp";
    o.suffix = std::string("x\0y", 3);
    (void)reap_orphans(o, ec);
    EXPECT_EQ(ec, std::errc::invalid_argument);
}

TEST(ReapOrphans, AMissingDirectoryIsAnErrorNamingIt) {
    const fs::path missing = test_dir() / "missing";
    try {
        (void)reap_orphans(reaping(missing));
        FAIL() << "no error";
    } catch (const fs::filesystem_error& e) {
        EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
        EXPECT_EQ(e.path1(), missing);
    }
    std::error_code ec;
    const reap_result r = reap_orphans(reaping(missing), ec);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_TRUE(r.removed.empty());
}

TEST(ReapOrphans, TheDefaultDirectoryIsGettempdir) {
    tempfile::name_options names;
    const fs::path dir = tempfile::mkdtemp(names);  // in gettempdir(): the test's directory
    make_old(dir);
    reap_options o;
    o.min_age = 0s;
    EXPECT_EQ(reap_orphans(o).removed, std::vector<fs::path>{dir});
}

TEST(ReapOrphans, AnEntryThatCannotBeLookedIntoIsReportedAndTheOthersStillGo) {
    const fs::path home = make_dir_for_nobody("home");
    const int status = run_as_nobody([&] {
        tempfile::name_options names;
        names.dir = home;
        const fs::path closed = tempfile::mkstemp(names).path;  // mode 0600: we make it 0200
        const fs::path orphan = tempfile::mkdtemp(names);
        if (::chmod(closed.c_str(), 0200) != 0) return 10;
        make_old(closed);
        make_old(orphan);
        std::error_code ec;
        const reap_result r = reap_orphans(reaping(home), ec);
        if (ec != std::errc::permission_denied) return 1;  // it cannot tell whether its owner lives
        if (r.removed != std::vector<fs::path>{orphan}) return 2;
        if (!fs::exists(closed)) return 3;
        try {
            (void)reap_orphans(reaping(home));
            return 4;
        } catch (const fs::filesystem_error& e) {
            if (e.path1() != closed) return 5;
        }
        return 0;
    });
    EXPECT_EQ(status, 0);
    fs::remove_all(home);
}

// Two reapers and a program removing the same orphans by hand, all at once:
// entries vanish between the listing, the stat, the lock and the removal,
// and inside the trees being removed. None of that is an error, and no
// entry is reported removed twice.
TEST(ReapOrphans, EntriesVanishingWhileItRunsAreNotErrors) {
    constexpr int rounds = 20;
    constexpr int orphans = 30;
    for (int round = 0; round < rounds; ++round) {
        std::set<fs::path> made;
        tempfile::name_options names;
        for (int i = 0; i < orphans; ++i) {
            const fs::path dir = tempfile::mkdtemp(names);
            write_text(dir / "a", "a");
            fs::create_directory(dir / "sub");
            write_text(dir / "sub" / "b", "b");
            make_old(dir);
            made.insert(dir);
            const fs::path file = tempfile::mkstemp(names).path;
            make_old(file);
            made.insert(file);
        }
        std::error_code first_ec, second_ec;
        reap_result first, second;
        std::thread a([&] { first = reap_orphans(reaping(test_dir()), first_ec); });
        std::thread b([&] { second = reap_orphans(reaping(test_dir()), second_ec); });
        for (auto it = made.rbegin(); it != made.rend(); ++it) {  // the other way round
            std::error_code ignored;
            fs::remove_all(*it, ignored);
        }
        a.join();
        b.join();
        EXPECT_FALSE(first_ec) << "round " << round << ": " << first_ec.message();
        EXPECT_FALSE(second_ec) << "round " << round << ": " << second_ec.message();
        EXPECT_TRUE(first.failed.empty() && second.failed.empty()) << "round " << round;
        std::set<fs::path> removed(first.removed.begin(), first.removed.end());
        for (const fs::path& p : second.removed)
            EXPECT_TRUE(removed.insert(p).second) << p << " reported removed by both";
        for (const fs::path& p : removed) EXPECT_EQ(made.count(p), 1u) << p;
        ASSERT_TRUE(list_dir(test_dir()).empty()) << "round " << round;
    }
}

// An owner makes, marks and checks its entries while a reaper loops over
// the same directory with min_age 0 and the entries' mtimes set an hour
// back. Each round waits for at least one whole reaper pass that began
// after the entries were old, so every round is looked at; the other
// passes race with creation and destruction.
TEST(ReapOrphans, ALiveOwnerNeverLosesItsEntriesToAReaperRacingIt) {
    constexpr int rounds = 1000;
    std::mutex m;
    std::condition_variable cv;
    std::uint64_t passes_begun = 0;
    std::uint64_t passes_done = 0;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> alive_reports{0};
    std::atomic<std::uint64_t> reaper_errors{0};
    std::atomic<std::uint64_t> wrongly_removed{0};

    std::thread reaper([&] {
        while (!stop.load()) {
            {
                std::lock_guard<std::mutex> lock(m);
                ++passes_begun;
            }
            std::error_code ec;
            const reap_result r = reap_orphans(reaping(test_dir()), ec);
            if (ec) ++reaper_errors;
            alive_reports += r.alive.size();
            wrongly_removed += r.removed.size();  // every entry here has a live owner when old
            {
                std::lock_guard<std::mutex> lock(m);
                ++passes_done;
            }
            cv.notify_all();
        }
    });
    int lost = 0;
    for (int round = 0; round < rounds && lost == 0; ++round) try {
            temporary_directory d(locked_directory_in(test_dir()));
            write_text(d / "data", "round");
            named_temporary_file f(locked_file_in(test_dir(), round % 2 == 0));
            f.write("round");
            if (round % 2 == 1) f.close();  // a closed one keeps its lock in its own handle
            make_old(d.path());
            make_old(f.path());
            {
                std::unique_lock<std::mutex> lock(m);
                const std::uint64_t after = passes_begun;
                cv.wait(lock, [&] { return passes_done > after; });
            }
            if (read_text(d / "data") != "round" || read_text(f.path()) != "round") ++lost;
        } catch (const std::exception& e) {  // a file or directory gone from under its owner
            ADD_FAILURE() << e.what();
            ++lost;
        }
    stop = true;
    reaper.join();
    EXPECT_EQ(lost, 0);
    EXPECT_EQ(wrongly_removed.load(), 0u);
    EXPECT_EQ(reaper_errors.load(), 0u);
    EXPECT_GE(alive_reports.load(), 2u * rounds) << "every round's entries were seen alive at least once";
}

}  // namespace
#endif  // _WIN32
