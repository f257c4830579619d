// SPDX-License-Identifier: MIT
// tempfile-run: runs a command with a private temporary directory (or file)
// and removes it afterwards, however the command ended. See tempfile-run.1.
#include "options.hpp"
#include "signal_death.hpp"
#include "supervise.hpp"

#include <tempfile/named_temporary_file.hpp>
#include <tempfile/names.hpp>
#include <tempfile/reap.hpp>
#include <tempfile/remove_tree.hpp>
#include <tempfile/temporary_directory.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#ifndef TEMPFILE_RUN_VERSION
#define TEMPFILE_RUN_VERSION "unknown"
#endif

namespace {
namespace fs = std::filesystem;
using tempfile_run::options;
using tempfile_run::outcome;

// Exit statuses of tempfile-run's own, as env(1), timeout(1), nice(1) and
// chroot(1) use them: a usage error is 125 like any failure of the tool's
// own, never 1 or 2, which a command's own status could not be told from.
constexpr int exit_usage = 125;
constexpr int exit_own_failure = 125;
constexpr int exit_cannot_execute = 126;
constexpr int exit_not_found = 127;

/// A path as UTF-8, the encoding of every string tempfile-run passes on
/// (with MSVC, string() would use the ANSI code page).
std::string text_of(const fs::path& p) {
    auto u8 = p.u8string();  // std::string in C++17, std::u8string in C++20
    return std::string(u8.begin(), u8.end());
}

/// A UTF-8 string (an argument) as a path.
fs::path path_of(const std::string& text) {
#if defined(__cpp_char8_t)
    return fs::path(std::u8string(text.begin(), text.end()));
#else
    return fs::u8path(text);
#endif
}

void complain(const std::string& message) {
    // Nothing better to do if stderr is gone: SIGPIPE is ignored while
    // tempfile-run holds anything (catch_signals), so a closed pipe is just
    // a failed write here.
    (void)std::fprintf(stderr, "tempfile-run: %s\n", message.c_str());
}

/// Writes --help or --version output; a failed write (a closed pipe, a full
/// disk) is a failure, as for any program whose output is its job.
int print(const char* text) {
    return std::fputs(text, stdout) >= 0 && std::fflush(stdout) == 0 ? 0 : exit_own_failure;
}

/// --version, in the GNU style: program (package) version, copyright, licence.
constexpr const char* version_text = "tempfile-run (tempfile) " TEMPFILE_RUN_VERSION
                                     "\n"
                                     "Copyright (c) 2026 The tempfile authors\n"
                                     "License MIT: <https://opensource.org/licenses/MIT>.\n"
                                     "This is free software: you are free to change and redistribute it.\n"
                                     "There is NO WARRANTY, to the extent permitted by law.\n";

/// What tempfile-run made, held by the library's owner with lock = true
/// while the command runs, so that `tempfile-run --reap` (and
/// systemd-tmpfiles, for a directory) leaves it alone until tempfile-run
/// ends, however it ends: the kernel drops the lock even after SIGKILL.
/// The lock's descriptor is close-on-exec: the command does not hold it.
struct scratch {
    std::optional<tempfile::temporary_directory> directory;
    std::optional<tempfile::named_temporary_file> file;
    fs::path path;

    /// Ends the owner's duty and its lock, so that tempfile-run removes (or
    /// keeps) the path itself, whatever it has become meanwhile (the command
    /// may have replaced the file with a directory). Never throws.
    void release() noexcept {
        try {
            if (directory) directory->keep();
            if (file) file->keep();
        } catch (...) {  // keep() allocates its returned copy of the path
        }
    }
};

/// Makes the directory (or file) as the library makes them: 0700 / 0600,
/// O_EXCL, an absolute path, locked. Empty path with ec set on failure.
scratch make_scratch(const options& opts, std::error_code& ec) {
    scratch made;
    if (!opts.make_file) {
        tempfile::directory_options o;
        o.prefix = opts.prefix;
        o.suffix = opts.suffix;
        o.dir = path_of(opts.in_dir);
        o.lock = true;
        made.directory = tempfile::temporary_directory::create(o, ec);
        if (!ec) made.path = made.directory->path();
        return made;
    }
    tempfile::named_file_options o;
    o.prefix = opts.prefix;
    o.suffix = opts.suffix;
    o.dir = path_of(opts.in_dir);
    o.delete_on_close = false;  // the command opens it by name: our handle closes now, the lock stays
    o.lock = true;
    made.file = tempfile::named_temporary_file::create(o, ec);
    if (ec) return made;
    made.path = made.file->path();
    try {
        made.file->close();
    } catch (const std::exception&) {  // an empty file has nothing unwritten to lose
    }
    return made;
}

/// Why --in DIR could not be used: missing, not a directory, or a directory
/// in which nothing can be made (/proc, a read-only or foreign one).
std::string in_dir_problem(const options& opts, const std::error_code& ec) {
    std::error_code status_ec;
    fs::file_status st = fs::status(path_of(opts.in_dir), status_ec);
    if (st.type() == fs::file_type::not_found) return "no such directory";
    if (status_ec) return ec.message();  // cannot even look (a component without search permission)
    if (st.type() != fs::file_type::directory) return "not a directory";
    const char* what = opts.make_file ? "file" : "directory";
    return std::string("is a directory, but no temporary ") + what + " can be created in it: " + ec.message();
}

/// Reports why nothing could be made; returns the exit status.
int creation_failed(const options& opts, const std::error_code& ec) {
    if (ec == std::errc::invalid_argument) {
        complain("--prefix and --suffix must not contain a path separator (try --help)");
        return exit_usage;
    }
    if (!opts.in_dir.empty()) {
        complain("--in " + opts.in_dir + ": " + in_dir_problem(opts, ec));
        return exit_usage;
    }
    const char* what = opts.make_file ? "file" : "directory";
    complain(std::string("cannot create a temporary ") + what + ": " + ec.message());
    return exit_own_failure;
}

/// The status tempfile-run exits with when it does not die of the
/// command's signal.
int exit_status(const outcome& result) {
    switch (result.how) {
        case outcome::kind::exited:
            return result.value;
        case outcome::kind::signalled:
        case outcome::kind::interrupted:
            return 128 + result.value;  // only if die_of_signal could not end us
        case outcome::kind::exec_failed:
            return result.value == ENOENT ? exit_not_found : exit_cannot_execute;
        case outcome::kind::spawn_failed:
            return exit_own_failure;
    }
    return exit_own_failure;
}

/// Says why the command did not run, if it did not.
void report(const outcome& result, const std::string& command) {
    switch (result.how) {
        case outcome::kind::exec_failed:
            complain(command + ": " + std::strerror(result.value));
            break;
        case outcome::kind::spawn_failed:
            complain("cannot run " + command + ": " + std::strerror(result.value));
            break;
        case outcome::kind::exited:
        case outcome::kind::signalled:
        case outcome::kind::interrupted:
            break;
    }
}

bool should_keep(const options& opts, const outcome& result, int status) {
    // A command that never ran has nothing worth keeping.
    bool ran = result.how == outcome::kind::exited || result.how == outcome::kind::signalled;
    if (!ran) return false;
    return opts.keep == options::keep_policy::always ||
           (opts.keep == options::keep_policy::on_failure && status != 0);
}

int run(const options& opts) {
    // Before anything exists: from here on a signal cannot skip the cleanup,
    // and a closed stderr cannot kill us with SIGPIPE.
    if (!tempfile_run::catch_signals()) {
        complain(std::string("cannot install signal handlers: ") + std::strerror(errno));
        return exit_own_failure;
    }
    std::error_code ec;
    scratch made = make_scratch(opts, ec);
    if (ec) return creation_failed(opts, ec);
    const fs::path& scratch = made.path;

    // Nothing may throw past here before the cleanup.
    outcome result;
    try {
        std::vector<std::string> command = opts.command;
        for (std::string& word : command)
            if (word == "{}") word = text_of(scratch);
        std::string env_name = !opts.env_name.empty() ? opts.env_name
                               : opts.make_file       ? "TEMPFILE"
                                                      : "TMPDIR";
        result = tempfile_run::run_command(command, env_name, text_of(scratch));
    } catch (const std::bad_alloc&) {
        result = {outcome::kind::spawn_failed, ENOMEM};
    } catch (const std::exception&) {
        result = {outcome::kind::spawn_failed, EINVAL};
    }
    int status = exit_status(result);

    // Clean up first, then speak: nothing a message does (a write to a
    // closed pipe, a full disk) can leave files behind.
    bool keep = should_keep(opts, result, status);
    made.release();
    if (!keep) tempfile::remove_tree(scratch, ec);
    report(result, opts.command.front());
    if (keep) complain("kept " + text_of(scratch));
    // The command's status still wins: a script must see its command's
    // failure, and the message says what was left.
    if (!keep && ec) complain("cannot remove " + text_of(scratch) + ": " + ec.message());

    if (result.how == outcome::kind::signalled || result.how == outcome::kind::interrupted)
        tempfile_run::die_of_signal(result.value);
    return status;
}

/// --reap's own statuses (see tempfile-run.1): 0 when everything old
/// enough and unlocked went, 1 when some entries could not be removed.
constexpr int exit_reap_incomplete = 1;

/// Writes one line to stdout; false if it could not be written.
bool say(const std::string& line) {
    return std::fputs(line.c_str(), stdout) >= 0 && std::fputc('\n', stdout) != EOF;
}

/// tempfile-run --reap: reap_orphans on the directory, one line per entry
/// removed (or that would be), then a summary.
int reap(const options& opts) {
    tempfile::reap_options ro;
    ro.dir = path_of(opts.in_dir);
    ro.prefix = opts.prefix;
    ro.suffix = opts.suffix;
    if (opts.older_than >= 0) ro.min_age = std::chrono::seconds(opts.older_than);
    ro.dry_run = opts.dry_run;
    std::error_code ec;
    const tempfile::reap_result r = tempfile::reap_orphans(ro, ec);
    if (ec == std::errc::invalid_argument) {
        complain("--prefix and --suffix must not contain a path separator (try --help)");
        return exit_usage;
    }
    if (ec && r.failed.empty()) {  // the directory itself: nothing was looked at
        if (!opts.in_dir.empty()) {
            complain("--in " + opts.in_dir + ": " + ec.message());
            return exit_usage;
        }
        complain("cannot reap the temporary directory: " + ec.message());
        return exit_own_failure;
    }
    bool written = true;
    const char* verb = opts.dry_run ? "would remove " : "removed ";
    for (const fs::path& p : r.removed) written = say(verb + text_of(p)) && written;
    std::string summary = opts.dry_run
                              ? std::to_string(r.removed.size()) + " would be removed"
                              : std::to_string(r.removed.size()) + " removed (" + std::to_string(r.entries) +
                                    (r.entries == 1 ? " entry)" : " entries)");
    summary += ", " + std::to_string(r.alive.size()) + " alive";
    if (!r.failed.empty()) summary += ", " + std::to_string(r.failed.size()) + " failed";
    written = say(summary) && written;
    written = std::fflush(stdout) == 0 && written;
    for (std::size_t i = 0; i < r.failed.size(); ++i)
        complain("cannot reap " + text_of(r.failed[i]) + (i == 0 ? ": " + ec.message() : std::string()));
    if (!r.failed.empty()) return exit_reap_incomplete;
    return written ? 0 : exit_own_failure;
}

}  // namespace

int main(int argc, char** argv) {
    options opts;
    std::string error;
    std::vector<std::string> words;
    std::vector<char*> word_pointers;
    try {
        words = tempfile_run::arguments(argc, argv);
        for (std::string& word : words) word_pointers.push_back(word.data());
        word_pointers.push_back(nullptr);
    } catch (const std::exception& e) {
        complain(e.what());
        return exit_own_failure;
    }
    if (!tempfile_run::parse_options(static_cast<int>(words.size()), word_pointers.data(), opts, error)) {
        complain(error);
        return exit_usage;
    }
    switch (opts.what) {
        case options::action::help:
            return print(tempfile_run::usage_text());
        case options::action::version:
            return print(version_text);
        case options::action::reap:
            try {
                return reap(opts);
            } catch (const std::exception& e) {
                complain(e.what());
                return exit_own_failure;
            }
        case options::action::run:
            break;
    }
    try {
        return run(opts);
    } catch (const std::exception& e) {
        complain(e.what());
        return exit_own_failure;
    }
}
