// SPDX-License-Identifier: MIT
#pragma once
// Running the command as a supervised child: the only platform-specific part
// of tempfile-run. supervise_posix.cpp implements it with fork/execvp, a
// self-pipe for signals and waitpid; supervise_windows.cpp with
// CreateProcessW, a job object and a console control handler. The build
// (tools/CMakeLists.txt) chooses one. Strings here are UTF-8 on every platform.
#include <string>
#include <vector>

namespace tempfile_run {

/// How the command ended, or why it never started.
struct outcome {
    enum class kind {
        exited,        ///< value: its exit status (0..255; Windows: the whole 32-bit exit code)
        signalled,     ///< value: the signal that killed it
        exec_failed,   ///< value: the errno of the failed exec (the child ran nothing)
        spawn_failed,  ///< value: the errno of the failed pipe/fork (no child)
        interrupted,   ///< value: a signal tempfile-run received before the command started
    };
    kind how = kind::exited;
    int value = 0;
};

/// The program's arguments, argv[0] included, as UTF-8: POSIX argv as it
/// is; Windows the wide command line (GetCommandLineW), so that no
/// character outside the ANSI code page is lost.
std::vector<std::string> arguments(int argc, char** argv);

/// Call before making anything that must be cleaned up: from here on
/// SIGINT, SIGTERM, SIGHUP and SIGQUIT no longer end tempfile-run, they are
/// recorded (and later forwarded to the command), so that cleanup always
/// runs. A signal ignored when tempfile-run started stays ignored (nohup,
/// background jobs of a non-interactive shell), for the command too.
/// SIGPIPE is ignored from here on, so that a message written to a closed
/// stderr fails with EPIPE instead of killing tempfile-run before it cleaned
/// up; the command gets the SIGPIPE disposition tempfile-run started with.
/// Returns false, with errno set, if the handlers cannot be installed.
/// Windows: a console control handler; Ctrl+C and Ctrl+Break no longer end
/// tempfile-run (the command, in the same console, gets them itself), and
/// closing the console waits for the cleanup as long as Windows allows.
bool catch_signals();

/// Runs `command` (command[0] searched in PATH as execvp does; Windows: as
/// CreateProcessW searches, ".exe" added, but never in the current
/// directory; a .bat or .cmd file runs through cmd.exe with its arguments
/// quoted for cmd.exe, and one that cannot pass safely, a line break, is
/// refused: exec_failed with EINVAL) as a child,
/// with `env_name`=`env_value` added to its environment (Windows: TMPDIR
/// also as TMP and TEMP), the standard streams passed through, and the
/// signal dispositions and mask tempfile-run started with, and waits for
/// that child only: processes it
/// starts in the background are neither waited for nor signalled.
///
/// While it runs, each of the four signals above that another process sent
/// to tempfile-run is forwarded to the child; one the terminal generated
/// (Ctrl-C, Ctrl-\, hangup) is not, because the terminal already sent it to
/// the whole foreground process group, which the child shares. A signal
/// that arrived before the child could start means it never starts
/// (kind::interrupted). catch_signals() must have succeeded first.
/// Windows: the child and everything it starts run in a job object that
/// kills them all when tempfile-run ends, even when it is killed itself;
/// a command that cannot start is kind::exec_failed with ENOENT (not found)
/// or EACCES / ENOEXEC (not executable).
/// Throws only std::bad_alloc (before anything is started).
outcome run_command(const std::vector<std::string>& command, const std::string& env_name,
                    const std::string& env_value);

}  // namespace tempfile_run
