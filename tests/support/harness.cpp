// SPDX-License-Identifier: MIT
#include "harness.hpp"

#include <tempfile/names.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <csignal>

#ifndef _WIN32
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#endif
#ifdef __linux__
#include <sched.h>
#include <sys/mount.h>
#endif

#if TEMPFILE_TEST_COVERAGE
extern "C" void __gcov_dump(void);
#endif

namespace tempfile_test {
namespace {

fs::path g_test_dir;
bool g_leaked = false;

#ifndef _WIN32
std::set<int> open_descriptors() {
    std::set<int> fds;
    DIR* d = opendir("/proc/self/fd");
    if (d == nullptr) {
        // Without /proc, ask each descriptor below a sane bound.
        for (int fd = 0; fd < 1024; ++fd)
            if (fcntl(fd, F_GETFD) != -1) fds.insert(fd);
        return fds;
    }
    int own = dirfd(d);
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        int fd = std::atoi(e->d_name);
        if (fd != own) fds.insert(fd);
    }
    closedir(d);
    return fds;
}
#else
std::set<int> open_descriptors() {
    return {};
}
#endif

void set_env(const char* name, const std::string& value) {
#ifdef _WIN32
    _putenv_s(name, value.c_str());
#else
    if (value.empty())
        unsetenv(name);
    else
        setenv(name, value.c_str(), 1);
#endif
}

std::string get_env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// Makes a tree removable by the harness whatever modes a test left on it.
void make_removable(const fs::path& root) {
    std::error_code ec;
    fs::permissions(root, fs::perms::owner_all, fs::perm_options::add, ec);
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec))
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
}

fs::path make_private_directory(const fs::path& base) {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::ostringstream name;
        name << "tempfile-test-" << std::hex << rd() << rd();
        fs::path candidate = base / name.str();
        if (fs::create_directory(candidate)) return fs::canonical(candidate);
    }
    return {};
}

class private_directory_listener : public ::testing::EmptyTestEventListener {
    std::set<int> fds_before_;
    std::string saved_[3];
    fs::path saved_cwd_;
    static constexpr const char* vars_[3] = {"TMPDIR", "TEMP", "TMP"};

    void OnTestStart(const ::testing::TestInfo&) override {
        fs::path base = get_env("TMPDIR").empty() ? fs::temp_directory_path() : fs::path(get_env("TMPDIR"));
        for (int i = 0; i < 3; ++i) saved_[i] = get_env(vars_[i]);
        saved_cwd_ = fs::current_path();
        // Our own library is under test, so the private directory is made
        // with std::filesystem and a name of the harness's own. (libc++'s
        // random_device holds /dev/urandom open while it lives: it must be
        // gone before the descriptors are counted.)
        g_test_dir = make_private_directory(base);
        if (g_test_dir.empty()) throw std::runtime_error("harness: cannot make a private directory");
        fs::permissions(g_test_dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
        for (auto* v : vars_) set_env(v, g_test_dir.string());
        tempfile::set_tempdir(g_test_dir);
        fds_before_ = open_descriptors();
    }

    void OnTestEnd(const ::testing::TestInfo& info) override {
        std::error_code ec;
        fs::current_path(saved_cwd_, ec);
        tempfile::set_tempdir({});
        for (int i = 0; i < 3; ++i) set_env(vars_[i], saved_[i]);
        std::string name = std::string(info.test_suite_name()) + "." + info.name();

        std::set<int> fds_after = open_descriptors();
        if (fds_after != fds_before_) {
            std::cerr << "LEAK: " << name << " changed the open descriptors:";
            for (int fd : fds_after)
                if (!fds_before_.count(fd)) std::cerr << " +" << fd;
            for (int fd : fds_before_)
                if (!fds_after.count(fd)) std::cerr << " -" << fd;
            std::cerr << "\n";
            g_leaked = true;
        }
        std::vector<std::string> left = list_dir(g_test_dir);
        if (!left.empty()) {
            std::cerr << "LEAK: " << name << " left behind in its private directory:";
            for (auto& n : left) std::cerr << " " << n;
            std::cerr << "\n";
            g_leaked = true;
        }
        make_removable(g_test_dir);
        fs::remove_all(g_test_dir, ec);
        if (ec) {
            std::cerr << "harness: cannot remove " << g_test_dir << ": " << ec.message() << "\n";
            g_leaked = true;
        }
        g_test_dir.clear();
    }
};

}  // namespace

const fs::path& test_dir() {
    return g_test_dir;
}

std::vector<std::string> list_dir(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

void write_text(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

void touch(const fs::path& path) {
#ifdef __linux__
    if (::mknod(path.c_str(), S_IFREG | 0600, 0) == 0) return;
#endif
    write_text(path, "");
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

fs::path path_with_nul(const fs::path& before, const fs::path& after) {
    fs::path::string_type joined = before.native();
    joined.push_back(fs::path::value_type());
    joined += after.native();
    return fs::path(joined);
}

void flush_coverage() noexcept {
#if TEMPFILE_TEST_COVERAGE
#if defined(__linux__)
    // A run_as_nobody child kept root as its saved user ID for this: the
    // coverage files belong to whoever built the suite.
    if (::geteuid() != 0) (void)::seteuid(0);
    // A test may have set a file size limit (even 0): writing the coverage
    // data must neither fail nor die of SIGXFSZ.
    // (Root may raise the hard limit too; anyone may raise the soft one.)
    struct rlimit limit {
        RLIM_INFINITY, RLIM_INFINITY
    };
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0 && ::getrlimit(RLIMIT_FSIZE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        (void)::setrlimit(RLIMIT_FSIZE, &limit);
    }
#endif
    __gcov_dump();
#endif
}

#ifndef _WIN32
#if TEMPFILE_TEST_COVERAGE
namespace {
constexpr int flushed_signals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction before_flush[std::size(flushed_signals)];

// Writes the coverage data, then lets the signal do what it did before
// (the library's own handler, when the test enabled signal cleanup, or the
// default death). Not async-signal-safe (gcov writes files), which is
// acceptable here: the tests raise these signals from ordinary code, never
// inside malloc.
// The library's handler may have saved this one as its previous and call it
// again: the second time round, the signal's default action ends the process.
volatile sig_atomic_t passed_on = 0;

extern "C" void flush_coverage_then_pass_on(int signo) {
    flush_coverage();
    for (std::size_t i = 0; i < std::size(flushed_signals); ++i) {
        if (flushed_signals[i] != signo) continue;
        if (passed_on) {
            struct sigaction default_action {};
            default_action.sa_handler = SIG_DFL;
            ::sigaction(signo, &default_action, nullptr);
        } else {
            ::sigaction(signo, &before_flush[i], nullptr);
        }
    }
    passed_on = 1;
    sigset_t just_this;
    sigemptyset(&just_this);
    sigaddset(&just_this, signo);
    ::raise(signo);  // pending until unblocked, then handled as before
    ::sigprocmask(SIG_UNBLOCK, &just_this, nullptr);
}

void install_coverage_flush() {
    for (std::size_t i = 0; i < std::size(flushed_signals); ++i) {
        struct sigaction now {};
        ::sigaction(flushed_signals[i], nullptr, &now);
        // A grandchild inherits its parent's: what came before stays saved.
        if ((now.sa_flags & SA_SIGINFO) == 0 && now.sa_handler == flush_coverage_then_pass_on) continue;
        struct sigaction action {};
        action.sa_handler = flush_coverage_then_pass_on;
        sigemptyset(&action.sa_mask);
        ::sigaction(flushed_signals[i], &action, &before_flush[i]);
    }
}
}  // namespace
#endif

int run_in_child(const std::function<int()>& body) {
    std::cout.flush();
    std::cerr.flush();
    pid_t pid = fork();
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
#if TEMPFILE_TEST_COVERAGE
        install_coverage_flush();
#endif
        int code = 99;
        try {
            code = body();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "child: %s\n", e.what());
        } catch (...) {
        }
        flush_coverage();
        std::_Exit(code);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

int wait_or_kill(pid_t pid, std::chrono::steady_clock::time_point deadline) {
    int status = 0;
    pid_t done;
    while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (done == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return -1;
    }
    if (done < 0) return 255;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

int run_as_nobody(const std::function<int()>& body) {
    return run_in_child([&] {
        if (setgroups(0, nullptr) != 0 && getuid() == 0) return 97;
#if TEMPFILE_TEST_COVERAGE && defined(__linux__)
        // Real and effective user 65534, as below, but root stays the saved
        // user ID, so that flush_coverage() can write the coverage data
        // (root-owned files) as the child ends. Permission checks use the
        // effective (file system) user ID, so the test sees what nobody sees.
        if (setgid(65534) != 0 || setresuid(65534, 65534, 0) != 0) return 98;
#else
        if (setgid(65534) != 0 || setuid(65534) != 0) return 98;
#endif
        return body();
    });
}

fs::path make_dir_for_nobody(const std::string& name) {
    fs::path p = test_dir() / name;
    fs::create_directory(p);
    if (chown(p.c_str(), 65534, 65534) != 0) throw std::system_error(errno, std::generic_category(), "chown");
    fs::permissions(p, fs::perms::owner_all);
    return p;
}

int run_with_file_size_limit(unsigned long max_file_size, const std::function<int()>& body) {
    return run_in_child([&] {
        std::signal(SIGXFSZ, SIG_IGN);
        // The soft limit only: flush_coverage() raises it again as the child
        // ends (lowering the hard one would truncate the coverage data, and
        // corrupt it for every later process, where root lacks
        // CAP_SYS_RESOURCE, as in CI's container).
        struct rlimit limit {};
        if (getrlimit(RLIMIT_FSIZE, &limit) != 0) return 96;
        limit.rlim_cur = max_file_size;
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return 96;
        return body();
    });
}

bool use_up_descriptors() {
    struct rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    limit.rlim_cur = 64;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    while (::open("/dev/null", O_RDONLY) >= 0) {
    }
    return errno == EMFILE;
}
#endif

#ifdef __linux__
int run_on_private_tmpfs(const fs::path& mount_point, const std::string& options,
                         const std::function<int()>& body) {
    return run_in_child([&] {
        // The new namespace starts as a copy of ours: made private first, so
        // that not even an unmount propagates back.
        if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            mount("tmpfs", mount_point.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
            return no_private_mounts;
        return body();
    });
}

bool fill_until_full(const fs::path& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return errno == ENOSPC;
    static const char zeros[4096] = {};
    for (;;) {
        ssize_t put = ::write(fd, zeros, sizeof zeros);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) {
            bool full = put < 0 && errno == ENOSPC;
            ::close(fd);
            return full;
        }
    }
}
#endif

}  // namespace tempfile_test

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::UnitTest::GetInstance()->listeners().Append(new tempfile_test::private_directory_listener);
    int result = RUN_ALL_TESTS();
    if (tempfile_test::g_leaked) {
        std::cerr << "FAILED: a test left files or descriptors behind (see LEAK lines above)\n";
        return 1;
    }
    return result;
}
