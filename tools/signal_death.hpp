// SPDX-License-Identifier: MIT
#pragma once
// Dying of the command's signal, as timeout(1) does, so that tempfile-run's
// parent sees what it would have seen without tempfile-run in between (a
// shell stops its script after a child's death by SIGINT, and not after an
// exit status of 130). One implementation per platform, chosen by
// tools/CMakeLists.txt.

namespace tempfile_run {

/// Ends tempfile-run by signal `signo`, after everything is cleaned up:
/// its default action restored, the signal unblocked and raised on
/// tempfile-run itself. A core-dumping signal dumps no core of tempfile-run
/// (the command's own core, if any, is already written): core dumps are
/// disabled first, as timeout(1) does. Returns only where that cannot end
/// the process: on Windows, which has no signals, it returns at once; on
/// POSIX only for a signal whose default action does not terminate, which a
/// terminated command can never report. The caller then exits with 128 +
/// `signo`.
void die_of_signal(int signo) noexcept;

}  // namespace tempfile_run
