// SPDX-License-Identifier: MIT
// enable_signal_cleanup() on Windows: a console control handler. Windows
// runs it on a thread of its own rather than by interrupting one, so it may
// call what it likes: when the event ends the process (see action_for), it
// removes every live owner's file and whole tree with the OS layer's own
// calls, then returns FALSE, so that the handler installed before it (the C
// runtime's, which calls a SIGINT handler), or in the end the default one
// (ExitProcess), does what it would have done.
#include "windows/signal_cleanup_windows.hpp"

#include "os.hpp"
#include "owner_registry.hpp"
#include "windows/win32.hpp"

#include <tempfile/remove_tree.hpp>

#include <csignal>
#include <mutex>
#include <system_error>

namespace tempfile {
namespace {
using detail::owned_kind;
using detail::registry_entry;

std::mutex enable_mutex;
bool installed = false;
std::mutex walking;  // two events at once walk one after the other

void remove_registered(detail::os::win::retry_budget& budget) noexcept {
    detail::for_each_registered([&budget](const registry_entry& entry) {
        std::error_code ignored;
        try {
            fs::path path(entry.path);
            if (entry.kind == owned_kind::file)
                detail::os::remove_file(path, ignored);
            else
                detail::os::win::remove_tree(path, budget, ignored);
        } catch (...) {  // out of memory for a path: the others still go
        }
    });
}

// Whether the C runtime ignores `sig` now. signal() offers no query: the
// disposition is swapped out and back. enable_signal_cleanup() made the C
// runtime install its own console handler first, so that this never
// installs one from inside a handler.
bool crt_ignores(int sig) noexcept {
    auto before = std::signal(sig, SIG_IGN);
    if (before == SIG_ERR) return false;
    std::signal(sig, before);
    return before == SIG_IGN;
}

}  // namespace

namespace detail::os::win {

console_action action_for(DWORD event, bool sigint_ignored, bool sigbreak_ignored) noexcept {
    switch (event) {
        case CTRL_C_EVENT:
            return sigint_ignored ? console_action::leave : console_action::clean_up;
        case CTRL_BREAK_EVENT:
            return sigbreak_ignored ? console_action::leave : console_action::clean_up;
        case CTRL_CLOSE_EVENT:
            return console_action::clean_up;
        default:  // CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT, and any later one
            return console_action::leave;
    }
}

BOOL WINAPI console_cleanup(DWORD event) noexcept {
    const bool sigint_ignored = event == CTRL_C_EVENT && crt_ignores(SIGINT);
    const bool sigbreak_ignored = event == CTRL_BREAK_EVENT && crt_ignores(SIGBREAK);
    if (action_for(event, sigint_ignored, sigbreak_ignored) == console_action::clean_up) {
        retry_budget budget(event == CTRL_CLOSE_EVENT ? 500 : retry_budget::default_ms);
        std::lock_guard<std::mutex> lock(walking);
        remove_registered(budget);
    }
    return FALSE;
}

}  // namespace detail::os::win

namespace detail {
bool signal_handler_removes_whole_trees() noexcept {
    return true;
}
}  // namespace detail

void enable_signal_cleanup() {
    std::lock_guard<std::mutex> lock(enable_mutex);
    if (installed) return;
    // The C runtime installs its console handler at its first signal() call
    // for SIGINT or SIGBREAK: made to happen now, before ours, so that ours
    // runs first and can ask it (crt_ignores) without installing anything.
    (void)crt_ignores(SIGINT);
    (void)crt_ignores(SIGBREAK);
    if (!::SetConsoleCtrlHandler(detail::os::win::console_cleanup, TRUE))
        throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(),
                                "enable_signal_cleanup: SetConsoleCtrlHandler");
    installed = true;
}

}  // namespace tempfile
