// SPDX-License-Identifier: MIT
// Small trees, where the cost per call shows: an empty directory (one rmdir
// for remove_tree) and a directory of a few files, against
// std::filesystem::remove_all. Tree building is excluded from the timing.
#include <tempfile/remove_tree.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace {
namespace fs = std::filesystem;

fs::path scratch() {
    const char* tmp = std::getenv("TMPDIR");
    return fs::path(tmp && *tmp ? tmp : "/tmp") / "remove-tree-micro-bench";
}

void make_tree(const fs::path& root, int files) {
    fs::create_directory(root);
    for (int i = 0; i < files; ++i) std::ofstream(root / std::to_string(i));
}

template <class Remove>
void run(benchmark::State& state, Remove remove) {
    const fs::path root = scratch();
    const int files = static_cast<int>(state.range(0));
    for (auto _ : state) {
        state.PauseTiming();
        make_tree(root, files);
        state.ResumeTiming();
        std::error_code ec;
        benchmark::DoNotOptimize(remove(root, ec));
        if (ec) state.SkipWithError(ec.message().c_str());
    }
}

void remove_tree(benchmark::State& state) {
    run(state, [](const fs::path& p, std::error_code& ec) { return tempfile::remove_tree(p, ec); });
}
void std_remove_all(benchmark::State& state) {
    run(state, [](const fs::path& p, std::error_code& ec) { return fs::remove_all(p, ec); });
}

BENCHMARK(remove_tree)->Arg(0)->Arg(10);
BENCHMARK(std_remove_all)->Arg(0)->Arg(10);

}  // namespace
