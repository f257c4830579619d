// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <cstddef>

namespace tempfile_run {
namespace {

/// One long option: its name and whether it takes a value.
struct option_spec {
    const char* name;
    bool takes_value;
};

constexpr option_spec known_options[] = {
    {"--file", false},  {"--keep", false},    {"--keep-on-failure", false},
    {"--help", false},  {"--version", false}, {"--prefix", true},
    {"--suffix", true}, {"--in", true},       {"--env", true},
};

const option_spec* find_option(const std::string& name) {
    for (const option_spec& spec : known_options)
        if (name == spec.name) return &spec;
    return nullptr;
}

/// Stores one option; false with `error` set when its value is unusable.
bool apply(const std::string& name, const std::string& value, options& out, std::string& error) {
    if (name == "--file") {
        out.make_file = true;
    } else if (name == "--keep") {
        out.keep = options::keep_policy::always;
    } else if (name == "--keep-on-failure") {
        if (out.keep != options::keep_policy::always) out.keep = options::keep_policy::on_failure;
    } else if (name == "--help") {
        out.what = options::action::help;
    } else if (name == "--version") {
        out.what = options::action::version;
    } else if (name == "--prefix") {
        out.prefix = value;  // the library checks it: a bad one is reported before anything exists
    } else if (name == "--suffix") {
        out.suffix = value;
    } else if (name == "--in") {
        if (value.empty()) {
            error = "--in needs a directory";
            return false;
        }
        out.in_dir = value;
    } else if (name == "--env") {
        if (value.empty() || value.find('=') != std::string::npos) {
            error = "--env needs a variable name without '=': '" + value + "'";
            return false;
        }
        out.env_name = value;
    }
    return true;
}

}  // namespace

bool parse_options(int argc, char** argv, options& out, std::string& error) {
    int i = 1;
    for (; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.empty() || arg[0] != '-') break;  // the command starts here
        if (arg == "-h") arg = "--help";
        std::string name = arg;
        std::string value;
        bool has_inline_value = false;
        if (std::size_t eq = arg.find('='); eq != std::string::npos && arg.compare(0, 2, "--") == 0) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_inline_value = true;
        }
        const option_spec* spec = find_option(name);
        if (spec == nullptr) {
            error = "unknown option '" + name + "' (try --help)";
            return false;
        }
        if (spec->takes_value && !has_inline_value) {
            if (i + 1 >= argc) {
                error = "option " + name + " needs a value (try --help)";
                return false;
            }
            value = argv[++i];
        } else if (!spec->takes_value && has_inline_value) {
            error = "option " + name + " takes no value (try --help)";
            return false;
        }
        if (!apply(name, value, out, error)) return false;
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
           "  --in DIR            create it in DIR (default: the library's gettempdir():\n"
           "                      $TMPDIR, $TEMP, $TMP, then the platform's own)\n"
           "  --keep              keep it, and print its path on stderr\n"
           "  --keep-on-failure   keep it only if COMMAND fails\n"
           "  -h, --help          show this help and exit\n"
           "  --version           show the version and exit\n"
           "\n"
           "SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to tempfile-run are forwarded to\n"
           "COMMAND; tempfile-run then waits for it and cleans up.\n"
           "\n"
           "Exit status: COMMAND's status, or 128+N if it died from signal N;\n"
           "126 if COMMAND cannot be executed, 127 if it is not found;\n"
           "2 for a usage error; 125 if tempfile-run itself failed.\n";
}

}  // namespace tempfile_run
