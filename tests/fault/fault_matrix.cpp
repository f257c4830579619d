// SPDX-License-Identifier: MIT
// The fault matrix: every public call (a row) under each fault (a column):
// ENOSPC on a tmpfs full by size and by inodes, EMFILE, EROFS, EFBIG
// (RLIMIT_FSIZE, SIGXFSZ ignored), EACCES (uid 65534), ENOMEM (the n-th
// operator new fails, for every n the call reaches) and EINTR (a SIGALRM
// storm without SA_RESTART). Each cell runs in a child process, in a private
// mount namespace on a fresh tmpfs, so nothing outside is touched.
// A cell shows the errno the call reported, "ok" if it succeeded with the
// right result, or FAIL: a wrong result, an error without the OS code or the
// path, another errno than the fault's, something left behind, a leaked
// descriptor, a crash or a hang. The reasons follow the table.
// Needs root (mount namespaces, tmpfs, setuid). Exit status 1 on any FAIL.
#include "context.hpp"
#include "rows.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <typeinfo>
#include <vector>

#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;
using fault::context;
using fault::kind;

struct cell {
    std::string shown;   // errno name, "ok" or "FAIL"
    std::string reason;  // why FAIL
    bool injected = false;
};

std::string errno_name(int e) {
    const char* name = ::strerrorname_np(e);
    return name != nullptr ? name : "errno " + std::to_string(e);
}

/// What the row did, judged in the child; the cell's text.
cell judge(const fault::row& r, context& c) {
    const int wanted = fault::expected_errno(c.fault());
    auto error = [&](const std::error_code& ec, const std::string& what, bool needs_path,
                     bool has_path) -> cell {
        if (ec.category() != std::system_category() && ec.category() != std::generic_category())
            return {"FAIL", "not an OS error code: " + what};
        // EROFS is a read-only bind stacked on the tmpfs (context.cpp): a link
        // from a descriptor opened before it into the directory is EXDEV.
        bool stacked_erofs = c.fault() == kind::erofs && ec.value() == EXDEV;
        if (ec.value() != wanted && !stacked_erofs)
            return {"FAIL", "expected " + (wanted ? errno_name(wanted) : std::string("success")) + ", saw " +
                                errno_name(ec.value()) + ": " + what};
        if (needs_path && !has_path) return {"FAIL", "filesystem_error names no path: " + what};
        return {errno_name(ec.value()) + (needs_path ? "" : "*"), ""};
    };
    try {
        r.run(c);
        return {"ok", ""};
    } catch (const fault::broken& e) {
        return {"FAIL", e.what()};
    } catch (const fault::harness_error& e) {
        return {"FAIL", std::string("harness: ") + e.what()};
    } catch (const fault::reported& e) {
        cell result = error(e.code, e.what(), false, false);
        if (result.shown.back() == '*') result.shown.pop_back();  // an error_code form has no path to give
        return result;
    } catch (const fs::filesystem_error& e) {
        return error(e.code(), e.what(), true, !e.path1().empty());
    } catch (const std::system_error& e) {
        return error(e.code(), e.what(), false, false);  // file's I/O calls name the operation, not a path
    } catch (const std::bad_alloc&) {
        if (c.fault() == kind::enomem) return {"ENOMEM", ""};
        return {"FAIL", "std::bad_alloc"};
    } catch (const std::exception& e) {
        return {"FAIL", std::string(typeid(e).name()) + ": " + e.what()};
    }
}

/// Runs one cell in a child: its own mount namespace and tmpfs on `mount_point`.
cell run_cell(const fault::row& r, kind k, std::int64_t attempt, const fs::path& mount_point) {
    int fds[2];
    if (::pipe(fds) != 0) return {"FAIL", "pipe"};
    std::cout.flush();
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        cell result;
        try {
            if (::unshare(CLONE_NEWNS) != 0 ||
                ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
                throw std::system_error(errno, std::generic_category(), "private mount namespace");
            std::set<int> before = fault::open_descriptors();
            {
                context c(k, mount_point, attempt);
                result = judge(r, c);
                result.injected = c.injected();
                std::vector<std::string> left = c.leftovers();
                if (!left.empty() && result.shown != "FAIL") {
                    std::string names;
                    for (auto& n : left) names += " " + n;
                    result = {"FAIL", "left behind:" + names, result.injected};
                }
            }
            if (fault::open_descriptors() != before && result.shown != "FAIL")
                result = {"FAIL", "leaked a descriptor", result.injected};
        } catch (const std::exception& e) {
            result = {"FAIL", std::string("harness: ") + e.what()};
        }
        std::string line = result.shown + "\t" + (result.injected ? "1" : "0") + "\t" + result.reason;
        (void)!::write(fds[1], line.data(), line.size());
        std::exit(0);  // exit, not _exit: a coverage build writes its counters here
    }
    ::close(fds[1]);
    std::string text;
    bool hung = false;
    for (;;) {
        pollfd p{fds[0], POLLIN, 0};
        int ready = ::poll(&p, 1, 30000);
        if (ready == 0) {
            hung = true;
            ::kill(pid, SIGKILL);
            break;
        }
        if (ready < 0) continue;
        char buf[4096];
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (hung) return {"FAIL", "hung for 30 s"};
    if (WIFSIGNALED(status)) return {"FAIL", "killed by " + std::string(::strsignal(WTERMSIG(status)))};
    std::size_t tab1 = text.find('\t'), tab2 = text.find('\t', tab1 + 1);
    if (tab1 == std::string::npos || tab2 == std::string::npos) return {"FAIL", "child said nothing"};
    return {text.substr(0, tab1), text.substr(tab2 + 1), text.substr(tab1 + 1, 1) == "1"};
}

/// ENOMEM: fails the n-th allocation for n = 0, 1, ... until the call
/// completes without reaching the n-th; every attempt must be clean.
cell run_enomem(const fault::row& r, const fs::path& mount_point) {
    bool any_error = false;
    for (std::int64_t n = 0; n < 400; ++n) {
        cell c = run_cell(r, kind::enomem, n, mount_point);
        if (c.shown == "FAIL") return {"FAIL", "allocation " + std::to_string(n) + " failed: " + c.reason};
        if (c.shown != "ok") any_error = true;
        if (!c.injected) return {any_error ? "ENOMEM" : "ok", ""};
    }
    return {"FAIL", "still allocating after 400 allocations"};
}

const fs::path* find_mount_point() {
    // A directory to mount each cell's tmpfs on, inside the cell's own
    // namespace: never under /tmp, which gettempdir()'s row covers.
    static const fs::path candidates[] = {"/mnt", "/media", "/srv", "/opt"};
    for (const fs::path& p : candidates)
        if (fs::is_directory(p) && !fs::is_symlink(p)) return &p;
    return nullptr;
}

}  // namespace

int main() {
    if (::geteuid() != 0) {
        std::cerr << "fault_matrix: needs root (mount namespaces, tmpfs, uid 65534)\n";
        return 1;
    }
    const fs::path* mount_point = find_mount_point();
    if (mount_point == nullptr) {
        std::cerr << "fault_matrix: no /mnt, /media, /srv or /opt to mount on\n";
        return 1;
    }
    auto started = std::chrono::steady_clock::now();
    const auto& kinds = fault::all_kinds();
    std::printf("%-42s", "call \\ fault");
    for (kind k : kinds) std::printf(" %-12s", fault::column_name(k));
    std::printf("\n");
    std::vector<std::string> reasons;
    for (const fault::row& r : fault::all_rows()) {
        std::printf("%-42s", r.name);
        for (kind k : kinds) {
            cell c = k == kind::enomem ? run_enomem(r, *mount_point) : run_cell(r, k, 0, *mount_point);
            std::printf(" %-12s", c.shown.c_str());
            std::fflush(stdout);
            if (c.shown == "FAIL")
                reasons.push_back(std::string(r.name) + " / " + fault::column_name(k) + ": " + c.reason);
        }
        std::printf("\n");
    }
    auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    std::printf(
        "\n* std::system_error without a path: file's I/O calls name the operation (tempfile/file.hpp)\n");
    std::printf("error_code forms (ec) have no path to give; their code is checked.\n");
    for (const std::string& reason : reasons) std::printf("FAIL %s\n", reason.c_str());
    std::printf("fault matrix: %zu rows x %zu faults, %zu FAIL, %lld s\n", fault::all_rows().size(),
                kinds.size(), reasons.size(), static_cast<long long>(seconds.count()));
    return reasons.empty() ? 0 : 1;
}
