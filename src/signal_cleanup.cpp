// SPDX-License-Identifier: MIT
// The registry of live owners that enable_signal_cleanup()'s handler walks.
// Portable: the handler itself, which is the operating system's business,
// lives in src/posix/signal_cleanup_posix.cpp.
#include "names_internal.hpp"
#include "owner_registry.hpp"

#include <cstring>
#include <new>

namespace tempfile::detail {

std::atomic<registry_entry*> registry_slots[registry_capacity];
std::atomic<int> registry_readers{0};

namespace {
// Where the next search for a free slot starts, so that registrations spread
// over the array instead of all scanning the same taken slots first.
std::atomic<std::size_t> next_slot{0};
}  // namespace

registry_entry* register_owned(const fs::path& path, owned_kind kind) noexcept {
    const fs::path::string_type& text = path.native();
    auto* copy = new (std::nothrow) fs::path::value_type[text.size() + 1];
    if (copy == nullptr) return nullptr;
    std::memcpy(copy, text.c_str(), (text.size() + 1) * sizeof(fs::path::value_type));
    auto* entry = new (std::nothrow) registry_entry{copy, current_generation(), 0, kind};
    if (entry == nullptr) {
        delete[] copy;
        return nullptr;
    }
    std::size_t start = next_slot.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < registry_capacity; ++i) {
        std::size_t slot = (start + i) % registry_capacity;
        entry->slot = slot;  // written before the entry is published below
        registry_entry* expected = nullptr;
        if (registry_slots[slot].compare_exchange_strong(expected, entry)) return entry;
    }
    delete[] copy;
    delete entry;
    return nullptr;
}

void unregister_owned(registry_entry*& entry) noexcept {
    if (entry == nullptr) return;
    registry_entry* expected = entry;
    // Sequentially consistent on both sides (Dekker): either the handler
    // registered as a reader before this exchange, and we see it and leak the
    // entry, or its later load of the slot finds it empty.
    bool withdrawn = registry_slots[entry->slot].compare_exchange_strong(expected, nullptr);
    if (withdrawn && registry_readers.load() == 0) {
        delete[] entry->path;
        delete entry;
    }
    entry = nullptr;
}

}  // namespace tempfile::detail
