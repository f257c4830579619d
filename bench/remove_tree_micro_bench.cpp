// SPDX-License-Identifier: MIT
// remove_tree against std::filesystem::remove_all: small trees, where the
// cost per call shows (an empty directory: one rmdir for remove_tree; a
// directory of 10 files), and large ones: 100,000 files in 100 directories,
// and a chain 10,000 directories deep (paths far past PATH_MAX, which
// remove_all cannot take: it is timed for remove_tree alone). Building the
// tree is not timed.
#include "allocation_counter.hpp"

#include <tempfile/remove_tree.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {
namespace fs = std::filesystem;

fs::path scratch() {
    const char* tmp = std::getenv("TMPDIR");
    return fs::path(tmp && *tmp ? tmp : "/tmp") / "remove-tree-micro-bench";
}

// `dirs` directories of `files` empty files each; 0 directories: `files`
// files in root itself.
void make_wide(const fs::path& root, int dirs, int files) {
    fs::create_directory(root);
    const int levels = dirs == 0 ? 1 : dirs;
    for (int d = 0; d < levels; ++d) {
        const fs::path dir = dirs == 0 ? root : root / std::to_string(d);
        fs::create_directory(dir);
        const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (int f = 0; dfd >= 0 && f < files; ++f) {
            const int fd =
                ::openat(dfd, std::to_string(f).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd >= 0) ::close(fd);
        }
        if (dfd >= 0) ::close(dfd);
    }
}

// Built relative to a handle: the paths pass PATH_MAX.
void make_chain(const fs::path& root, int depth) {
    fs::create_directory(root);
    int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int level = 0; fd >= 0 && level < depth; ++level) {
        ::mkdirat(fd, "d", 0700);
        const int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ::close(fd);
        fd = next;
    }
    if (fd >= 0) ::close(fd);
}

template <class Make, class Remove>
void run(benchmark::State& state, Make make, Remove remove) {
    const fs::path root = scratch();
    bench::allocation_scope allocations;
    for (auto _ : state) {
        state.PauseTiming();
        make(root);
        state.ResumeTiming();
        std::error_code ec;
        benchmark::DoNotOptimize(remove(root, ec));
        if (ec) {
            state.SkipWithError(ec.message().c_str());
            std::error_code ignored;
            tempfile::remove_tree(root, ignored);
            break;
        }
    }
    allocations.report(state);
}

auto ours = [](const fs::path& p, std::error_code& ec) { return tempfile::remove_tree(p, ec); };
auto theirs = [](const fs::path& p, std::error_code& ec) { return fs::remove_all(p, ec); };

// Arguments: directories, files in each (0 directories: files in the root).
void remove_tree_wide(benchmark::State& state) {
    const int dirs = static_cast<int>(state.range(0)), files = static_cast<int>(state.range(1));
    run(
        state, [&](const fs::path& root) { make_wide(root, dirs, files); }, ours);
}
void std_remove_all_wide(benchmark::State& state) {
    const int dirs = static_cast<int>(state.range(0)), files = static_cast<int>(state.range(1));
    run(
        state, [&](const fs::path& root) { make_wide(root, dirs, files); }, theirs);
}
void remove_tree_chain(benchmark::State& state) {
    const int depth = static_cast<int>(state.range(0));
    run(
        state, [&](const fs::path& root) { make_chain(root, depth); }, ours);
}

void wide_sizes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"dirs", "files"})->Args({0, 0})->Args({0, 10});
}
void large(benchmark::internal::Benchmark* b) {
    b->ArgNames({"dirs", "files"})->Args({100, 1000})->Iterations(3)->Unit(benchmark::kMillisecond);
}

BENCHMARK(remove_tree_wide)->Apply(wide_sizes);
BENCHMARK(std_remove_all_wide)->Apply(wide_sizes);
BENCHMARK(remove_tree_wide)->Apply(large);
BENCHMARK(std_remove_all_wide)->Apply(large);
BENCHMARK(remove_tree_chain)->ArgName("depth")->Arg(10000)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
