// SPDX-License-Identifier: MIT
// The replacing operator new of counting_new.hpp: malloc underneath, so that
// every operator delete (plain, sized, array, nothrow) is free().
#include "counting_new.hpp"

#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

// Per thread, and trivially initialized: safe to touch from operator new at
// any time, before main() included.
thread_local std::size_t allocations = 0;     // made by this thread, ever
thread_local std::size_t fail_at = SIZE_MAX;  // the allocation number that fails
thread_local bool reached = false;

void* allocate(std::size_t size) noexcept {
    const std::size_t number = allocations++;
    if (number == fail_at) {
        reached = true;
        return nullptr;
    }
    return std::malloc(size == 0 ? 1 : size);
}

void* allocate_or_throw(std::size_t size) {
    void* p = allocate(size);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

}  // namespace

namespace tempfile_test {

allocation_counter::allocation_counter() noexcept : start_(allocations) {}
allocation_counter::~allocation_counter() = default;
std::size_t allocation_counter::count() const noexcept {
    return allocations - start_;
}

fail_nth_allocation::fail_nth_allocation(std::size_t n) noexcept {
    reached = false;
    fail_at = allocations + n;
}
fail_nth_allocation::~fail_nth_allocation() {
    fail_at = SIZE_MAX;
}
bool fail_nth_allocation::failed() const noexcept {
    return reached;
}

}  // namespace tempfile_test

void* operator new(std::size_t size) {
    return allocate_or_throw(size);
}
void* operator new[](std::size_t size) {
    return allocate_or_throw(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return allocate(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return allocate(size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
