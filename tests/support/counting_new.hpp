// SPDX-License-Identifier: MIT
#pragma once
// A replacement of the global operator new (tests/support/counting_new.cpp)
// that counts allocations and can make one fail, for the test binaries that
// link it (see tests/CMakeLists.txt): the others keep the standard one.
//
// Both act on the calling thread only, so that gtest's or another thread's
// allocations neither count nor fail. Every form of operator new and new[]
// is covered (plain and nothrow); the over-aligned ones are left standard
// (the library allocates nothing over-aligned).
#include <cstddef>

namespace tempfile_test {

/// Counts the allocations this thread makes while the object lives.
class allocation_counter {
public:
    allocation_counter() noexcept;
    ~allocation_counter();
    allocation_counter(const allocation_counter&) = delete;
    allocation_counter& operator=(const allocation_counter&) = delete;
    /// Allocations so far (failed ones included).
    std::size_t count() const noexcept;

private:
    std::size_t start_;
};

/// While the object lives, the allocation number `n` (0: the next one) made
/// by this thread fails: operator new throws std::bad_alloc, the nothrow
/// form returns nullptr. The ones before and after succeed.
class fail_nth_allocation {
public:
    explicit fail_nth_allocation(std::size_t n) noexcept;
    ~fail_nth_allocation();
    fail_nth_allocation(const fail_nth_allocation&) = delete;
    fail_nth_allocation& operator=(const fail_nth_allocation&) = delete;
    /// Whether the n-th allocation was reached (and so failed).
    bool failed() const noexcept;
};

}  // namespace tempfile_test
