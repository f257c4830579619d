// SPDX-License-Identifier: MIT
#pragma once
// Heap allocations made through operator new, counted by the replacing
// operator new in allocation_counter.cpp (linked into every Google Benchmark
// binary here), and reported per iteration as the "allocs/op" counter.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>

namespace bench {

/// Every operator new (any form) made by the process so far.
std::uint64_t allocations() noexcept;

/// Counts the allocations of a benchmark's timed loop: construct before the
/// loop, call report(state) after it.
class allocation_scope {
public:
    allocation_scope() noexcept : start_(allocations()) {}
    void report(benchmark::State& state) const {
        state.counters["allocs/op"] = benchmark::Counter(static_cast<double>(allocations() - start_),
                                                         benchmark::Counter::kAvgIterations);
    }

private:
    std::uint64_t start_;
};

}  // namespace bench
