// SPDX-License-Identifier: MIT
// Create + destroy of every owner, mkstemp and mkdtemp, and gettempdir()
// once cached: the hot path, with its heap allocations per operation
// ("allocs/op"). Things go where gettempdir() says ($TMPDIR), or, for the
// "dir" variants, into a scratch directory named absolutely or relatively.
#include "allocation_counter.hpp"

#include <tempfile/tempfile.hpp>

#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <system_error>

#include <unistd.h>

namespace {
namespace fs = std::filesystem;

enum class where { default_dir, absolute_dir, relative_dir };

// A scratch directory for the explicit-dir variants; relative_dir also
// makes it the working directory for the benchmark's length.
class place {
public:
    explicit place(where w) {
        if (w == where::default_dir) return;
        scratch_.emplace();
        if (w == where::absolute_dir) {
            dir_ = scratch_->path();
        } else {
            old_cwd_ = fs::current_path();
            fs::current_path(scratch_->path());
            fs::create_directory("sub");
            dir_ = "sub";
        }
    }
    ~place() {
        if (!old_cwd_.empty()) fs::current_path(old_cwd_);
    }
    place(const place&) = delete;
    place& operator=(const place&) = delete;
    const fs::path& dir() const { return dir_; }

private:
    std::optional<tempfile::temporary_directory> scratch_;
    fs::path dir_;
    fs::path old_cwd_;
};

// The options are made once, outside the timed loop: copying a path
// allocates, and that would be the benchmark's cost, not the library's.
template <class Options, class Op>
void run(benchmark::State& state, Op op) {
    place p(static_cast<where>(state.range(0)));
    Options options;
    options.dir = p.dir();
    bench::allocation_scope allocations;
    for (auto _ : state) {
        std::error_code ec;
        op(options, ec);
        if (ec) {
            state.SkipWithError(ec.message().c_str());
            break;
        }
    }
    allocations.report(state);
}

void named_temporary_file(benchmark::State& state) {
    run<tempfile::named_file_options>(state, [](const auto& options, std::error_code& ec) {
        auto f = tempfile::named_temporary_file::create(options, ec);
        benchmark::DoNotOptimize(f.native_handle());
    });
}

void temporary_file(benchmark::State& state) {
    run<tempfile::name_options>(state, [](const auto& options, std::error_code& ec) {
        auto f = tempfile::temporary_file::create(options, ec);
        benchmark::DoNotOptimize(f.native_handle());
    });
}

void temporary_directory(benchmark::State& state) {
    run<tempfile::directory_options>(state, [](const auto& options, std::error_code& ec) {
        auto d = tempfile::temporary_directory::create(options, ec);
        benchmark::DoNotOptimize(d.path().native().data());
    });
}

void mkstemp(benchmark::State& state) {
    run<tempfile::name_options>(state, [](const auto& options, std::error_code& ec) {
        tempfile::created_file made = tempfile::mkstemp(options, false, ec);
        if (ec) return;
        made.handle.close();
        ::unlink(made.path.c_str());
    });
}

void mkdtemp(benchmark::State& state) {
    run<tempfile::name_options>(state, [](const auto& options, std::error_code& ec) {
        const fs::path made = tempfile::mkdtemp(options, ec);
        if (!ec) ::rmdir(made.c_str());
    });
}

void gettempdir_cached(benchmark::State& state) {
    std::error_code ec;
    tempfile::gettempdir(ec);  // the first call probes
    bench::allocation_scope allocations;
    for (auto _ : state) benchmark::DoNotOptimize(tempfile::gettempdir(ec));
    allocations.report(state);
}

void with_places(benchmark::internal::Benchmark* b) {
    b->ArgName("dir");
    for (where w : {where::default_dir, where::absolute_dir, where::relative_dir})
        b->Arg(static_cast<int>(w));
}

BENCHMARK(named_temporary_file)->Apply(with_places);
BENCHMARK(temporary_file)->Apply(with_places);
BENCHMARK(temporary_directory)->Apply(with_places);
BENCHMARK(mkstemp)->Apply(with_places);
BENCHMARK(mkdtemp)->Apply(with_places);
BENCHMARK(gettempdir_cached);

}  // namespace
