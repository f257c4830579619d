// SPDX-License-Identifier: MIT
// remove_tree against its peers: `rm -rf`, std::filesystem::remove_all and
// Python's shutil.rmtree, on a wide tree (files in directories) and a deep
// chain. Each run builds a fresh tree per remover (not timed), and the
// removers take turns in a rotating order so that drifts in the machine's
// load fall on all of them alike. Prints the median times and their ratios
// to `rm -rf`, and which removers failed or left anything behind.
//
//   remove_tree_bench [--runs N] [--dirs N] [--files N] [--depth N]
//                     [--nofile N] [--in DIR] [--only wide|chain]
//                     [--clock wall|cpu] [--csv FILE]
//
// `rm -rf` and Python are separate processes: rm's time includes its start
// (measured on a missing path and printed, so it can be discounted);
// Python's is measured inside the interpreter around rmtree alone.
// --clock cpu measures CPU time (user + system) instead of elapsed time:
// the process's own for the in-process removers, rm's from wait4, Python's
// process_time. --csv appends "tree,files,remover,median_seconds,failures"
// lines to FILE (bench/compare.sh reads them).
#include <tempfile/remove_tree.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

struct options {
    int runs = 5;
    int dirs = 100;
    int files = 1000;  // per directory
    int depth = 10000;
    rlim_t nofile = 0;  // 0: leave the limit alone
    fs::path in;
    std::string only;
    bool cpu_clock = false;
    std::string csv;
};

bool cpu_clock = false;  // options::cpu_clock, for the removers

// Seconds on the chosen clock: CPU time of this process, or elapsed time.
double now_seconds() {
    if (!cpu_clock) return std::chrono::duration<double>(clock_type::now().time_since_epoch()).count();
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "remove_tree_bench: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

void make_wide(const fs::path& root, const options& o) {
    if (::mkdir(root.c_str(), 0700) != 0) die("mkdir " + root.string());
    for (int d = 0; d < o.dirs; ++d) {
        const fs::path dir = root / std::to_string(d);
        if (::mkdir(dir.c_str(), 0700) != 0) die("mkdir " + dir.string());
        int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) die("open " + dir.string());
        for (int f = 0; f < o.files; ++f) {
            const std::string name = std::to_string(f);
#ifdef __linux__
            // One call, where closing a new file can be slow.
            if (::mknodat(dfd, name.c_str(), S_IFREG | 0600, 0) == 0) continue;
#endif
            int fd = ::openat(dfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd < 0) die("create file");
            ::close(fd);
        }
        ::close(dfd);
    }
}

// Built relative to a handle: its paths are far longer than PATH_MAX.
void make_chain(const fs::path& root, const options& o) {
    if (::mkdir(root.c_str(), 0700) != 0) die("mkdir " + root.string());
    int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int level = 0; fd >= 0 && level < o.depth; ++level) {
        if (::mkdirat(fd, "d", 0700) != 0) die("mkdirat");
        int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ::close(fd);
        fd = next;
    }
    if (fd < 0) die("open chain");
    ::close(fd);
}

void sync_file_system(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) die("open " + dir.string());
#ifdef __linux__
    ::syncfs(fd);
#else
    ::sync();
#endif
    ::close(fd);
}

// Runs args, collects its standard output in *out (if given); *cpu_seconds
// (if given) gets the child's CPU time, user + system, from wait4.
int spawn_and_wait(const std::vector<std::string>& args, std::string* out, double* cpu_seconds = nullptr) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) die("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    if (rc != 0) {
        ::close(pipe_fds[0]);
        return -1;
    }
    char buf[256];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;)
        if (out) out->append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    struct rusage usage {};
    ::wait4(pid, &status, 0, &usage);
    if (cpu_seconds) {
        const auto seconds = [](const timeval& tv) {
            return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
        };
        *cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// One remover: removes `root`, returns seconds, or a negative value if it
// reported failure.
using remover = std::function<double(const fs::path&)>;

double seconds_since(double start) {
    return now_seconds() - start;
}

double run_ours(const fs::path& root) {
    const double start = now_seconds();
    std::error_code ec;
    tempfile::remove_tree(root, ec);
    const double s = seconds_since(start);
    return ec ? -1 : s;
}

double run_std(const fs::path& root) {
    const double start = now_seconds();
    std::error_code ec;
    fs::remove_all(root, ec);
    const double s = seconds_since(start);
    return ec ? -1 : s;
}

double run_rm(const fs::path& root) {
    const double start = now_seconds();
    double cpu = 0;
    const int status = spawn_and_wait({"rm", "-rf", "--", root.string()}, nullptr, &cpu);
    const double s = cpu_clock ? cpu : seconds_since(start);
    return status == 0 ? s : -1;
}

double run_python(const fs::path& root) {
    std::string out;
    const int status =
        spawn_and_wait({"python3", "-c",
                        "import shutil, sys, time\n"
                        "clock = time.process_time if sys.argv[2] == 'cpu' else time.perf_counter\n"
                        "t = clock(); shutil.rmtree(sys.argv[1]); print(clock() - t)\n",
                        root.string(), cpu_clock ? "cpu" : "wall"},
                       &out);
    return status == 0 ? std::atof(out.c_str()) : -1;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct result {
    std::vector<double> times;
    int failures = 0;
};

void bench_tree(const std::string& kind, const std::function<void(const fs::path&)>& make, const options& o) {
    const std::vector<std::pair<std::string, remover>> removers = {
        {"tempfile::remove_tree", run_ours},
        {"rm -rf", run_rm},
        {"std::filesystem::remove_all", run_std},
        {"python3 shutil.rmtree", run_python},
    };
    std::map<std::string, result> results;
    for (int run = 0; run < o.runs; ++run) {
        for (std::size_t i = 0; i < removers.size(); ++i) {
            const auto& [name, remove] = removers[(i + static_cast<std::size_t>(run)) % removers.size()];
            const fs::path root = o.in / ("remove-tree-bench-" + kind);
            make(root);
            sync_file_system(o.in);  // nothing of the build left to write back meanwhile
            const double s = remove(root);
            struct stat st;
            const bool left = ::lstat(root.c_str(), &st) == 0;
            if (s < 0 || left) {
                ++results[name].failures;
                std::error_code ec;
                tempfile::remove_tree(root, ec);  // the only one that is sure to manage
                if (ec) die("cleanup: " + ec.message());
            } else {
                results[name].times.push_back(s);
            }
        }
    }
    const double rm_median = median(results["rm -rf"].times);
    std::printf("\n%s tree, %d runs (median seconds, ratio to rm -rf):\n", kind.c_str(), o.runs);
    for (const auto& [name, remove] : removers) {
        const result& r = results[name];
        if (r.times.empty()) {
            std::printf("  %-30s failed in every run\n", name.c_str());
            continue;
        }
        const double m = median(r.times);
        std::printf("  %-30s %9.4f s  %5.2fx", name.c_str(), m, rm_median > 0 ? m / rm_median : 0.0);
        if (r.failures) std::printf("  (failed %d of %d runs)", r.failures, o.runs);
        std::printf("\n");
    }
    if (!o.csv.empty()) {
        std::FILE* out = std::fopen(o.csv.c_str(), "a");
        if (!out) die("open " + o.csv);
        const long files = kind == "wide" ? static_cast<long>(o.dirs) * o.files : o.depth;
        for (const auto& [name, remove] : removers) {
            const result& r = results[name];
            std::fprintf(out, "%s,%ld,%s,%.6f,%d\n", kind.c_str(), files, name.c_str(),
                         r.times.empty() ? -1.0 : median(r.times), r.failures);
        }
        std::fclose(out);
    }
}

options parse(int argc, char** argv) {
    options o;
    const char* tmp = std::getenv("TMPDIR");
    o.in = tmp && *tmp ? tmp : "/tmp";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const char* value = argv[i + 1];
        if (flag == "--runs")
            o.runs = std::atoi(value);
        else if (flag == "--dirs")
            o.dirs = std::atoi(value);
        else if (flag == "--files")
            o.files = std::atoi(value);
        else if (flag == "--depth")
            o.depth = std::atoi(value);
        else if (flag == "--nofile")
            o.nofile = static_cast<rlim_t>(std::atol(value));
        else if (flag == "--in")
            o.in = value;
        else if (flag == "--only")
            o.only = value;
        else if (flag == "--clock" && (std::strcmp(value, "cpu") == 0 || std::strcmp(value, "wall") == 0))
            o.cpu_clock = std::strcmp(value, "cpu") == 0;
        else if (flag == "--csv")
            o.csv = value;
        else {
            std::fprintf(stderr,
                         "usage: remove_tree_bench [--runs N] [--dirs N] [--files N] [--depth N] "
                         "[--nofile N] [--in DIR] [--only wide|chain] [--clock wall|cpu] [--csv FILE]\n");
            std::exit(2);
        }
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const options o = parse(argc, argv);
    cpu_clock = o.cpu_clock;
    if (o.nofile != 0) {
        struct rlimit lim;
        ::getrlimit(RLIMIT_NOFILE, &lim);
        lim.rlim_cur = o.nofile;
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) die("setrlimit");
    }
    struct rlimit lim;
    ::getrlimit(RLIMIT_NOFILE, &lim);
    std::printf("in %s, RLIMIT_NOFILE %llu\n", o.in.c_str(), static_cast<unsigned long long>(lim.rlim_cur));

    std::vector<double> spawn;
    for (int i = 0; i < 5; ++i) {
        const double start = now_seconds();
        double cpu = 0;
        spawn_and_wait({"rm", "-rf", "--", (o.in / "remove-tree-bench-missing").string()}, nullptr, &cpu);
        spawn.push_back(cpu_clock ? cpu : seconds_since(start));
    }
    std::printf("rm -rf on a missing path (process start alone): %.4f s median (%s)\n", median(spawn),
                cpu_clock ? "CPU time" : "elapsed");

    if (o.only.empty() || o.only == "wide") {
        bench_tree(
            "wide", [&](const fs::path& root) { make_wide(root, o); }, o);
    }
    if (o.only.empty() || o.only == "chain") {
        bench_tree(
            "chain", [&](const fs::path& root) { make_chain(root, o); }, o);
    }
    return 0;
}
