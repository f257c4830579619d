// SPDX-License-Identifier: MIT
#pragma once
// tempfile-run's command line, parsed without touching the file system, so
// that a usage error can never leave anything behind.
#include <string>
#include <vector>

namespace tempfile_run {

struct options {
    enum class action { run, help, version, reap };
    enum class keep_policy { never, always, on_failure };

    action what = action::run;
    bool make_file = false;      ///< --file: a file instead of a directory
    std::string prefix = "tmp";  ///< --prefix: the library's default
    std::string suffix;          ///< --suffix
    std::string in_dir;          ///< --in, -p, --tmpdir=: empty means the library's gettempdir()
    std::string env_name;        ///< --env: empty means TMPDIR, or TEMPFILE with --file
    keep_policy keep = keep_policy::never;
    long long older_than = -1;  ///< --older-than SECONDS (with --reap); -1: the library's default, a day
    bool dry_run = false;       ///< --dry-run (with --reap)
    std::vector<std::string> command;  ///< COMMAND [ARGS...], never empty for action::run, empty for reap
};

/// Parses argv[1..argc). Options come first: long ones as `--name value` or
/// `--name=value`, short ones as `-p value` or `-pvalue`; `--`, or the
/// first argument that does not start with '-', ends them and starts the
/// command, whose own arguments are never read as options. --help and
/// --version win as soon as they are seen.
///
/// A value given as the next argument must not start with "--": `--env --
/// cmd` is a missing value, not a variable named "--" (write `--env=--x` for
/// such a value). `--tmpdir` takes its value only as `--tmpdir=DIR`, as in
/// GNU mktemp; alone it means the default directory.
///
/// --reap makes the action reap: it takes no command, and only the options
/// that say where and what to reap (--in and its aliases, --prefix,
/// --suffix, --older-than, --dry-run); --older-than and --dry-run need it.
///
/// On a usage error (unknown option, missing or empty value, --env with '=',
/// no command, an option the action does not take) returns false and sets
/// `error` to a one-line message without the program name.
bool parse_options(int argc, char** argv, options& out, std::string& error);

/// The --help text.
const char* usage_text();

}  // namespace tempfile_run
