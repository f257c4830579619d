// SPDX-License-Identifier: MIT
// remove_tree on random trees: files, directories, FIFOs, hard links and
// symbolic links pointing out of the tree (to a file, a directory, "/",
// "..", nowhere), with random modes (000 to 1777) on files and directories.
// The tree is gone, the count is every entry, and nothing outside it is
// touched: not a byte, a mode or a name of the directory beside it that
// the links point into. Refuses to run as root: scripts/fuzz.sh runs it as
// uid 65534 in a sandbox where only its own directory is writable.
#include "fuzz_support.hpp"

#include <tempfile/tempfile.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using fuzz::check;

/// What is outside the tree, entry by entry: type, mode, content or link.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> seen;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0) continue;
        std::ostringstream d;
        d << std::oct << st.st_mode << " " << std::dec << st.st_nlink << " ";
        if (S_ISREG(st.st_mode)) {
            std::ifstream in(it->path(), std::ios::binary);
            d << in.rdbuf();
        }
        seen[it->path().string()] = d.str();
    }
    return seen;
}

void make_outside(const fs::path& outside) {
    fs::create_directories(outside / "dir");
    std::ofstream(outside / "file") << "precious";
    std::ofstream(outside / "dir" / "inner") << "precious too";
}

constexpr mode_t modes[] = {0, 0100, 0200, 0300, 0400, 0500, 0600, 0700, 01777, 0111, 0444, 0555};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (::geteuid() == 0) fuzz::broken("run as an unprivileged user (scripts/fuzz.sh runs it as uid 65534)");
    const fs::path& work = fuzz::work_dir();
    const fs::path outside = work / "outside";
    const fs::path root = work / "tree";
    static const std::map<std::string, std::string> expected = (make_outside(outside), snapshot(outside));
    fuzz::input in(data, size);

    fs::create_directory(root);
    std::uintmax_t made = 1;
    std::vector<fs::path> dirs{root};
    std::vector<std::pair<fs::path, mode_t>> chmods;  // applied last, deepest first
    const fs::path link_targets[] = {outside, outside / "file", outside / "dir", "/",
                                     "..",    "../outside",     "nowhere",       "../../outside/file"};
    for (int i = 0; i < 48 && !in.empty(); ++i) {
        const std::uint8_t op = in.byte() % 6;
        const fs::path parent = dirs[in.byte() % dirs.size()];
        const fs::path p = parent / ("e" + std::to_string(i));
        const mode_t mode = modes[in.byte() % (sizeof modes / sizeof modes[0])];
        bool ok = false;
        switch (op) {
            case 0:
                ok = static_cast<bool>(std::ofstream(p) << in.bytes(64));
                if (ok && (mode & 0x1)) chmods.emplace_back(p, mode);
                break;
            case 1:
                ok = ::mkdir(p.c_str(), 0700) == 0;
                if (ok) {
                    dirs.push_back(p);
                    if (in.byte() & 1) chmods.emplace_back(p, mode);
                }
                break;
            case 2:
            case 3:
                ok = ::symlink(link_targets[in.byte() % 8].c_str(), p.c_str()) == 0;
                break;
            case 4:
                ok = ::mkfifo(p.c_str(), 0600) == 0;
                break;
            default:
                ok = ::link((outside / "file").c_str(), p.c_str()) == 0;  // never chmodded here
                break;
        }
        if (ok) ++made;
    }
    for (auto it = chmods.rbegin(); it != chmods.rend(); ++it) ::chmod(it->first.c_str(), it->second);

    std::error_code ec;
    std::uintmax_t removed = tempfile::remove_tree(root, ec);
    check(!ec, "remove_tree failed: " + ec.message());
    check(!fs::exists(fs::symlink_status(root)), "the tree is still there");
    check(removed == made,
          "remove_tree counted " + std::to_string(removed) + " of the " + std::to_string(made) + " entries");
    check(snapshot(outside) == expected, "something outside the tree changed");
    check(fuzz::entry_count(work) == 1, "something was left beside the tree");
    return 0;
}
