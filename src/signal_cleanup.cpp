// SPDX-License-Identifier: MIT
// The registry of live owners that enable_signal_cleanup()'s handler walks.
// Portable: the handler itself, which is the operating system's business,
// lives in src/posix/signal_cleanup_posix.cpp.
#include "names_internal.hpp"
#include "owner_registry.hpp"

#include <cstring>
#include <new>

namespace tempfile::detail {

registry_chunk registry_first_chunk;
std::atomic<int> registry_readers{0};

namespace {
// Where the next search for a free slot starts, so that registrations spread
// over the slots instead of all scanning the same taken ones first.
std::atomic<std::size_t> next_slot{0};
// Chunks in the list (at least; one may be being appended).
std::atomic<std::size_t> chunk_count{1};

registry_chunk* next_or_first(registry_chunk* chunk) noexcept {
    registry_chunk* next = chunk->next.load();
    return next != nullptr ? next : &registry_first_chunk;
}

/// Publishes `entry` in a free slot of the existing chunks, starting near
/// `start`. False if every slot was taken.
bool publish(registry_entry* entry, std::size_t start) noexcept {
    const std::size_t chunks = chunk_count.load();
    registry_chunk* chunk = &registry_first_chunk;
    for (std::size_t skip = (start / registry_chunk_size) % chunks; skip > 0; --skip)
        chunk = next_or_first(chunk);
    for (std::size_t visited = 0; visited < chunks; ++visited, chunk = next_or_first(chunk)) {
        for (std::size_t i = 0; i < registry_chunk_size; ++i) {
            auto& slot = chunk->slots[(start + i) % registry_chunk_size];
            entry->slot = &slot;  // written before the entry is published below
            registry_entry* expected = nullptr;
            if (slot.compare_exchange_strong(expected, entry)) return true;
        }
    }
    return false;
}

/// Appends a chunk holding `entry` in its first slot. False if memory is
/// short. The chunk is complete before the one CAS that makes it visible,
/// and is never freed after.
bool publish_in_new_chunk(registry_entry* entry) noexcept {
    // cppcheck 2.10 takes the value-initialized new-expression for an
    // uninitialized variable.
    // cppcheck-suppress legacyUninitvar
    auto* fresh = new (std::nothrow) registry_chunk{};
    if (fresh == nullptr) return false;
    entry->slot = &fresh->slots[0];
    fresh->slots[0].store(entry, std::memory_order_relaxed);
    registry_chunk* last = &registry_first_chunk;
    for (;;) {
        for (registry_chunk* next; (next = last->next.load()) != nullptr;) last = next;
        registry_chunk* expected = nullptr;
        if (last->next.compare_exchange_strong(expected, fresh))
            break;  // else another thread appended: go past it
    }
    chunk_count.fetch_add(1);
    return true;
}
}  // namespace

registry_entry* register_owned(const fs::path& path, owned_kind kind) noexcept {
    const fs::path::string_type& text = path.native();
    auto* copy = new (std::nothrow) fs::path::value_type[text.size() + 1];
    if (copy == nullptr) return nullptr;
    std::memcpy(copy, text.c_str(), (text.size() + 1) * sizeof(fs::path::value_type));
    auto* entry = new (std::nothrow) registry_entry{copy, current_generation(), nullptr, kind};
    if (entry == nullptr) {
        delete[] copy;
        return nullptr;
    }
    if (publish(entry, next_slot.fetch_add(1, std::memory_order_relaxed)) || publish_in_new_chunk(entry))
        return entry;
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
    bool withdrawn = entry->slot->compare_exchange_strong(expected, nullptr);
    if (withdrawn && registry_readers.load() == 0) {
        delete[] entry->path;
        delete entry;
    }
    entry = nullptr;
}

}  // namespace tempfile::detail
