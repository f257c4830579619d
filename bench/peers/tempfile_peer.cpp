// SPDX-License-Identifier: MIT
// This library, as bench/compare.sh drives every peer:
//   tempfile_peer MODE COUNT
// makes and destroys COUNT temporary things in the default directory
// ($TMPDIR, which compare.sh points at a fresh directory) and prints
// "cpu_ns_per_op wall_ns_per_op" for the loop alone. MODE is named
// (named_temporary_file), unnamed (temporary_file), directory
// (temporary_directory), mkstemp (mkstemp, close, unlink) or mkdtemp
// (mkdtemp, rmdir): the non-throwing overloads, as a hot loop would call them.
#include <tempfile/tempfile.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <system_error>

#include <unistd.h>

namespace {

double now_ns(clockid_t clock) {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

[[noreturn]] void fail(const char* what, const std::error_code& ec) {
    std::fprintf(stderr, "tempfile_peer: %s: %s\n", what, ec.message().c_str());
    std::exit(1);
}

void named() {
    std::error_code ec;
    auto f = tempfile::named_temporary_file::create({}, ec);
    if (ec) fail("named_temporary_file", ec);
}

void unnamed() {
    std::error_code ec;
    auto f = tempfile::temporary_file::create({}, ec);
    if (ec) fail("temporary_file", ec);
}

void directory() {
    std::error_code ec;
    auto d = tempfile::temporary_directory::create({}, ec);
    if (ec) fail("temporary_directory", ec);
}

void mkstemp() {
    std::error_code ec;
    tempfile::created_file made = tempfile::mkstemp({}, false, ec);
    if (ec) fail("mkstemp", ec);
    made.handle.close();
    if (::unlink(made.path.c_str()) != 0) fail("unlink", std::error_code(errno, std::generic_category()));
}

void mkdtemp() {
    std::error_code ec;
    const tempfile::fs::path made = tempfile::mkdtemp({}, ec);
    if (ec) fail("mkdtemp", ec);
    if (::rmdir(made.c_str()) != 0) fail("rmdir", std::error_code(errno, std::generic_category()));
}

}  // namespace

int main(int argc, char** argv) {
    struct mode {
        const char* name;
        void (*op)();
    };
    static constexpr mode modes[] = {{"named", named},
                                     {"unnamed", unnamed},
                                     {"directory", directory},
                                     {"mkstemp", mkstemp},
                                     {"mkdtemp", mkdtemp}};
    void (*op)() = nullptr;
    for (const mode& m : modes)
        if (argc == 3 && std::strcmp(argv[1], m.name) == 0) op = m.op;
    if (!op) {
        std::fprintf(stderr, "usage: tempfile_peer named|unnamed|directory|mkstemp|mkdtemp COUNT\n");
        return 2;
    }
    const long count = std::atol(argv[2]);
    std::error_code ec;
    tempfile::gettempdir(ec);  // its first call probes; a program pays that once
    if (ec) fail("gettempdir", ec);
    const double wall = now_ns(CLOCK_MONOTONIC), cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (long i = 0; i < count; ++i) op();
    const double n = count > 0 ? static_cast<double>(count) : 1;
    std::printf("%.1f %.1f\n", (now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu) / n,
                (now_ns(CLOCK_MONOTONIC) - wall) / n);
    return 0;
}
