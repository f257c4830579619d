// SPDX-License-Identifier: MIT
// A replacing operator new that counts, on malloc; the deletes are replaced
// too, so that they free what these allocated. The standard library builds
// the nothrow forms on these.
#include "allocation_counter.hpp"

#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> counter{0};

void* allocate(std::size_t n) {
    counter.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}

void* allocate_aligned(std::size_t n, std::size_t alignment) {
    counter.fetch_add(1, std::memory_order_relaxed);
    void* p = nullptr;
    if (::posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, n ? n : 1) == 0) return p;
    throw std::bad_alloc();
}
}  // namespace

std::uint64_t bench::allocations() noexcept {
    return counter.load(std::memory_order_relaxed);
}

void* operator new(std::size_t n) {
    return allocate(n);
}
void* operator new[](std::size_t n) {
    return allocate(n);
}
void* operator new(std::size_t n, std::align_val_t alignment) {
    return allocate_aligned(n, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t n, std::align_val_t alignment) {
    return allocate_aligned(n, static_cast<std::size_t>(alignment));
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
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
