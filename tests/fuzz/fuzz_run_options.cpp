// SPDX-License-Identifier: MIT
// tempfile-run's option parser (tools/options.hpp), on any argv: no crash,
// no read past argv; a success names a command that is argv's own tail,
// word for word; a failure says why; the same argv parses the same way twice.
#include "fuzz_support.hpp"

#include "options.hpp"

#include <vector>

namespace {
using fuzz::check;

struct parsed {
    bool ok;
    tempfile_run::options out;
    std::string error;
};

parsed parse(std::vector<std::string>& words) {
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    parsed p{};
    p.ok = tempfile_run::parse_options(static_cast<int>(words.size()), argv.data(), p.out, p.error);
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::input in(data, size);
    std::vector<std::string> words{"tempfile-run"};
    while (!in.empty() && words.size() < 16) words.push_back(in.until(0));  // argv words hold no NUL
    std::vector<std::string> copy = words;
    parsed first = parse(words);
    check(words == copy, "the parser changed argv");
    if (first.ok) {
        if (first.out.what == tempfile_run::options::action::run) {
            const auto& cmd = first.out.command;
            check(!cmd.empty(), "a run with no command");
            check(cmd.size() < words.size(), "a command longer than argv");
            check(std::equal(cmd.begin(), cmd.end(), words.end() - static_cast<std::ptrdiff_t>(cmd.size())),
                  "the command is not argv's tail, word for word");
        }
    } else {
        check(!first.error.empty(), "a failure with no message");
    }
    parsed second = parse(words);
    check(second.ok == first.ok && second.error == first.error && second.out.command == first.out.command,
          "the same argv parsed two ways");
    return 0;
}
