// SPDX-License-Identifier: MIT
#include "context.hpp"

#include "counting_new.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

namespace fault {
namespace {

[[noreturn]] void die(const std::string& what) {
    throw harness_error("fault matrix: " + what + ": " + std::strerror(errno));
}

void mount_tmpfs(const fs::path& at, const std::string& options) {
    if (::mount("fault-matrix", at.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
        die("mount tmpfs on " + at.string());
}

void on_alarm(int) {}

}  // namespace

const std::vector<kind>& all_kinds() {
    static const std::vector<kind> kinds = {kind::enospc_size, kind::enospc_inodes, kind::emfile,
                                            kind::erofs,       kind::efbig,         kind::eacces,
                                            kind::enomem,      kind::eintr};
    return kinds;
}

const char* column_name(kind k) {
    switch (k) {
        case kind::enospc_size:
            return "ENOSPC-size";
        case kind::enospc_inodes:
            return "ENOSPC-inode";
        case kind::emfile:
            return "EMFILE";
        case kind::erofs:
            return "EROFS";
        case kind::efbig:
            return "EFBIG";
        case kind::eacces:
            return "EACCES";
        case kind::enomem:
            return "ENOMEM";
        case kind::eintr:
            return "EINTR";
    }
    return "?";
}

int expected_errno(kind k) {
    switch (k) {
        case kind::enospc_size:
        case kind::enospc_inodes:
            return ENOSPC;
        case kind::emfile:
            return EMFILE;
        case kind::erofs:
            return EROFS;
        case kind::efbig:
            return EFBIG;
        case kind::eacces:
            return EACCES;
        case kind::enomem:
            return ENOMEM;
        case kind::eintr:
            return 0;
    }
    return 0;
}

void expect(bool condition, const std::string& message) {
    if (!condition) throw broken(message);
}

context::context(kind k, const fs::path& mount_point, std::int64_t attempt)
    : kind_(k), root_(mount_point), dir_(mount_point / "work"), attempt_(attempt) {
    // Small enough to fill in a moment, large enough for the fixtures.
    std::string options = "mode=0755,size=64m";
    if (k == kind::enospc_size) options = "mode=0755,size=1m";
    if (k == kind::enospc_inodes) options = "mode=0755,size=64m,nr_inodes=200";
    mount_tmpfs(root_, options);
    if (::mkdir(dir_.c_str(), 0755) != 0) die("mkdir " + dir_.string());
    if (k == kind::eacces) {
        // The whole row runs as 65534 (the saved ids stay 0, so that arm(),
        // disarm() and the end can come back): what it makes before the
        // fault is its own, as in a real program, and the fault is its
        // directory losing the write permission.
        if (::chown(dir_.c_str(), 65534, 65534) != 0) die("chown 65534");
        if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 0) != 0 ||
            ::setresuid(65534, 65534, 0) != 0)
            die("drop to uid 65534");
        ::prctl(PR_SET_DUMPABLE, 1);  // as in a process started as 65534: /proc/self is its own
    }
}

context::~context() {
    disarm();
    if (kind_ == kind::eacces) {
        (void)!::setresuid(0, 0, 0);
        (void)!::setresgid(0, 0, 0);
    }
}

void context::with_root(const std::function<void()>& fn) {
    if (::seteuid(0) != 0) die("seteuid 0");
    fn();
    if (::seteuid(65534) != 0) die("seteuid 65534");
    ::prctl(PR_SET_DUMPABLE, 1);
}

void context::fixture(const std::string& relative, const std::string& content) {
    if (!relative.empty() && relative.back() == '/') {
        std::string name = relative.substr(0, relative.size() - 1);
        fs::create_directories(dir_ / name);
        fixtures_.insert(name);
        return;
    }
    std::ofstream out(dir_ / relative, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) die("write fixture " + relative);
    fixtures_.insert(relative);
}

void context::make_dir_the_only_temp_candidate() {
    auto bind = [&] {
        for (const char* candidate : {"/tmp", "/var/tmp", "/usr/tmp"}) {
            struct stat st {};
            if (::lstat(candidate, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
            if (::mount(dir_.c_str(), candidate, nullptr, MS_BIND, nullptr) != 0)
                die(std::string("bind ") + candidate);
            temp_binds_.emplace_back(candidate);
        }
    };
    if (kind_ == kind::eacces)
        with_root(bind);
    else
        bind();
    for (const char* var : {"TMPDIR", "TEMP", "TMP"}) ::setenv(var, dir_.c_str(), 1);
    if (::chdir(dir_.c_str()) != 0) die("chdir");
}

void context::under_fault(const std::function<void()>& fn) {
    arm();
    try {
        fn();
    } catch (...) {
        disarm();
        throw;
    }
    disarm();
}

void context::arm() {
    armed_ = true;
    switch (kind_) {
        case kind::enospc_size: {
            int fd = ::open((root_ / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (fd < 0) die("open filler");
            static const char block[4096] = {};
            while (::write(fd, block, sizeof block) > 0) {
            }
            ::close(fd);
            break;
        }
        case kind::enospc_inodes:
            for (int i = 0;; ++i) {
                int fd = ::open((root_ / ("inode" + std::to_string(i))).c_str(),
                                O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0) break;
                ::close(fd);
            }
            break;
        case kind::emfile: {
            rlimit limit{};
            ::getrlimit(RLIMIT_NOFILE, &limit);
            saved_limit_ = limit.rlim_cur;
            limit.rlim_cur = 256;
            ::setrlimit(RLIMIT_NOFILE, &limit);
            for (;;) {
                int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd < 0) break;
                held_.push_back(fd);
            }
            break;
        }
        case kind::erofs: {
            // A tmpfs cannot be remounted read-only while a file is open for
            // writing on it (EBUSY), so a read-only bind of it is stacked on
            // top: every path lookup meets a read-only file system, while a
            // descriptor opened before still writes (and a link from one of
            // those into the directory crosses mounts: EXDEV).
            std::vector<fs::path> points = temp_binds_;
            points.insert(points.begin(), root_);
            for (const fs::path& p : points) {
                if (::mount(p.c_str(), p.c_str(), nullptr, MS_BIND, nullptr) != 0) die("bind " + p.string());
                read_only_.push_back(p);
                if (::mount(nullptr, p.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)
                    die("remount read-only " + p.string());
            }
            break;
        }
        case kind::efbig: {
            std::signal(SIGXFSZ, SIG_IGN);
            rlimit limit{};
            ::getrlimit(RLIMIT_FSIZE, &limit);
            saved_limit_ = limit.rlim_cur;
            limit.rlim_cur = 4096;
            ::setrlimit(RLIMIT_FSIZE, &limit);
            break;
        }
        case kind::eacces:
            // The directory stops being writable for its owner, 65534.
            with_root([&] {
                if (::chmod(dir_.c_str(), 0555) != 0) die("chmod 0555");
            });
            break;
        case kind::enomem:
            failing_.emplace(static_cast<std::size_t>(attempt_));
            break;
        case kind::eintr: {
            struct sigaction action {};
            action.sa_handler = on_alarm;  // no SA_RESTART: every slow call sees EINTR
            sigemptyset(&action.sa_mask);
            ::sigaction(SIGALRM, &action, nullptr);
            itimerval every{{0, 20}, {0, 20}};
            ::setitimer(ITIMER_REAL, &every, nullptr);
            break;
        }
    }
}

void context::disarm() noexcept {
    if (!armed_) return;
    armed_ = false;
    switch (kind_) {
        case kind::enospc_size:
            ::unlink((root_ / "filler").c_str());
            break;
        case kind::enospc_inodes:
            for (int i = 0; ::unlink((root_ / ("inode" + std::to_string(i))).c_str()) == 0; ++i) {
            }
            break;
        case kind::emfile: {
            for (int fd : held_) ::close(fd);
            held_.clear();
            if (saved_limit_ != 0) {
                rlimit limit{};
                ::getrlimit(RLIMIT_NOFILE, &limit);
                limit.rlim_cur = saved_limit_;
                ::setrlimit(RLIMIT_NOFILE, &limit);
            }
            break;
        }
        case kind::erofs:
            while (!read_only_.empty()) {
                ::umount2(read_only_.back().c_str(), MNT_DETACH);
                read_only_.pop_back();
            }
            break;
        case kind::efbig:
            if (saved_limit_ != 0) {
                rlimit limit{};
                ::getrlimit(RLIMIT_FSIZE, &limit);
                limit.rlim_cur = saved_limit_;
                ::setrlimit(RLIMIT_FSIZE, &limit);
            }
            std::signal(SIGXFSZ, SIG_DFL);
            break;
        case kind::eacces:
            with_root([&] { ::chmod(dir_.c_str(), 0755); });
            break;
        case kind::enomem:
            injected_ = injected_ || (failing_ && failing_->failed());
            failing_.reset();
            break;
        case kind::eintr: {
            itimerval off{};
            ::setitimer(ITIMER_REAL, &off, nullptr);
            std::signal(SIGALRM, SIG_IGN);
            break;
        }
    }
}

std::vector<std::string> context::leftovers() const {
    std::vector<std::string> left;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::string relative = it->path().lexically_relative(dir_).string();
        if (!fixtures_.count(relative)) left.push_back(relative);
    }
    return left;
}

std::set<int> open_descriptors() {
    std::set<int> fds;
    for (int fd = 0; fd < 1024; ++fd)
        if (::fcntl(fd, F_GETFD) != -1) fds.insert(fd);
    return fds;
}

}  // namespace fault
