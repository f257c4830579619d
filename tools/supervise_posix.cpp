// SPDX-License-Identifier: MIT
// POSIX supervision: fork + execvp, signals turned into events on a
// self-pipe (so that the wait loop does no work inside a handler), and
// waitpid on the direct child only.
#include "supervise.hpp"

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tempfile_run {
namespace {

/// A file descriptor, closed when its owner ends.
class unique_fd {
public:
    explicit unique_fd(int fd = -1) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    void reset() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

struct pipe_ends {
    unique_fd read;
    unique_fd write;
};

/// A pipe whose ends are both close-on-exec; returns false with errno set.
/// Only called while tempfile-run has one thread, so the portable pipe +
/// FD_CLOEXEC has no window in which another thread could fork.
bool make_cloexec_pipe(pipe_ends& ends) noexcept {
    int fds[2];
#if TEMPFILE_LINUX
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    ends.read = unique_fd(fds[0]);
    ends.write = unique_fd(fds[1]);
#else
    if (::pipe(fds) != 0) return false;
    ends.read = unique_fd(fds[0]);
    ends.write = unique_fd(fds[1]);
    if (::fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0 || ::fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) return false;
#endif
    return true;
}

constexpr int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
constexpr std::size_t forwarded_count = sizeof forwarded_signals / sizeof forwarded_signals[0];

/// What the handler records of one signal: enough to tell who sent it.
struct signal_event {
    int signo;
    int code;      // si_code
    pid_t sender;  // si_pid: 0 when the kernel (the terminal) generated it
};

// The self-pipe lives as long as the process: signals are caught until exit,
// so that a second Ctrl-C during cleanup cannot cut the cleanup short.
pipe_ends g_events;
int g_event_write_fd = -1;                      // what the handler writes to
volatile std::sig_atomic_t g_first_signal = 0;  // the first of the four, for "interrupted"

// What was there before, given back to the command in the child.
struct sigaction g_original_action[forwarded_count];
bool g_caught[forwarded_count] = {};
struct sigaction g_original_chld_action;
struct sigaction g_original_pipe_action;
bool g_pipe_ignored = false;
sigset_t g_original_mask;

void on_signal(int signo, siginfo_t* info, void*) {
    int saved_errno = errno;
    if (signo != SIGCHLD && g_first_signal == 0) g_first_signal = signo;
    signal_event event{signo, info ? info->si_code : 0, info ? info->si_pid : 0};
    // Non-blocking: if the pipe is full the event is dropped, which is safe,
    // since the wait loop calls waitpid after every event it reads anyway.
    ssize_t ignored = ::write(g_event_write_fd, &event, sizeof event);
    (void)ignored;
    errno = saved_errno;
}

/// True when another process sent the signal with kill() or sigqueue(),
/// false when the terminal (the kernel) generated it or the command sent it
/// itself (`kill 0` in a script reaches the whole group, command included).
/// Linux marks terminal signals SI_KERNEL with si_pid 0; other systems at
/// least leave si_pid 0 for them, hence the second test.
bool sent_by_another_process(const signal_event& event, pid_t child) noexcept {
    bool by_process = event.code == SI_USER || event.code == SI_QUEUE || event.sender > 0;
#ifdef SI_TKILL
    by_process = by_process || event.code == SI_TKILL;
#endif
    return by_process && event.sender != child;
}

outcome decode(int status) noexcept {
    if (WIFSIGNALED(status)) return {outcome::kind::signalled, WTERMSIG(status)};
    return {outcome::kind::exited, WEXITSTATUS(status)};
}

/// Forwards signals from other processes until the child ends. The child's
/// end always leaves a SIGCHLD event in the pipe (the handler was installed
/// before fork), so reading first wastes no waitpid on a running child.
outcome wait_for(pid_t child) noexcept {
    int status = 0;
    for (;;) {
        signal_event event{};
        ssize_t n = ::read(g_events.read.get(), &event, sizeof event);
        if (n < 0 && errno != EINTR) break;
        if (n == static_cast<ssize_t>(sizeof event) && event.signo != SIGCHLD &&
            sent_by_another_process(event, child))
            ::kill(child, event.signo);
        pid_t done = ::waitpid(child, &status, WNOHANG);
        if (done == child) return decode(status);
        if (done < 0 && errno != EINTR) return {outcome::kind::spawn_failed, errno};
    }
    // The self-pipe broke: stop forwarding, but still wait.
    pid_t done;
    while ((done = ::waitpid(child, &status, 0)) < 0 && errno == EINTR) {
    }
    return done == child ? decode(status) : outcome{outcome::kind::spawn_failed, errno};
}

/// In the child, between fork and exec: give the command the dispositions
/// and mask tempfile-run started with, run it, or report exec's errno.
[[noreturn]] void exec_child(char* const* argv, int report_fd) noexcept {
    for (std::size_t i = 0; i < forwarded_count; ++i)
        if (g_caught[i]) ::sigaction(forwarded_signals[i], &g_original_action[i], nullptr);
    ::sigaction(SIGCHLD, &g_original_chld_action, nullptr);
    if (g_pipe_ignored) ::sigaction(SIGPIPE, &g_original_pipe_action, nullptr);
    ::sigprocmask(SIG_SETMASK, &g_original_mask, nullptr);
    ::execvp(argv[0], argv);
    int error = errno;
    ssize_t ignored = ::write(report_fd, &error, sizeof error);
    (void)ignored;
    ::_exit(127);
}

}  // namespace

std::vector<std::string> arguments(int argc, char** argv) {
    return std::vector<std::string>(argv, argv + argc);
}

bool catch_signals() {
    // A write to a closed pipe (stderr read by `| head`, a CI log gone)
    // must fail with EPIPE, not kill tempfile-run before it cleaned up.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    if (::sigaction(SIGPIPE, &ignore, &g_original_pipe_action) != 0) return false;
    g_pipe_ignored = true;
    if (!make_cloexec_pipe(g_events)) return false;
    g_event_write_fd = g_events.write.get();
    if (::fcntl(g_event_write_fd, F_SETFL, O_NONBLOCK) != 0) return false;

    struct sigaction action {};
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    // Each handler runs with the others blocked, so that events reach the
    // pipe in the order the signals were delivered (Linux would otherwise
    // stack a later handler inside an earlier one, reversing them).
    sigemptyset(&action.sa_mask);
    for (int signo : forwarded_signals) sigaddset(&action.sa_mask, signo);
    sigaddset(&action.sa_mask, SIGCHLD);
    sigset_t unblock;
    sigemptyset(&unblock);
    for (std::size_t i = 0; i < forwarded_count; ++i) {
        int signo = forwarded_signals[i];
        if (::sigaction(signo, nullptr, &g_original_action[i]) != 0) return false;
        if (g_original_action[i].sa_handler == SIG_IGN) continue;
        if (::sigaction(signo, &action, nullptr) != 0) return false;
        g_caught[i] = true;
        sigaddset(&unblock, signo);
    }
    action.sa_flags |= SA_NOCLDSTOP;
    if (::sigaction(SIGCHLD, &action, &g_original_chld_action) != 0) return false;
    sigaddset(&unblock, SIGCHLD);
    // A mask inherited with SIGCHLD blocked would make the wait loop hang.
    return ::sigprocmask(SIG_UNBLOCK, &unblock, &g_original_mask) == 0;
}

outcome run_command(const std::vector<std::string>& command, const std::string& env_name,
                    const std::string& env_value) {
    if (command.empty()) return {outcome::kind::exec_failed, ENOENT};
    // Built before fork: the child must not allocate.
    std::vector<char*> argv;
    argv.reserve(command.size() + 1);
    for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    // Set here rather than in the child: setenv allocates, which a fork()ed
    // child must not do; tempfile-run itself never reads it again.
    if (::setenv(env_name.c_str(), env_value.c_str(), 1) != 0) return {outcome::kind::spawn_failed, errno};

    pipe_ends report;
    if (!make_cloexec_pipe(report)) return {outcome::kind::spawn_failed, errno};

    // Blocked across fork, so that no handler of ours runs in the child
    // before its dispositions are restored.
    sigset_t blocked, previous;
    sigemptyset(&blocked);
    for (int signo : forwarded_signals) sigaddset(&blocked, signo);
    sigaddset(&blocked, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &blocked, &previous);
    if (g_first_signal != 0) {
        ::sigprocmask(SIG_SETMASK, &previous, nullptr);
        return {outcome::kind::interrupted, g_first_signal};
    }
    pid_t child = ::fork();
    if (child == 0) exec_child(argv.data(), report.write.get());
    int fork_errno = errno;
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    if (child < 0) return {outcome::kind::spawn_failed, fork_errno};

    // The write end closes in the child at exec: end of file means it ran.
    report.write.reset();
    int exec_errno = 0;
    ssize_t n;
    while ((n = ::read(report.read.get(), &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
    }
    if (n == static_cast<ssize_t>(sizeof exec_errno)) {
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        return {outcome::kind::exec_failed, exec_errno};
    }
    return wait_for(child);
}

}  // namespace tempfile_run
