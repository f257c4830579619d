// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <cstddef>

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

/// One option: its long name, its short letter (0: none), its value, and
/// what it does. A new option is one more row.
struct option_spec {
    const char* name;
    char short_name;
    value_kind value;
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

const option_spec known_options[] = {
    {"--file", 0, value_kind::none,
     [](const std::string&, bool, options& out, std::string&) {
         out.make_file = true;
         return true;
     }},
    {"--keep", 0, value_kind::none,
     [](const std::string&, bool, options& out, std::string&) {
         out.keep = options::keep_policy::always;
         return true;
     }},
    {"--keep-on-failure", 0, value_kind::none,
     [](const std::string&, bool, options& out, std::string&) {
         if (out.keep != options::keep_policy::always) out.keep = options::keep_policy::on_failure;
         return true;
     }},
    {"--help", 'h', value_kind::none,
     [](const std::string&, bool, options& out, std::string&) {
         out.what = options::action::help;
         return true;
     }},
    {"--version", 0, value_kind::none,
     [](const std::string&, bool, options& out, std::string&) {
         out.what = options::action::version;
         return true;
     }},
    // The library checks prefix and suffix: a bad one is reported before anything exists.
    {"--prefix", 0, value_kind::required,
     [](const std::string& value, bool, options& out, std::string&) {
         out.prefix = value;
         return true;
     }},
    {"--suffix", 0, value_kind::required,
     [](const std::string& value, bool, options& out, std::string&) {
         out.suffix = value;
         return true;
     }},
    {"--in", 'p', value_kind::required,
     [](const std::string& value, bool, options& out, std::string& error) {
         return set_directory("--in", value, out, error);
     }},
    // GNU mktemp's spelling: --tmpdir=DIR is --in DIR; --tmpdir alone is
    // the default directory (gettempdir(), whose first choice is $TMPDIR).
    {"--tmpdir", 0, value_kind::optional,
     [](const std::string& value, bool has_value, options& out, std::string& error) {
         if (!has_value) {
             out.in_dir.clear();
             return true;
         }
         return set_directory("--tmpdir", value, out, error);
     }},
    {"--env", 0, value_kind::required,
     [](const std::string& value, bool, options& out, std::string& error) {
         if (value.empty() || value.find('=') != std::string::npos) {
             error = "--env needs a variable name without '=': '" + value + "'";
             return false;
         }
         out.env_name = value;
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
        if (out.what != options::action::run) return true;
    }
    for (; i < argc; ++i) out.command.emplace_back(argv[i]);
    if (out.command.empty()) {
        error = "no command given (try --help)";
        return false;
    }
    return true;
}

const char* usage_text() {
    return "Usage: tempfile-run [OPTIONS] [--] COMMAND [ARGS...]\n"
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
           "SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to tempfile-run are forwarded to\n"
           "COMMAND; tempfile-run then waits for it and cleans up.\n"
           "\n"
           "Exit status: COMMAND's status; if COMMAND was killed by a signal,\n"
           "tempfile-run cleans up and then dies of the same signal;\n"
           "126 if COMMAND cannot be executed, 127 if it is not found;\n"
           "125 for a usage error or if tempfile-run itself failed.\n";
}

}  // namespace tempfile_run
