// SPDX-License-Identifier: MIT
// Dying of a signal on POSIX: core dumps off, default action back, the
// signal unblocked, then raised, as GNU timeout(1) does after its command
// was killed.
#include "signal_death.hpp"

#include <csignal>

#include <signal.h>
#include <sys/resource.h>

#if TEMPFILE_LINUX
#include <sys/prctl.h>
#endif

#if TEMPFILE_TEST_COVERAGE
extern "C" void __gcov_dump(void);
#endif

namespace tempfile_run {
namespace {

/// tempfile-run's own core would only be a second, useless one: the command
/// that died has dumped its own if it was to. Linux: not dumpable at all
/// (this also stops a core_pattern pipe such as systemd-coredump, which may
/// not honour RLIMIT_CORE); everywhere: a core size limit of 0.
void disable_core_dumps() noexcept {
#if TEMPFILE_LINUX
    (void)::prctl(PR_SET_DUMPABLE, 0);
#endif
    struct rlimit none {};
    (void)::setrlimit(RLIMIT_CORE, &none);
}

}  // namespace

void die_of_signal(int signo) noexcept {
    disable_core_dumps();
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    // Fails (EINVAL) only for SIGKILL and SIGSTOP, whose action is always the default.
    (void)::sigaction(signo, &default_action, nullptr);
    sigset_t just_this;
    sigemptyset(&just_this);
    sigaddset(&just_this, signo);
#if TEMPFILE_TEST_COVERAGE
    // A death by signal writes no coverage data: write it now.
    __gcov_dump();
#endif
    (void)::sigprocmask(SIG_UNBLOCK, &just_this, nullptr);
    (void)::raise(signo);
}

}  // namespace tempfile_run
