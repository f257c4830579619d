// SPDX-License-Identifier: MIT
#pragma once
// enable_signal_cleanup()'s console control handler on Windows, and the
// decision it makes, declared for their tests.
#include <windows.h>

namespace tempfile::detail::os::win {

enum class console_action { clean_up, leave };

/// What the handler does on `event`, given whether the C runtime ignores
/// SIGINT and SIGBREAK (signal(sig, SIG_IGN)) at that moment:
/// - CTRL_C_EVENT, CTRL_BREAK_EVENT: clean up, unless the C runtime ignores
///   the matching signal (then, as on POSIX, the signal ends nothing and
///   nothing is removed);
/// - CTRL_CLOSE_EVENT: clean up; Windows ends the process after it, whatever
///   the handlers return, within 5 seconds;
/// - CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT: leave. Only services receive
///   them (interactive programs are gone by then), the default handler of a
///   service does not end it, and a logoff reaches every console process
///   whoever logs off: cleaning up would delete a live service's files.
/// - anything else: leave.
console_action action_for(DWORD event, bool sigint_ignored, bool sigbreak_ignored) noexcept;

/// The handler itself (also callable directly, for tests): on clean_up,
/// removes every live owner's file and tree, with one retry budget for
/// them all (half a second for CTRL_CLOSE_EVENT, whose 5 seconds must also
/// cover the removals; a second otherwise). Always returns FALSE, so that
/// the next handler (the C runtime's, or the default ExitProcess) runs.
BOOL WINAPI console_cleanup(DWORD event) noexcept;

}  // namespace tempfile::detail::os::win
