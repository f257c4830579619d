// SPDX-License-Identifier: MIT
// enable_signal_cleanup() on POSIX: a handler for SIGINT, SIGTERM and SIGHUP
// that removes every live owner's file and tree with async-signal-safe calls
// only (no allocation, no lock, no stdio, no opendir), then lets the signal
// do what it would have done.
//
// The registry (owner_registry.hpp) is read with atomic loads only; trees
// are removed by signal_remove_tree_posix.cpp, in fixed static memory.
#include <tempfile/remove_tree.hpp>

#include "os.hpp"
#include "owner_registry.hpp"
#include "posix/signal_remove_tree_posix.hpp"

#include <atomic>
#include <cerrno>
#include <mutex>
#include <system_error>

#include <sched.h>
#include <signal.h>
#include <unistd.h>

namespace tempfile {
namespace {
using detail::owned_kind;
using detail::registry_entry;

constexpr int handled_signals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int signal_count = sizeof handled_signals / sizeof handled_signals[0];

// Written before our handler is installed for that signal, read only by it.
struct sigaction previous[signal_count];
bool installed[signal_count];  // guarded by enable_mutex
std::mutex enable_mutex;

// One handler at a time walks the registry: the tree walk uses static
// buffers, since a signal handler may run on a small alternate stack.
// (atomic<bool>, not atomic_flag: ATOMIC_FLAG_INIT is deprecated in C++20,
// and a lock-free bool is as async-signal-safe.)
std::atomic<bool> walking{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the handler needs a lock-free flag");

// fork() copies both of these as they are. enable_mutex, held by another
// thread inside enable_signal_cleanup(), would stay held in the child, whose
// own enable_signal_cleanup() would wait forever: fork() takes it first (as
// gettempdir's lock, see tempdir.cpp), which costs it at most a few
// sigaction calls, and both sides release it.
//
// `walking` is not taken before fork(), only cleared in the child. The
// child's one thread is the one that called fork(), so no handler is walking
// there, and a copied `true` would leave the child's own handler spinning
// forever on its first SIGINT, SIGTERM or SIGHUP. Taking it in `prepare`
// instead would wait for a handler and could deadlock: one of our signals
// delivered to the forking thread between `prepare` and `parent` would spin
// on the flag its own thread holds (the handler cannot be waited for from
// the thread it interrupts), and blocking the signals around fork() would
// only delay cleanup for nothing. A walk another thread is doing meanwhile
// goes on in the parent, unaffected. (The one case where the forking thread
// itself is mid-walk, a fork() from a handler that interrupted ours, is not
// supported: POSIX does not count fork() with atfork handlers as
// async-signal-safe, and the library has some. Even then the child's thread
// finishes its walk, and our signals stay blocked meanwhile, so no second
// walk starts in the child.)
void lock_before_fork() {
    enable_mutex.lock();
}
void unlock_in_parent() {
    enable_mutex.unlock();
}
void reset_in_child() {
    walking.store(false, std::memory_order_relaxed);
    enable_mutex.unlock();  // its one thread is the one that locked it
}
[[maybe_unused]] const bool fork_handlers =
    detail::os::at_fork(lock_before_fork, unlock_in_parent, reset_in_child);

void remove_registered() noexcept {
    const std::uint64_t generation = detail::os::fork_generation();
    detail::for_each_registered([generation](const registry_entry& entry) {
        // A fork()ed child's copy of its parent's owners is not the child's to remove.
        if (entry.generation != generation) return;
        if (entry.kind == owned_kind::file)
            ::unlink(entry.path);
        else
            detail::os::signal_safe::remove_tree(entry.path);
    });
}

// What the signal would have done without us.
void pass_on(int sig, int index, siginfo_t* info, void* context) noexcept {
    const struct sigaction& before = previous[index];
    if ((before.sa_flags & SA_SIGINFO) != 0) {
        if (before.sa_sigaction != nullptr) before.sa_sigaction(sig, info, context);
        return;
    }
    if (before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN) {
        before.sa_handler(sig);
        return;
    }
    // The default action: restore it and raise again. The signal is blocked
    // while this handler runs, so it is delivered, and ends the process,
    // as soon as the handler returns.
    ::sigaction(sig, &before, nullptr);
    (void)::raise(sig);
}

extern "C" void cleanup_on_signal(int sig, siginfo_t* info, void* context) {
    int saved_errno = errno;
    while (walking.exchange(true, std::memory_order_acquire)) ::sched_yield();  // another thread is walking
    remove_registered();
    walking.store(false, std::memory_order_release);
    for (int i = 0; i < signal_count; ++i)
        if (handled_signals[i] == sig) pass_on(sig, i, info, context);
    errno = saved_errno;
}

std::system_error sigaction_error() {
    return {errno, std::system_category(), "enable_signal_cleanup: sigaction"};
}

}  // namespace

namespace detail {
bool signal_handler_removes_whole_trees() noexcept {
    return os::signal_safe::removes_whole_trees();
}
void set_signal_walk_taken_for_test(bool taken) noexcept {
    walking.store(taken);
}
}  // namespace detail

void enable_signal_cleanup() {
    std::lock_guard<std::mutex> lock(enable_mutex);
    for (int i = 0; i < signal_count; ++i) {
        if (installed[i]) continue;
        struct sigaction before {};
        if (::sigaction(handled_signals[i], nullptr, &before) != 0) throw sigaction_error();
        // An ignored signal (nohup's SIGHUP) stays ignored: it ends nothing,
        // so it must remove nothing either.
        if ((before.sa_flags & SA_SIGINFO) == 0 && before.sa_handler == SIG_IGN) continue;
        previous[i] = before;
        struct sigaction ours {};
        ours.sa_sigaction = cleanup_on_signal;
        ours.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&ours.sa_mask);
        for (int s : handled_signals) sigaddset(&ours.sa_mask, s);
        if (::sigaction(handled_signals[i], &ours, nullptr) != 0) throw sigaction_error();
        installed[i] = true;
    }
}

}  // namespace tempfile
