// SPDX-License-Identifier: MIT
// atomic_file with write failures injected by the OS itself: a random
// RLIMIT_FSIZE (SIGXFSZ ignored) makes writes fail part way, through raw
// calls or through the stream (whose state the caller may even clear).
// Whatever happens, the target holds the old content or the whole new
// content, never anything else: commit() that returns means the new
// content, one that throws (or no commit) means the old (issue 9, bug 1);
// and the temporary never stays behind.
#include "fuzz_support.hpp"

#include <tempfile/tempfile.hpp>

#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>

#include <sys/resource.h>

namespace {
namespace fs = std::filesystem;
using fuzz::check;

void set_file_size_limit(rlim_t limit) {
    rlimit r{};
    ::getrlimit(RLIMIT_FSIZE, &r);
    r.rlim_cur = limit == RLIM_INFINITY ? r.rlim_max : limit;
    ::setrlimit(RLIMIT_FSIZE, &r);
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fs::path& work = fuzz::work_dir();
    const fs::path target = work / "target";
    // A write past the limit fails with EFBIG instead of killing (set each
    // time: libFuzzer installs its own SIGXFSZ handler after initializing).
    std::signal(SIGXFSZ, SIG_IGN);
    fuzz::input in(data, size);
    const std::string old_content = "old:" + in.bytes(300);
    { std::ofstream(target, std::ios::binary | std::ios::trunc) << old_content; }
    const std::uint16_t limit = in.u16();
    const bool limited = (limit & 1) != 0;
    std::string written;  // everything asked to be written, in order
    bool committed = false;
    std::string commit_error;
    {
        std::optional<tempfile::atomic_file> a(std::in_place, target);
        if (limited) set_file_size_limit(limit >> 1);  // up to 32 KiB
        for (int step = 0; step < 32 && !in.empty(); ++step) {
            const std::uint8_t op = in.byte() % 6;
            std::string bytes = op < 3 ? in.bytes(in.byte() & 1 ? 20000 : 200) : std::string();
            switch (op) {
                case 0:  // raw write; a caller may catch its error and go on
                    written += bytes;
                    try {
                        a->write(bytes);
                    } catch (const std::system_error&) {
                    }
                    break;
                case 1:
                    written += bytes;
                    a->stream() << bytes;
                    break;
                case 2:
                    written += bytes + "\n";
                    a->stream() << bytes << std::endl;
                    break;
                case 3:
                    a->stream().flush();
                    break;
                case 4:
                    a->stream().clear();  // forgetting a failure must not make it go away
                    break;
                default:
                    break;  // the commit below decides
            }
        }
        if (!(in.byte() & 0x80)) {
            try {
                a->commit();
                committed = true;
            } catch (const fs::filesystem_error& e) {
                commit_error = e.what();
            } catch (const std::system_error& e) {
                commit_error = e.what();
            }
        }
        set_file_size_limit(RLIM_INFINITY);
    }
    const std::string now = read_text(target);
    if (committed)
        check(now == written, "commit() returned but the target holds " + std::to_string(now.size()) +
                                  " of the " + std::to_string(written.size()) + " bytes written");
    else
        check(now == old_content, "the target changed without a successful commit (" + commit_error + ")");
    check(fuzz::entry_count(work) == 1, "the temporary was left behind");
    return 0;
}
