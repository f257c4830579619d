// SPDX-License-Identifier: MIT
// Writing: a spooled file that stays in memory and one that rolls over, and
// chunks of 16 B, 4 KiB and 64 KiB written through file::write, through
// file::stream() and, for comparison, through write(2) and fwrite(3) on a
// file of the same kind.
#include "allocation_counter.hpp"

#include <tempfile/tempfile.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace {

// The file position goes back to 0 after this much, so that a long run
// does not fill the file system; rare enough not to show in the timing.
constexpr std::size_t wrap_at = std::size_t{16} << 20;

// 64 writes of 16 bytes into a spooled file whose max_size they never
// reach (memory only), or of 1 KiB into one of max_size 4 KiB (rolls over
// at the fifth write): create, write, destroy.
void spooled(benchmark::State& state, std::size_t max_size, std::size_t chunk) {
    const std::vector<char> data(chunk, 'x');
    bench::allocation_scope allocations;
    for (auto _ : state) {
        tempfile::spooled_temporary_file f(max_size);
        for (int i = 0; i < 64; ++i) f.write(data.data(), data.size());
        benchmark::DoNotOptimize(f.rolled_over());
    }
    allocations.report(state);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 64 * chunk));
}

void spooled_in_memory(benchmark::State& state) {
    spooled(state, 1 << 20, 16);
}
void spooled_rollover(benchmark::State& state) {
    spooled(state, 4096, 1024);
}

// One chunk per iteration through `write_chunk`; `rewind` resets the
// position every wrap_at bytes.
template <class Write, class Rewind>
void chunks(benchmark::State& state, Write write_chunk, Rewind rewind) {
    const std::size_t size = static_cast<std::size_t>(state.range(0));
    const std::vector<char> data(size, 'x');
    std::size_t written = 0;
    bench::allocation_scope allocations;
    for (auto _ : state) {
        write_chunk(data.data(), size);
        if ((written += size) >= wrap_at) {
            rewind();
            written = 0;
        }
    }
    allocations.report(state);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void file_write(benchmark::State& state) {
    tempfile::temporary_file f;
    chunks(
        state, [&](const char* p, std::size_t n) { f.write(p, n); }, [&] { f.seek(0); });
}

void file_stream(benchmark::State& state) {
    tempfile::temporary_file f;
    std::iostream& s = f.stream();
    chunks(
        state, [&](const char* p, std::size_t n) { s.write(p, static_cast<std::streamsize>(n)); },
        [&] { s.seekp(0); });
    s.flush();
}

void posix_write(benchmark::State& state) {
    tempfile::temporary_file f;
    const int fd = f.native_handle();
    chunks(
        state,
        [&](const char* p, std::size_t n) {
            if (::write(fd, p, n) != static_cast<ssize_t>(n)) state.SkipWithError("write");
        },
        [&] { ::lseek(fd, 0, SEEK_SET); });
}

void stdio_fwrite(benchmark::State& state) {
    tempfile::temporary_file f;
    std::FILE* out = ::fdopen(::dup(f.native_handle()), "w");
    if (!out) {
        state.SkipWithError("fdopen");
        return;
    }
    chunks(
        state, [&](const char* p, std::size_t n) { std::fwrite(p, 1, n, out); },
        [&] { std::fseek(out, 0, SEEK_SET); });
    std::fclose(out);
}

void sizes(benchmark::internal::Benchmark* b) {
    b->ArgName("bytes")->Arg(16)->Arg(4096)->Arg(65536);
}

BENCHMARK(spooled_in_memory);
BENCHMARK(spooled_rollover);
BENCHMARK(file_write)->Apply(sizes);
BENCHMARK(file_stream)->Apply(sizes);
BENCHMARK(posix_write)->Apply(sizes);
BENCHMARK(stdio_fwrite)->Apply(sizes);

}  // namespace
