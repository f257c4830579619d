// SPDX-License-Identifier: MIT
// tempfile-run (tools/), driven as a user drives it: the real binary in a
// subprocess, pipes for its standard streams, real signals, and a pseudo
// terminal for Ctrl-C. Every run makes its things in the test's private
// directory ($TMPDIR), so "nothing left behind" is checked by listing it.
#include "harness.hpp"

#include <tempfile/remove_tree.hpp>

#include <gtest/gtest.h>

#ifndef _WIN32
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#endif

#if defined(_WIN32)
// This driver is POSIX's (fork, signals, a pseudo terminal): on Windows,
// tempfile_run_windows_test.cpp drives tempfile-run.exe.
#elif !defined(TEMPFILE_RUN_PATH)
TEST(TempfileRun, IsNotBuilt) {
    GTEST_SKIP() << "tempfile-run is not built (TEMPFILE_BUILD_TOOLS=OFF)";
}
#else

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::test_dir;

/// A descriptor owned by the test, so that none leaks past it.
class fd_owner {
public:
    explicit fd_owner(int fd = -1) : fd_(fd) {}
    fd_owner(fd_owner&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    fd_owner& operator=(fd_owner&& other) noexcept {
        std::swap(fd_, other.fd_);
        return *this;
    }
    ~fd_owner() { reset(); }
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

struct pipe_pair {
    fd_owner read, write;
};

pipe_pair make_pipe() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    pipe_pair p{fd_owner(fds[0]), fd_owner(fds[1])};
    ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return p;
}

/// How a finished run ended: the raw wait status and what it printed.
struct run_result {
    int status = 0;
    std::string out, err;

    bool exited_with(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
    /// Died of `signo`, as its parent's waitpid sees it.
    bool killed_by(int signo) const { return WIFSIGNALED(status) && WTERMSIG(status) == signo; }
    std::string describe() const {
        std::string how = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                            : "signal " + std::to_string(WTERMSIG(status)) +
                                                  (WCOREDUMP(status) ? " (core dumped)" : "");
        return how + "; stdout: [" + out + "]; stderr: [" + err + "]";
    }
};

/// How tool_process starts tempfile-run.
struct launch {
    /// A session leader whose stdin is a new pseudo terminal: writing "\x03"
    /// to terminal_master() is a real Ctrl-C.
    bool terminal = false;
    /// stderr is a pipe whose read end is already closed: every write to it
    /// fails with EPIPE (or raises SIGPIPE).
    bool stderr_closed = false;
    /// SIGPIPE ignored when tempfile-run starts (as under some CI runners).
    bool sigpipe_ignored = false;
    /// Core dumps allowed (RLIMIT_CORE raised to its hard limit) and the
    /// test's directory as the working directory, where a core would land.
    bool cores_allowed = false;
};

/// tempfile-run running in a subprocess of its own process group (so that a
/// command's `kill 0` or a terminal signal never reaches the test runner).
class tool_process {
public:
    explicit tool_process(const std::vector<std::string>& args, bool terminal = false)
        : tool_process(args, launch{terminal}) {}
    tool_process(const std::vector<std::string>& args, const launch& how) {
        const bool terminal = how.terminal;
        std::vector<std::string> words{TEMPFILE_RUN_PATH};
        words.insert(words.end(), args.begin(), args.end());
        std::vector<char*> argv;
        argv.reserve(words.size() + 1);
        for (auto& w : words) argv.push_back(w.data());
        argv.push_back(nullptr);
        pipe_pair in = make_pipe(), out = make_pipe(), err = make_pipe();
        if (how.stderr_closed) err.read.reset();  // before fork: no write can come first
        const std::string work_dir = test_dir().string();
        std::string slave_name;
        if (terminal) {
            master_ = fd_owner(::posix_openpt(O_RDWR | O_NOCTTY));
            if (master_.get() < 0 || ::grantpt(master_.get()) != 0 || ::unlockpt(master_.get()) != 0)
                throw std::system_error(errno, std::generic_category(), "posix_openpt");
            ::fcntl(master_.get(), F_SETFD, FD_CLOEXEC);
            slave_name = ::ptsname(master_.get());
        }
        pid_ = ::fork();
        if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
        if (pid_ == 0) {
            // Whatever started the test (a shell's background job ignores
            // SIGINT and SIGQUIT), tempfile-run starts as from a terminal.
            for (int signo : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGPIPE})
                (void)::signal(signo, SIG_DFL);
            if (how.sigpipe_ignored) (void)::signal(SIGPIPE, SIG_IGN);
            if (how.cores_allowed) {
                struct rlimit core {};
                if (::getrlimit(RLIMIT_CORE, &core) != 0) ::_exit(120);
                core.rlim_cur = core.rlim_max;
                if (::setrlimit(RLIMIT_CORE, &core) != 0 || ::chdir(work_dir.c_str()) != 0) ::_exit(120);
            }
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            if (terminal) {
                int slave = -1;
                if (::setsid() < 0 || (slave = ::open(slave_name.c_str(), O_RDWR)) < 0 ||
                    ::ioctl(slave, TIOCSCTTY, 0) != 0 || ::dup2(slave, 0) < 0)
                    ::_exit(120);
                if (slave != 0) ::close(slave);
            } else if (::setpgid(0, 0) != 0 || ::dup2(in.read.get(), 0) < 0) {
                ::_exit(120);
            }
            if (::dup2(out.write.get(), 1) < 0 || ::dup2(err.write.get(), 2) < 0) ::_exit(120);
            ::execv(argv[0], argv.data());
            ::_exit(121);
        }
        if (!terminal) in_ = std::move(in.write);
        out_ = std::move(out.read);
        err_ = std::move(err.read);
    }
    tool_process(const tool_process&) = delete;
    tool_process& operator=(const tool_process&) = delete;
    /// A test that failed half-way must not leave its process behind.
    ~tool_process() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status;
            ::waitpid(pid_, &status, 0);
        }
    }

    pid_t pid() const { return pid_; }
    int terminal_master() const { return master_.get(); }

    void write_stdin(const std::string& text) {
        ASSERT_EQ(::write(in_.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }

    /// The next line of stdout, without its newline ("" at end of file).
    std::string read_line() {
        for (;;) {
            std::size_t nl = pending_out_.find('\n');
            if (nl != std::string::npos) {
                std::string line = pending_out_.substr(0, nl);
                pending_out_.erase(0, nl + 1);
                return line;
            }
            char buf[256];
            ssize_t n = ::read(out_.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return std::exchange(pending_out_, "");
            pending_out_.append(buf, static_cast<std::size_t>(n));
        }
    }

    /// Closes stdin, reads stdout and stderr to their end, then reaps it.
    run_result finish() {
        in_.reset();
        run_result r;
        r.out = std::exchange(pending_out_, "");
        drain(r.out, r.err);
        while (::waitpid(pid_, &r.status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return r;
    }

private:
    void drain(std::string& out, std::string& err) {
        pollfd fds[2] = {{out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}};
        std::string* sinks[2] = {&out, &err};
        int open_count = err_.get() >= 0 ? 2 : 1;  // poll skips a negative descriptor
        while (open_count > 0) {
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                throw std::system_error(errno, std::generic_category(), "poll");
            }
            for (int i = 0; i < 2; ++i) {
                if (fds[i].fd < 0 || fds[i].revents == 0) continue;
                char buf[4096];
                ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n > 0) {
                    sinks[i]->append(buf, static_cast<std::size_t>(n));
                } else if (n == 0 || errno != EINTR) {
                    fds[i].fd = -1;
                    --open_count;
                }
            }
        }
        out_.reset();
        err_.reset();
    }

    pid_t pid_ = -1;
    fd_owner in_, out_, err_, master_;
    std::string pending_out_;
};

run_result run_tool(const std::vector<std::string>& args, const std::string& input = "",
                    const launch& how = launch{}) {
    tool_process tool(args, how);
    if (!input.empty()) tool.write_stdin(input);
    return tool.finish();
}

/// `sh -c script sh args...`: the script sees the args as $1, $2, ...
std::vector<std::string> shell(const std::string& script, std::vector<std::string> args = {}) {
    std::vector<std::string> words{"--", "sh", "-c", script, "sh"};
    words.insert(words.end(), args.begin(), args.end());
    return words;
}

std::vector<std::string> with_options(std::vector<std::string> options,
                                      const std::vector<std::string>& rest) {
    options.insert(options.end(), rest.begin(), rest.end());
    return options;
}

struct stat lstat_or_fail(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st;
}

bool exists_no_follow(const fs::path& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0;
}

}  // namespace

// ---- what the command is given ----------------------------------------------

TEST(TempfileRun, ExportsAPrivateDirectoryAsTmpdirAndInPlaceOfBraces) {
    tool_process tool(shell(R"(printf '%s\n%s\n' "$TMPDIR" "$1"; read line)", {"{}"}));
    fs::path exported = tool.read_line();
    fs::path argument = tool.read_line();
    EXPECT_EQ(exported, argument);
    EXPECT_TRUE(exported.is_absolute()) << exported;
    EXPECT_EQ(exported.parent_path(), test_dir());
    struct stat st = lstat_or_fail(exported);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_EQ(st.st_uid, ::geteuid());
    tool.write_stdin("done\n");
    run_result r = tool.finish();
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_TRUE(r.err.empty()) << r.describe();
    EXPECT_FALSE(exists_no_follow(exported));
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, EnvOptionNamesTheVariableAndLeavesTmpdirAlone) {
    run_result r =
        run_tool(with_options({"--env", "SCRATCH"}, shell(R"(printf '%s\n%s\n' "$SCRATCH" "$TMPDIR")")));
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    std::string scratch = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(fs::path(scratch).parent_path(), test_dir()) << r.describe();
    EXPECT_EQ(r.out.substr(r.out.find('\n') + 1), test_dir().string() + "\n");
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, FileOptionMakesAnEmpty0600FileExportedAsTempfile) {
    tool_process tool(
        with_options({"--file"}, shell(R"(printf '%s\n%s\n' "$TEMPFILE" "$1"; read line)", {"{}"})));
    fs::path exported = tool.read_line();
    EXPECT_EQ(fs::path(tool.read_line()), exported);
    EXPECT_EQ(exported.parent_path(), test_dir());
    struct stat st = lstat_or_fail(exported);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(st.st_size, 0);
    tool.write_stdin("done\n");
    run_result r = tool.finish();
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_FALSE(exists_no_follow(exported));
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, PrefixSuffixAndInChooseWhereAndHowItIsNamed) {
    fs::path where = test_dir() / "where";
    fs::create_directory(where);
    run_result r = run_tool(with_options({"--prefix", "job-", "--suffix", ".d", "--in", where.string()},
                                         shell(R"(echo "$TMPDIR")")));
    ASSERT_TRUE(r.exited_with(0)) << r.describe();
    fs::path made = r.out.substr(0, r.out.size() - 1);
    EXPECT_EQ(made.parent_path(), where);
    std::string name = made.filename().string();
    EXPECT_EQ(name.size(), 4u + 8u + 2u) << name;
    EXPECT_EQ(name.rfind("job-", 0), 0u) << name;
    EXPECT_EQ(name.substr(name.size() - 2), ".d") << name;
    EXPECT_TRUE(list_dir(where).empty());
    fs::remove(where);
}

TEST(TempfileRun, CommandMayComeWithoutDoubleDashAndKeepsItsOwnOptions) {
    run_result r = run_tool({"sh", "-c", R"(printf '%s\n' "$1")", "sh", "--keep"});
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_EQ(r.out, "--keep\n");
    EXPECT_TRUE(r.err.empty()) << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, StandardStreamsPassThrough) {
    run_result r = run_tool(shell("cat; echo oops >&2"), "hello\n");
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_EQ(r.out, "hello\n");
    EXPECT_EQ(r.err, "oops\n");
}

// ---- exit status ------------------------------------------------------------------

TEST(TempfileRun, ExitStatusIsTheCommands) {
    for (int code : {0, 3, 255}) {
        run_result r = run_tool(shell(R"(echo x > "$TMPDIR/f"; exit )" + std::to_string(code)));
        EXPECT_TRUE(r.exited_with(code)) << r.describe();
        EXPECT_TRUE(list_dir(test_dir()).empty());
    }
}

// As timeout(1): the parent sees the death it would have seen without
// tempfile-run in between, after the cleanup.
TEST(TempfileRun, CommandKilledByASignalMakesTheToolDieOfTheSameSignalAfterCleanup) {
    for (int signo : {SIGUSR1, SIGTERM, SIGPIPE}) {
        run_result r = run_tool(shell(R"(echo x > "$TMPDIR/f"; kill -)" + std::to_string(signo) + " $$"));
        EXPECT_TRUE(r.killed_by(signo)) << "signal " << signo << ": " << r.describe();
        EXPECT_TRUE(r.err.empty()) << r.describe();
        EXPECT_TRUE(list_dir(test_dir()).empty());
    }
}

TEST(TempfileRun, CommandKilledWithSigkillIsStillCleanedUp) {
    run_result r = run_tool(shell(R"(mkdir "$1/sub"; echo x > "$1/sub/f"; kill -KILL $$)", {"{}"}));
    EXPECT_TRUE(r.killed_by(SIGKILL)) << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// The command's core (if it makes one) is the one worth having: the tool
// dies of the same signal without a core of its own, as timeout(1) does.
// Cores are allowed and would land in the test's directory, which the
// command's own `ulimit -c 0` keeps free of the command's.
TEST(TempfileRun, ACoreDumpingSignalKillsTheToolWithoutACoreOfItsOwn) {
    launch how;
    how.cores_allowed = true;
    run_result r = run_tool(shell(R"(ulimit -c 0; echo x > "$TMPDIR/f"; kill -ABRT $$)"), "", how);
    EXPECT_TRUE(r.killed_by(SIGABRT)) << r.describe();
    EXPECT_FALSE(WCOREDUMP(r.status)) << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// ---- signals ------------------------------------------------------------------------

class TempfileRunForwarding : public ::testing::TestWithParam<int> {};

// The command traps the signal and exits 7: the status proves that it got
// the signal (tempfile-run itself never dies from it) and that cleanup ran.
TEST_P(TempfileRunForwarding, SignalSentToTheToolReachesTheCommandThenCleansUp) {
    int signo = GetParam();
    std::string script = "trap 'kill $pid; exit 7' " + std::to_string(signo) + R"(
        echo x > "$TMPDIR/f"
        sleep 100 </dev/null >/dev/null 2>&1 & pid=$!
        echo ready
        while kill -0 $pid 2>/dev/null; do wait $pid; done
        exit 9)";
    tool_process tool(shell(script));
    ASSERT_EQ(tool.read_line(), "ready");
    ASSERT_EQ(::kill(tool.pid(), signo), 0);
    run_result r = tool.finish();
    EXPECT_TRUE(r.exited_with(7)) << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

INSTANTIATE_TEST_SUITE_P(EachForwardedSignal, TempfileRunForwarding,
                         ::testing::Values(SIGINT, SIGTERM, SIGHUP, SIGQUIT),
                         [](const ::testing::TestParamInfo<int>& info) {
                             switch (info.param) {
                                 case SIGINT:
                                     return std::string("SIGINT");
                                 case SIGTERM:
                                     return std::string("SIGTERM");
                                 case SIGHUP:
                                     return std::string("SIGHUP");
                                 default:
                                     return std::string("SIGQUIT");
                             }
                         });

TEST(TempfileRun, SigtermToTheToolEndsAnUntrappingCommandThenTheToolDiesOfItAfterCleanup) {
    // If the signal were not forwarded, sleep would end after 100 s with 0.
    tool_process tool(shell(R"(echo x > "$TMPDIR/f"; echo ready; exec sleep 100)"));
    ASSERT_EQ(tool.read_line(), "ready");
    ASSERT_EQ(::kill(tool.pid(), SIGTERM), 0);
    run_result r = tool.finish();
    EXPECT_TRUE(r.killed_by(SIGTERM)) << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, CtrlCOnTheTerminalEndsTheCommandAndTheToolCleansUpThenDiesOfSigint) {
    tool_process tool(shell(R"(echo x > "$TMPDIR/f"; echo ready; exec sleep 100)"), /*terminal=*/true);
    ASSERT_EQ(tool.read_line(), "ready");
    ASSERT_EQ(::write(tool.terminal_master(), "\x03", 1), 1);
    run_result r = tool.finish();
    EXPECT_TRUE(r.killed_by(SIGINT)) << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// The terminal sends Ctrl-C's SIGINT to the whole foreground group, command
// included: tempfile-run must not send it a second time. tempfile-run is
// stopped (for sure: waitpid reports it) while the command handles the
// terminal's SIGINT, so that a second one forwarded later could not merge
// with the first while pending; the SIGTERM sent
// afterwards is forwarded after anything tempfile-run would have forwarded
// for the SIGINT, so the output shows a second INT if there was one.
TEST(TempfileRun, CtrlCOnTheTerminalReachesTheCommandOnlyOnce) {
    // The background sleep must ignore the terminal's SIGINT before the
    // test presses Ctrl-C: the fifo says when it does.
    std::string script = R"(
        trap 'echo INT' INT
        trap 'echo TERM; kill $pid; exit 7' TERM
        mkfifo "$TMPDIR/up"
        sh -c 'trap "" INT; echo > "$1"; exec sleep 100' sh "$TMPDIR/up" </dev/null >/dev/null 2>&1 & pid=$!
        read x < "$TMPDIR/up"
        echo ready
        while kill -0 $pid 2>/dev/null; do wait $pid; done
        exit 9)";
    tool_process tool(shell(script), /*terminal=*/true);
    ASSERT_EQ(tool.read_line(), "ready");
    ASSERT_EQ(::kill(tool.pid(), SIGSTOP), 0);
    int stopped = 0;
    ASSERT_EQ(::waitpid(tool.pid(), &stopped, WUNTRACED), tool.pid());
    ASSERT_TRUE(WIFSTOPPED(stopped));
    ASSERT_EQ(::write(tool.terminal_master(), "\x03", 1), 1);
    ASSERT_EQ(tool.read_line(), "INT");
    ASSERT_EQ(::kill(tool.pid(), SIGCONT), 0);
    ASSERT_EQ(::kill(tool.pid(), SIGTERM), 0);
    run_result r = tool.finish();
    EXPECT_TRUE(r.exited_with(7)) << r.describe();
    EXPECT_EQ(r.out, "TERM\n") << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// ---- what the command leaves behind ---------------------------------------------

// Run as nobody, since root ignores the modes that would block removal.
TEST(TempfileRun, ReadOnlyEntriesGoAndSymlinksOutOfTheTreeAreNotFollowed) {
    fs::path work = tempfile_test::make_dir_for_nobody("work");
    fs::path outside_file = work / "outside.txt";
    fs::path outside_dir = work / "outside-dir";
    std::string script = R"(
        mkdir "$1/ro" "$1/ro/inner" && echo a > "$1/ro/f" && echo b > "$1/ro/inner/g" &&
        chmod 0444 "$1/ro/f" && chmod 0500 "$1/ro/inner" "$1/ro" &&
        ln -s "$2" "$1/link-to-file" && ln -s "$3" "$1/link-to-dir" && chmod 0500 "$1")";
    int status = tempfile_test::run_as_nobody([&] {
        tempfile_test::write_text(outside_file, "keep me");
        fs::create_directory(outside_dir);
        tempfile_test::write_text(outside_dir / "precious", "keep me too");
        run_result r = run_tool(with_options(
            {"--in", work.string()}, shell(script, {"{}", outside_file.string(), outside_dir.string()})));
        return r.exited_with(0) ? 0 : 1;
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(list_dir(work), (std::vector<std::string>{"outside-dir", "outside.txt"}));
    EXPECT_EQ(tempfile_test::read_text(outside_file), "keep me");
    EXPECT_EQ(tempfile_test::read_text(outside_dir / "precious"), "keep me too");
    fs::remove_all(work);
}

// tempfile-run waits for its direct child only: a background process the
// command started may outlive it, and cleanup does not wait for it either.
TEST(TempfileRun, CleanupHappensWhenTheCommandExitsEvenIfAGrandchildLivesOnInTheDirectory) {
    std::string script = R"(
        cd "$1" || exit 9
        mkfifo ready
        sh -c 'echo data > g; echo $$ >&3; echo go > ready; exec sleep 100 3>&-' 3>&1 </dev/null >/dev/null 2>&1 &
        read x < ready)";
    tool_process tool(shell(script, {"{}"}));
    pid_t grandchild = std::stoi(tool.read_line());
    run_result r = tool.finish();
    bool grandchild_alive = ::kill(grandchild, 0) == 0;
    ::kill(grandchild, SIGKILL);
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_TRUE(grandchild_alive);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, CommandRemovingTheDirectoryItselfIsNotAnError) {
    run_result r = run_tool(shell(R"(rmdir "$TMPDIR")"));
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_TRUE(r.err.empty()) << r.describe();
}

TEST(TempfileRun, FileReplacedByADirectoryIsStillRemoved) {
    run_result r =
        run_tool(with_options({"--file"}, shell(R"(rm "$1" && mkdir "$1" && echo x > "$1/f")", {"{}"})));
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// ---- keeping it -------------------------------------------------------------------

TEST(TempfileRun, KeepKeepsItAndPrintsItsPathOnStderr) {
    run_result r = run_tool(with_options({"--keep"}, shell(R"(echo x > "$TMPDIR/f"; echo "$TMPDIR")")));
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    fs::path made = r.out.substr(0, r.out.size() - 1);
    EXPECT_EQ(r.err, "tempfile-run: kept " + made.string() + "\n");
    EXPECT_EQ(tempfile_test::read_text(made / "f"), "x\n");
    fs::remove_all(made);
}

TEST(TempfileRun, KeepOnFailureRemovesItAfterSuccess) {
    run_result r = run_tool(with_options({"--keep-on-failure"}, shell(R"(echo x > "$TMPDIR/f")")));
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_TRUE(r.err.empty()) << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, KeepOnFailureKeepsItAfterFailure) {
    run_result r = run_tool(
        with_options({"--keep-on-failure"}, shell(R"(echo x > "$TMPDIR/f"; echo "$TMPDIR"; exit 4)")));
    EXPECT_TRUE(r.exited_with(4)) << r.describe();
    fs::path made = r.out.substr(0, r.out.size() - 1);
    EXPECT_EQ(r.err, "tempfile-run: kept " + made.string() + "\n");
    EXPECT_EQ(tempfile_test::read_text(made / "f"), "x\n");
    fs::remove_all(made);
}

// ---- errors -------------------------------------------------------------------------

TEST(TempfileRun, CommandNotFoundExits127AndLeavesNothing) {
    for (const char* keep : {"--keep-on-failure", "--keep"}) {
        run_result r = run_tool({keep, "--", "tempfile-run-test-no-such-command"});
        EXPECT_TRUE(r.exited_with(127)) << r.describe();
        EXPECT_EQ(r.err, "tempfile-run: tempfile-run-test-no-such-command: No such file or directory\n");
        EXPECT_TRUE(list_dir(test_dir()).empty());
    }
}

TEST(TempfileRun, CommandThatCannotBeExecutedExits126AndLeavesNothing) {
    fs::path not_executable = test_dir() / "script";
    tempfile_test::write_text(not_executable, "#!/bin/sh\nexit 0\n");
    fs::permissions(not_executable, fs::perms::owner_read | fs::perms::owner_write);
    run_result r = run_tool({"--", not_executable.string()});
    EXPECT_TRUE(r.exited_with(126)) << r.describe();
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"script"});
    fs::remove(not_executable);
}

// As env, timeout, nice and chroot: 125, which a command's own 1 or 2 can
// never be mistaken for.
TEST(TempfileRun, UsageErrorsExit125WithOneLineAndCreateNothing) {
    tempfile_test::write_text(test_dir() / "a-file", "");
    const std::vector<std::vector<std::string> > cases = {
        {},
        {"--"},
        {"--file"},
        {"--bogus", "--", "true"},
        {"-x", "true"},
        {"-", "true"},
        {"-hx", "true"},
        {"--env"},
        {"--prefix"},
        {"-p"},
        {"--keep=yes", "--", "true"},
        {"--env", "A=B", "--", "true"},
        {"--env", "", "--", "true"},
        {"--env=", "--", "true"},
        {"--in", "", "--", "true"},
        {"--tmpdir=", "--", "true"},
        {"--in", (test_dir() / "missing").string(), "--", "true"},
        {"-p", (test_dir() / "missing").string(), "--", "true"},
        {"--in", (test_dir() / "a-file").string(), "--", "true"},
        {"--file", "--in", (test_dir() / "missing").string(), "--", "true"},
        {"--prefix", "a/b", "--", "true"},
        {"--suffix=x/y", "--", "true"},
    };
    for (const auto& args : cases) {
        std::string shown;
        for (auto& a : args) shown += " [" + a + "]";
        run_result r = run_tool(args);
        EXPECT_TRUE(r.exited_with(125)) << shown << ": " << r.describe();
        EXPECT_TRUE(r.out.empty()) << shown << ": " << r.describe();
        EXPECT_EQ(r.err.rfind("tempfile-run: ", 0), 0u) << shown << ": " << r.describe();
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << shown << ": " << r.describe();
        EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"a-file"}) << shown;
    }
    fs::remove(test_dir() / "a-file");
}

// `--env -- cmd` once exported a variable named "--" and ran cmd; the value
// is missing, and one that really starts with "--" is written inline.
TEST(TempfileRun, AValueStartingWithTwoDashesIsMissingUnlessWrittenInline) {
    for (const char* option : {"--env", "--prefix", "--suffix", "--in", "-p"}) {
        run_result r = run_tool({option, "--", "sh", "-c", "echo ran"});
        EXPECT_TRUE(r.exited_with(125)) << option << ": " << r.describe();
        EXPECT_TRUE(r.out.empty()) << option << ": " << r.describe();
        EXPECT_NE(r.err.find("needs a value"), std::string::npos) << option << ": " << r.describe();
        EXPECT_TRUE(list_dir(test_dir()).empty()) << option;
    }
    run_result env = run_tool(with_options({"--env=--x"}, {"--", "env"}));
    ASSERT_TRUE(env.exited_with(0)) << env.describe();
    EXPECT_NE(env.out.find("\n--x=" + test_dir().string() + "/tmp"), std::string::npos) << env.describe();
    run_result prefix = run_tool(with_options({"--prefix=--"}, shell(R"(basename "$TMPDIR")")));
    ASSERT_TRUE(prefix.exited_with(0)) << prefix.describe();
    EXPECT_EQ(prefix.out.rfind("--", 0), 0u) << prefix.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// Each way --in can be wrong has its own message: missing, not a
// directory, or a directory nothing can be created in (/proc).
TEST(TempfileRun, InDirectoryProblemsAreEachNamed) {
    tempfile_test::write_text(test_dir() / "a-file", "");
    struct expectation {
        std::string dir, message;
    };
    std::vector<expectation> cases = {
        {(test_dir() / "missing").string(), "no such directory"},
        {(test_dir() / "a-file").string(), "not a directory"},
    };
    if (fs::is_directory("/proc/self"))  // procfs: exists, but accepts no new entry from anyone
        cases.push_back({"/proc", "is a directory, but no temporary directory can be created in it: "});
    for (const expectation& c : cases) {
        run_result r = run_tool({"--in", c.dir, "--", "true"});
        EXPECT_TRUE(r.exited_with(125)) << c.dir << ": " << r.describe();
        EXPECT_EQ(r.err.rfind("tempfile-run: --in " + c.dir + ": " + c.message, 0), 0u) << r.describe();
    }
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"a-file"});
    fs::remove(test_dir() / "a-file");
}

// GNU mktemp's spellings: -p DIR (or -pDIR) and --tmpdir=DIR; --tmpdir
// alone is the default directory, $TMPDIR first.
TEST(TempfileRun, DashPAndTmpdirAreAliasesOfIn) {
    fs::path where = test_dir() / "where";
    fs::create_directory(where);
    const std::vector<std::vector<std::string> > spellings = {
        {"-p", where.string()}, {"-p" + where.string()}, {"--tmpdir=" + where.string()}};
    for (const auto& spelling : spellings) {
        run_result r = run_tool(with_options(spelling, shell(R"(echo "$TMPDIR")")));
        ASSERT_TRUE(r.exited_with(0)) << spelling[0] << ": " << r.describe();
        EXPECT_EQ(fs::path(r.out.substr(0, r.out.size() - 1)).parent_path(), where) << spelling[0];
    }
    run_result bare =
        run_tool(with_options({"--in", where.string(), "--tmpdir"}, shell(R"(echo "$TMPDIR")")));
    ASSERT_TRUE(bare.exited_with(0)) << bare.describe();
    EXPECT_EQ(fs::path(bare.out.substr(0, bare.out.size() - 1)).parent_path(), test_dir());
    EXPECT_TRUE(list_dir(where).empty());
    fs::remove(where);
}

TEST(TempfileRun, HelpAndVersionExit0OnStdout) {
    run_result help = run_tool({"--file", "--help"});
    EXPECT_TRUE(help.exited_with(0)) << help.describe();
    EXPECT_EQ(help.out.rfind("Usage: tempfile-run", 0), 0u) << help.describe();
    EXPECT_TRUE(help.err.empty());
    run_result version = run_tool({"--version"});
    EXPECT_TRUE(version.exited_with(0)) << version.describe();
    // GNU style: "program (package) version", copyright, licence.
    EXPECT_EQ(version.out, std::string("tempfile-run (tempfile) ") + TEMPFILE_PROJECT_VERSION +
                               "\nCopyright (c) 2026 The tempfile authors\n"
                               "License MIT: <https://opensource.org/licenses/MIT>.\n"
                               "This is free software: you are free to change and redistribute it.\n"
                               "There is NO WARRANTY, to the extent permitted by law.\n");
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// The man page is written by hand: this keeps its .TH version the project's.
TEST(TempfileRun, ManPageNamesThisVersion) {
    std::string page = tempfile_test::read_text(TEMPFILE_MAN_PAGE);
    std::size_t th = page.find("\n.TH ");
    ASSERT_NE(th, std::string::npos);
    std::string line = page.substr(th + 1, page.find('\n', th + 1) - th - 1);
    EXPECT_NE(line.find(std::string("\"tempfile ") + TEMPFILE_PROJECT_VERSION + "\""), std::string::npos)
        << line;
}

// ---- a closed stderr ----------------------------------------------------------------

// `( sleep .3; tempfile-run -- no-such-cmd ) 2>&1 | true` once died of
// SIGPIPE (141) before cleaning up; here stderr is closed before it starts.
TEST(TempfileRun, AClosedStderrNeitherKillsTheToolNorStopsTheCleanup) {
    launch how;
    how.stderr_closed = true;
    run_result missing = run_tool({"--", "tempfile-run-test-no-such-command"}, "", how);
    EXPECT_TRUE(missing.exited_with(127)) << missing.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
    run_result failing = run_tool(shell(R"(mkdir "$TMPDIR/sub"; exit 3)"), "", how);
    EXPECT_TRUE(failing.exited_with(3)) << failing.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, KeepWithAClosedStderrStillExitsWithTheCommandsStatus) {
    launch how;
    how.stderr_closed = true;
    run_result r = run_tool(with_options({"--keep"}, shell(R"(echo "$TMPDIR")")), "", how);
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    fs::path kept = r.out.substr(0, r.out.size() - 1);
    EXPECT_EQ(kept.parent_path(), test_dir()) << r.describe();
    EXPECT_TRUE(fs::is_directory(kept));
    tempfile::remove_tree(kept);
}

// The tool ignores SIGPIPE for itself only: the command starts with the
// disposition the tool started with (a pipeline's `yes | head` must end).
TEST(TempfileRun, CommandStartsWithTheSigpipeDispositionTheToolStartedWith) {
    const std::vector<std::string> script = shell("kill -PIPE $$; echo survived");
    run_result by_default = run_tool(script);
    EXPECT_TRUE(by_default.killed_by(SIGPIPE)) << by_default.describe();
    EXPECT_TRUE(by_default.out.empty()) << by_default.describe();
    launch how;
    how.sigpipe_ignored = true;
    run_result ignored = run_tool(script, "", how);
    EXPECT_TRUE(ignored.exited_with(0)) << ignored.describe();
    EXPECT_EQ(ignored.out, "survived\n");
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// ---- --reap -------------------------------------------------------------------------

namespace {

/// Sets the access and modification times of `p` an hour back (not
/// following a link): reaping is by age, and the tests never wait for it.
void make_old(const fs::path& p) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    now.tv_sec -= 3600;
    const struct timespec times[2] = {now, now};
    ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << p;
}

std::vector<std::string> reap_here(std::vector<std::string> more = {}) {
    std::vector<std::string> words{"--reap", "--in", test_dir().string(), "--older-than", "0"};
    words.insert(words.end(), more.begin(), more.end());
    return words;
}

/// Starts a run whose command prints its path and waits for a line, kills
/// the supervisor with SIGKILL, lets the command finish, and returns the
/// path it left (checked to be alive for a reaper while the supervisor lived).
fs::path left_by_a_killed_supervisor(const std::vector<std::string>& options,
                                     const std::vector<std::string>& reap_options = {}) {
    tool_process tool(with_options(
        options, shell(R"(printf '%s\n' "$1"; read line; echo data > "$1/f" 2>/dev/null || echo data > "$1")",
                       {"{}"})));
    const fs::path path = tool.read_line();
    make_old(path);
    run_result alive = run_tool(reap_here(reap_options));
    EXPECT_TRUE(alive.exited_with(0)) << alive.describe();
    EXPECT_EQ(alive.out, "0 removed (0 entries), 1 alive\n") << "its supervisor holds its lock";
    EXPECT_TRUE(exists_no_follow(path));
    EXPECT_EQ(::kill(tool.pid(), SIGKILL), 0);
    tool.write_stdin("go\n");  // the command outlives its supervisor, and writes
    run_result killed = tool.finish();
    EXPECT_TRUE(killed.killed_by(SIGKILL)) << killed.describe();
    EXPECT_TRUE(exists_no_follow(path)) << "SIGKILL: nothing cleaned up";
    make_old(path);
    return path;
}

}  // namespace

TEST(TempfileRun, ReapRemovesTheDirectoryOfASupervisorKilledWithSigkill) {
    const fs::path left = left_by_a_killed_supervisor({});
    ASSERT_TRUE(fs::is_directory(left));
    ASSERT_TRUE(fs::exists(left / "f"));
    run_result r = run_tool(reap_here());
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_EQ(r.out, "removed " + left.string() + "\n1 removed (2 entries), 0 alive\n");
    EXPECT_TRUE(r.err.empty()) << r.describe();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, ReapRemovesTheFileOfASupervisorKilledWithSigkill) {
    const fs::path left = left_by_a_killed_supervisor({"--file", "--suffix", ".json"}, {"--suffix", ".json"});
    ASSERT_TRUE(fs::is_regular_file(left));
    run_result without_suffix = run_tool(reap_here());
    EXPECT_EQ(without_suffix.out, "0 removed (0 entries), 0 alive\n") << "the suffix is part of the name";
    run_result r = run_tool(reap_here({"--suffix", ".json"}));
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_EQ(r.out, "removed " + left.string() + "\n1 removed (1 entry), 0 alive\n");
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRun, ReapDryRunSaysWhatWouldGoAndRemovesNothing) {
    const fs::path left = left_by_a_killed_supervisor({});
    run_result r = run_tool(reap_here({"--dry-run"}));
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_EQ(r.out, "would remove " + left.string() + "\n1 would be removed, 0 alive\n");
    EXPECT_TRUE(fs::exists(left / "f"));
    tempfile::remove_tree(left);
}

TEST(TempfileRun, ReapTakesOnlyWhatIsOlderThanOlderThanAndTheDefaultIsADay) {
    const fs::path left = left_by_a_killed_supervisor({});  // an hour old
    run_result by_default = run_tool({"--reap", "--in", test_dir().string()});
    EXPECT_EQ(by_default.out, "0 removed (0 entries), 0 alive\n") << by_default.describe();
    run_result younger = run_tool({"--reap", "--in", test_dir().string(), "--older-than", "7200"});
    EXPECT_EQ(younger.out, "0 removed (0 entries), 0 alive\n") << younger.describe();
    run_result older = run_tool({"--reap", "--in", test_dir().string(), "--older-than=1800"});
    EXPECT_EQ(older.out, "removed " + left.string() + "\n1 removed (2 entries), 0 alive\n")
        << older.describe();
}

TEST(TempfileRun, ReapWithNothingToDoExits0AndTheDefaultDirectoryIsTmpdir) {
    run_result r = run_tool({"--reap"});
    EXPECT_TRUE(r.exited_with(0)) << r.describe();
    EXPECT_EQ(r.out, "0 removed (0 entries), 0 alive\n");
    EXPECT_TRUE(r.err.empty());
}

TEST(TempfileRun, ReapUsageErrorsExit125WithOneLine) {
    const std::vector<std::vector<std::string> > cases = {
        {"--reap", "true"},
        {"--reap", "--", "true"},
        {"--reap", "--file"},
        {"--keep", "--reap"},
        {"--reap", "--env", "X"},
        {"--reap", "--keep-on-failure"},
        {"--dry-run", "--", "true"},
        {"--older-than", "5", "--", "true"},
        {"--reap", "--older-than"},
        {"--reap", "--older-than", "-1"},
        {"--reap", "--older-than", "1h"},
        {"--reap", "--older-than", "99999999999999"},
        {"--reap", "--prefix", "a/b"},
        {"--reap", "--in", (test_dir() / "missing").string()},
    };
    for (const auto& args : cases) {
        std::string shown;
        for (auto& a : args) shown += " [" + a + "]";
        run_result r = run_tool(args);
        EXPECT_TRUE(r.exited_with(125)) << shown << ": " << r.describe();
        EXPECT_TRUE(r.out.empty()) << shown << ": " << r.describe();
        EXPECT_EQ(r.err.rfind("tempfile-run: ", 0), 0u) << shown << ": " << r.describe();
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << shown << ": " << r.describe();
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// An entry it cannot tell alive or dead (a file without read permission,
// as an ordinary user) is named on stderr; the others still go; exit 1.
TEST(TempfileRun, ReapThatCannotRemoveSomethingNamesItAndExits1) {
    const fs::path home = tempfile_test::make_dir_for_nobody("home");
    const fs::path unreadable = home / "tmpunread_1";
    const fs::path orphan = home / "tmporphan_1";
    tempfile_test::write_text(unreadable, "x");
    fs::create_directory(orphan);
    ASSERT_EQ(::chown(unreadable.c_str(), 65534, 65534), 0);
    ASSERT_EQ(::chown(orphan.c_str(), 65534, 65534), 0);
    ASSERT_EQ(::chmod(unreadable.c_str(), 0200), 0);
    make_old(unreadable);
    make_old(orphan);
    const int status = tempfile_test::run_as_nobody([&] {
        // The child's stdout and stderr go to files the parent reads.
        const fs::path out = home / "out", err = home / "err";
        const std::string command = std::string("'") + TEMPFILE_RUN_PATH + "' --reap --in '" + home.string() +
                                    "' --older-than 0 >'" + out.string() + "' 2>'" + err.string() + "'";
        const int rc = std::system(command.c_str());
        return WIFEXITED(rc) ? WEXITSTATUS(rc) : 100;
    });
    EXPECT_EQ(status, 1);
    EXPECT_EQ(tempfile_test::read_text(home / "out"),
              "removed " + orphan.string() + "\n1 removed (1 entry), 0 alive, 1 failed\n");
    std::string err = tempfile_test::read_text(home / "err");
#if TEMPFILE_TEST_COVERAGE
    // The tool ran as nobody through exec, so it cannot write the (root's)
    // coverage data, and gcov says so on stderr: not the tool's words.
    std::string kept;
    std::istringstream lines(err);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("profiling:", 0) != 0) kept += line + "\n";
    err = kept;
#endif
    EXPECT_EQ(err, "tempfile-run: cannot reap " + unreadable.string() + ": Permission denied\n");
    EXPECT_TRUE(fs::exists(unreadable));
    fs::remove_all(home);
}

#endif
