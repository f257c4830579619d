// SPDX-License-Identifier: MIT
// enable_signal_cleanup() on Windows: a console control handler for Ctrl+C,
// Ctrl+Break, closing the console, logoff and shutdown. Windows runs it on a
// thread of its own rather than by interrupting one, so it may call what it
// likes: it removes every live owner's file and whole tree with the OS
// layer's own calls, then returns FALSE, so that the handler installed
// before it (a C runtime SIGINT handler, say), or in the end the default one
// (ExitProcess), does what it would have done.
#include "os.hpp"
#include "owner_registry.hpp"
#include "windows/win32.hpp"

#include <tempfile/remove_tree.hpp>

#include <mutex>
#include <system_error>

namespace tempfile {
namespace {
using detail::owned_kind;
using detail::registry_entry;

std::mutex enable_mutex;
bool installed = false;
std::mutex walking;  // two events at once walk one after the other

void remove_registered() noexcept {
    detail::for_each_registered([](const registry_entry& entry) {
        std::error_code ignored;
        try {
            fs::path path(entry.path);
            if (entry.kind == owned_kind::file)
                detail::os::remove_file(path, ignored);
            else
                detail::os::remove_tree(path, ignored);
        } catch (...) {  // out of memory for a path: the others still go
        }
    });
}

BOOL WINAPI cleanup_on_event(DWORD event) {
    switch (event) {
        case CTRL_C_EVENT:
        case CTRL_BREAK_EVENT:
        case CTRL_CLOSE_EVENT:
        case CTRL_LOGOFF_EVENT:
        case CTRL_SHUTDOWN_EVENT: {
            std::lock_guard<std::mutex> lock(walking);
            remove_registered();
            break;
        }
        default:
            break;
    }
    return FALSE;
}

}  // namespace

namespace detail {
bool signal_handler_removes_whole_trees() noexcept {
    return true;
}
}  // namespace detail

void enable_signal_cleanup() {
    std::lock_guard<std::mutex> lock(enable_mutex);
    if (installed) return;
    if (!::SetConsoleCtrlHandler(cleanup_on_event, TRUE))
        throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(),
                                "enable_signal_cleanup: SetConsoleCtrlHandler");
    installed = true;
}

}  // namespace tempfile
