// enable_signal_cleanup() on Windows: a console control handler for Ctrl+C,
// Ctrl+Break, closing the console, logoff and shutdown. Windows runs it on a
// thread of its own (not in the middle of another thread's code, as a POSIX
// signal handler is), so the ordinary removal functions may be used; the
// registry is still read with atomic loads only.
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
bool installed = false;  // guarded by enable_mutex

BOOL WINAPI cleanup_on_console_event(DWORD event) {
    switch (event) {
        case CTRL_C_EVENT:
        case CTRL_BREAK_EVENT:
        case CTRL_CLOSE_EVENT:
        case CTRL_LOGOFF_EVENT:
        case CTRL_SHUTDOWN_EVENT:
            break;
        default:
            return FALSE;
    }
    detail::registry_readers.fetch_add(1);  // before any slot is read: see unregister_owned
    for (auto& slot : detail::registry_slots) {
        const registry_entry* entry = slot.load();
        if (entry == nullptr) continue;
        std::error_code ignored;
        if (entry->kind == owned_kind::file)
            detail::os::remove_file(entry->path, ignored);
        else
            detail::os::remove_tree(entry->path, ignored);
    }
    detail::registry_readers.fetch_sub(1);
    // Not handled: the handlers registered before ours run next, and finally
    // the default one, which ends the process as it would have without us.
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
    if (!::SetConsoleCtrlHandler(cleanup_on_console_event, TRUE))
        throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(),
                                "enable_signal_cleanup: SetConsoleCtrlHandler");
    installed = true;
}

}  // namespace tempfile
