#pragma once
// Running the command as a supervised child: the only platform-specific part
// of tempfile-run. supervise_posix.cpp implements it with fork/execvp, a
// self-pipe for signals and waitpid; a Windows implementation (console
// control handler, job object) goes in supervise_windows.cpp, chosen by
// tools/CMakeLists.txt.
#include <string>
#include <vector>

namespace tempfile_run {

/// How the command ended, or why it never started.
struct outcome {
    enum class kind {
        exited,        ///< value: its exit status (0..255)
        signalled,     ///< value: the signal that killed it
        exec_failed,   ///< value: the errno of the failed exec (the child ran nothing)
        spawn_failed,  ///< value: the errno of the failed pipe/fork (no child)
        interrupted,   ///< value: a signal tempfile-run received before the command started
    };
    kind how = kind::exited;
    int value = 0;
};

/// Call before making anything that must be cleaned up: from here on
/// SIGINT, SIGTERM, SIGHUP and SIGQUIT no longer end tempfile-run, they are
/// recorded (and later forwarded to the command), so that cleanup always
/// runs. A signal ignored when tempfile-run started stays ignored (nohup,
/// background jobs of a non-interactive shell), for the command too.
/// Returns false, with errno set, if the handlers cannot be installed.
bool catch_signals();

/// Runs `command` (command[0] searched in PATH as execvp does) as a child,
/// with `env_name`=`env_value` added to its environment and the standard
/// streams passed through, and waits for that child only: processes it
/// starts in the background are neither waited for nor signalled.
///
/// While it runs, each of the four signals above that another process sent
/// to tempfile-run is forwarded to the child; one the terminal generated
/// (Ctrl-C, Ctrl-\, hangup) is not, because the terminal already sent it to
/// the whole foreground process group, which the child shares. A signal
/// that arrived before the child could start means it never starts
/// (kind::interrupted). catch_signals() must have succeeded first.
/// Throws only std::bad_alloc (before anything is started).
outcome run_command(const std::vector<std::string>& command, const std::string& env_name,
                    const std::string& env_value);

}  // namespace tempfile_run
