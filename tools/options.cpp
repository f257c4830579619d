// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace tempfile_run {
namespace {

/// Whether an option takes a value, and how it may be given.
enum class value_kind {
    none,      ///< a flag: `--name=value` is an error
    required,  ///< `--name value`, `--name=value` (or `-x value`, `-xvalue`)
    optional,  ///< only `--name=value`; `--name` alone has no value (mktemp's --tmpdir)
};

/// Stores one option's effect; false with `error` set when `value` is unusable.
/// `has_value` tells an optional value's absence from an empty one.
using apply_function = bool (*)(const std::string& value, bool has_value, options& out, std::string& error);

/// Which action an option belongs to: running a command, reaping, or both.
enum class used_by { run, reap, both };

/// One option: its long name, its short letter (0: none), its value, the
/// action it belongs to, and what it does. A new option is one more row.
struct option_spec {
    const char* name;
    char short_name;
    value_kind value;
    used_by action;
    apply_function apply;
};

bool set_directory(const char* option, const std::string& value, options& out, std::string& error) {
    if (value.empty()) {
        error = std::string(option) + " needs a directory";
        return false;
    }
    out.in_dir = value;
    return true;
}

// A whole number of seconds, at most a century (the library compares ages
// in nanoseconds, which hold about 292 years).
bool set_seconds(const std::string& value, options& out, std::string& error) {
    constexpr long long century = 100LL * 366 * 24 * 3600;
    long long seconds = 0;
    bool ok = !value.empty() && value.size() <= 12;
    for (char c : value) {
        if (c < '0' || c > '9') ok = false;
        if (ok) seconds = seconds * 10 + (c - '0');
    }
    if (!ok || seconds > century) {
        error = "--older-than needs a whole number of seconds, at most " + std::to_string(century) + ": '" +
                value + "'";
        return false;
    }
    out.older_than = seconds;
    return true;
}

const option_spec known_options[] = {
    {"--file", 0, value_kind::none, used_by::run,
     [](const std::string&, bool, options& out, std::string&) {
         out.make_file = true;
         return true;
     }},
    {"--keep", 0, value_kind::none, used_by::run,
     [](const std::string&, bool, options& out, std::string&) {
         out.keep = options::keep_policy::always;
         return true;
     }},
    {"--keep-on-failure", 0, value_kind::none, used_by::run,
     [](const std::string&, bool, options& out, std::string&) {
         if (out.keep != options::keep_policy::always) out.keep = options::keep_policy::on_failure;
         return true;
     }},
    {"--help", 'h', value_kind::none, used_by::both,
     [](const std::string&, bool, options& out, std::string&) {
         out.what = options::action::help;
         return true;
     }},
    {"--version", 0, value_kind::none, used_by::both,
     [](const std::string&, bool, options& out, std::string&) {
         out.what = options::action::version;
         return true;
     }},
    // The library checks prefix and suffix: a bad one is reported before anything exists.
    {"--prefix", 0, value_kind::required, used_by::both,
     [](const std::string& value, bool, options& out, std::string&) {
         out.prefix = value;
         return true;
     }},
    {"--suffix", 0, value_kind::required, used_by::both,
     [](const std::string& value, bool, options& out, std::string&) {
         out.suffix = value;
         return true;
     }},
    {"--in", 'p', value_kind::required, used_by::both,
     [](const std::string& value, bool, options& out, std::string& error) {
         return set_directory("--in", value, out, error);
     }},
    // GNU mktemp's spelling: --tmpdir=DIR is --in DIR; --tmpdir alone is
    // the default directory (gettempdir(), whose first choice is $TMPDIR).
    {"--tmpdir", 0, value_kind::optional, used_by::both,
     [](const std::string& value, bool has_value, options& out, std::string& error) {
         if (!has_value) {
             out.in_dir.clear();
             return true;
         }
         return set_directory("--tmpdir", value, out, error);
     }},
    {"--env", 0, value_kind::required, used_by::run,
     [](const std::string& value, bool, options& out, std::string& error) {
         if (value.empty() || value.find('=') != std::string::npos) {
             error = "--env needs a variable name without '=': '" + value + "'";
             return false;
         }
         out.env_name = value;
         return true;
     }},
    // Reaping: what dead supervisors (and owners made with lock = true) left.
    {"--reap", 0, value_kind::none, used_by::both,
     [](const std::string&, bool, options& out, std::string&) {
         out.what = options::action::reap;
         return true;
     }},
    {"--older-than", 0, value_kind::required, used_by::reap,
     [](const std::string& value, bool, options& out, std::string& error) {
         return set_seconds(value, out, error);
     }},
    {"--dry-run", 0, value_kind::none, used_by::reap,
     [](const std::string&, bool, options& out, std::string&) {
         out.dry_run = true;
         return true;
     }},
};

const option_spec* find_long(const std::string& name) {
    for (const option_spec& spec : known_options)
        if (name == spec.name) return &spec;
    return nullptr;
}

const option_spec* find_short(char letter) {
    for (const option_spec& spec : known_options)
        if (spec.short_name != 0 && spec.short_name == letter) return &spec;
    return nullptr;
}

bool starts_with_dashes(const std::string& s) {
    return s.compare(0, 2, "--") == 0;
}

/// One option word split into what was typed and the spec it names.
struct option_word {
    std::string shown;  ///< as the user wrote its name: "--in" or "-p"
    const option_spec* spec = nullptr;
    std::string value;
    bool has_value = false;  ///< given inline: `--name=value` or `-xvalue`
};

/// Reads the option at argv[i] (and its value, advancing i, if it takes the
/// next argument). False with `error` set on a usage error.
bool read_option(int argc, char** argv, int& i, option_word& word, std::string& error) {
    const std::string arg = argv[i];
    bool is_long = starts_with_dashes(arg);
    if (is_long) {
        std::size_t eq = arg.find('=');
        word.shown = arg.substr(0, eq);
        if (eq != std::string::npos) {
            word.value = arg.substr(eq + 1);
            word.has_value = true;
        }
        word.spec = find_long(word.shown);
    } else {
        word.shown = arg.substr(0, 2);
        word.spec = arg.size() >= 2 ? find_short(arg[1]) : nullptr;
        if (word.spec != nullptr && arg.size() > 2) {
            if (word.spec->value == value_kind::none) {
                error = "unknown option '" + arg + "' (try --help)";
                return false;
            }
            word.value = arg.substr(2);
            word.has_value = true;
        }
    }
    if (word.spec == nullptr) {
        error = "unknown option '" + word.shown + "' (try --help)";
        return false;
    }
    switch (word.spec->value) {
        case value_kind::none:
            if (word.has_value) {
                error = "option " + word.shown + " takes no value (try --help)";
                return false;
            }
            return true;
        case value_kind::optional:
            return true;
        case value_kind::required:
            break;
    }
    if (word.has_value) return true;
    // The next argument is the value, unless it looks like an option's
    // end or an option itself: `--env -- cmd` must not export "--".
    if (i + 1 >= argc || starts_with_dashes(argv[i + 1])) {
        std::string inline_form = is_long ? word.shown + "=VALUE" : word.shown + "VALUE";
        error = "option " + word.shown + " needs a value (one that starts with '--' must be written " +
                inline_form + "; try --help)";
        return false;
    }
    word.value = argv[++i];
    word.has_value = true;
    return true;
}

}  // namespace

bool parse_options(int argc, char** argv, options& out, std::string& error) {
    std::vector<std::string> seen_run_only;   // as typed
    std::vector<std::string> seen_reap_only;  // as typed
    int i = 1;
    for (; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.empty() || arg[0] != '-') break;  // the command starts here
        option_word word;
        if (!read_option(argc, argv, i, word, error)) return false;
        if (!word.spec->apply(word.value, word.has_value, out, error)) return false;
        if (out.what == options::action::help || out.what == options::action::version) return true;
        if (word.spec->action == used_by::run) seen_run_only.push_back(word.shown);
        if (word.spec->action == used_by::reap) seen_reap_only.push_back(word.shown);
    }
    for (; i < argc; ++i) out.command.emplace_back(argv[i]);
    if (out.what == options::action::reap) {
        if (!seen_run_only.empty()) {
            error = "option " + seen_run_only.front() + " cannot be used with --reap (try --help)";
            return false;
        }
        if (!out.command.empty()) {
            error = "--reap takes no command: '" + out.command.front() + "' (try --help)";
            return false;
        }
        return true;
    }
    if (!seen_reap_only.empty()) {
        error = "option " + seen_reap_only.front() + " needs --reap (try --help)";
        return false;
    }
    if (out.command.empty()) {
        error = "no command given (try --help)";
        return false;
    }
    return true;
}

const char* usage_text() {
    return "Usage: tempfile-run [OPTIONS] [--] COMMAND [ARGS...]\n"
           "       tempfile-run --reap [--in DIR] [--prefix P] [--suffix S] [--older-than SECONDS] "
           "[--dry-run]\n"
           "\n"
           "Runs COMMAND with a private temporary directory (mode 0700), or a file\n"
           "with --file (mode 0600), and removes it when COMMAND ends, however it ends.\n"
           "Its absolute path is exported as TMPDIR (TEMPFILE with --file) and replaces\n"
           "every argument that is exactly {}.\n"
           "\n"
           "Options:\n"
           "  --file              make a temporary file instead of a directory\n"
           "  --env NAME          export the path as NAME instead of TMPDIR / TEMPFILE\n"
           "  --prefix PREFIX     name starts with PREFIX (default \"tmp\")\n"
           "  --suffix SUFFIX     name ends with SUFFIX\n"
           "  --in DIR, -p DIR, --tmpdir=DIR\n"
           "                      create it in DIR (default: the library's gettempdir():\n"
           "                      $TMPDIR, $TEMP, $TMP, then the platform's own)\n"
           "  --keep              keep it, and print its path on stderr\n"
           "  --keep-on-failure   keep it only if COMMAND fails\n"
           "  -h, --help          show this help and exit\n"
           "  --version           show the version and exit\n"
           "A value that starts with '--' must be given as --name=VALUE.\n"
           "\n"
           "Reaping: --reap removes from DIR (the default directory, or --in DIR) what\n"
           "runs killed with SIGKILL (or crashed programs) left: entries named P + 8\n"
           "random characters + S, yours, not symbolic links, that no live tempfile-run\n"
           "(or program) holds locked, and modified more than SECONDS ago (default\n"
           "86400, never less than 10). One line per entry removed, then a summary.\n"
           "  --reap              reap instead of running a command\n"
           "  --older-than SECONDS\n"
           "                      the age an unlocked entry must have (default 86400)\n"
           "  --dry-run           print what would be removed, remove nothing\n"
           "\n"
           "SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to tempfile-run are forwarded to\n"
           "COMMAND; tempfile-run then waits for it and cleans up.\n"
           "\n"
           "Exit status: COMMAND's status; if COMMAND was killed by a signal,\n"
           "tempfile-run cleans up and then dies of the same signal;\n"
           "126 if COMMAND cannot be executed, 127 if it is not found;\n"
           "125 for a usage error or if tempfile-run itself failed.\n"
           "With --reap: 0 if all went well (also when nothing was old enough),\n"
           "1 if some entries could not be removed (the others were), 125 for a\n"
           "usage error or a directory that cannot be read.\n";
}

}  // namespace tempfile_run
