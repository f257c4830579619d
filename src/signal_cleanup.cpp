// SPDX-License-Identifier: MIT
// The registry of live owners that enable_signal_cleanup()'s handler walks.
// Portable: the handler itself, which is the operating system's business,
// lives in src/posix/signal_cleanup_posix.cpp.
#include "names_internal.hpp"
#include "os.hpp"
#include "owner_registry.hpp"

#include <cstring>
#include <new>

namespace tempfile::detail {

registry_chunk registry_first_chunk;
registry_entry registry_busy;
std::atomic<int> registry_readers{0};

namespace {
using char_type = fs::path::value_type;

// Where the search for a free slot starts: at or below the lowest free slot,
// as far as the races between threads allow (a stale hint only costs a
// longer search, never a wrong result: each slot is taken by its own CAS).
std::atomic<std::size_t> lowest_free{0};
// Chunks in the list (at least; one may be being appended).
std::atomic<std::size_t> chunk_count{1};

// A fork()ed child has no handler walking the registry (its one thread is
// the one that called fork()), whatever the count it copied says: a count
// copied above zero would keep every owner the child destroys from freeing
// its slot, for the life of the child. Nothing is taken before fork(): a
// walking handler cannot be waited for (see signal_cleanup_posix.cpp).
// (After a fork() from a handler that interrupted our own walk, which is
// not supported, the count ends at -1 in that child: slots are then lost,
// as they were before, but nothing is ever freed under a reader.)
void no_reader_in_child() {
    registry_readers.store(0);
}
[[maybe_unused]] const bool fork_handler = os::at_fork(nullptr, nullptr, no_reader_in_child);

registry_chunk* next_or_first(registry_chunk* chunk) noexcept {
    registry_chunk* next = chunk->next.load();
    return next != nullptr ? next : &registry_first_chunk;
}

// Marks a free slot of the existing chunks busy, searching from the hint
// and wrapping around once. Returns its entry, or null if all are taken.
registry_entry* claim_slot() noexcept {
    const std::size_t total = chunk_count.load() * registry_chunk_size;
    const std::size_t start = lowest_free.load(std::memory_order_relaxed) % total;
    registry_chunk* chunk = &registry_first_chunk;
    for (std::size_t skip = start / registry_chunk_size; skip > 0; --skip) chunk = next_or_first(chunk);
    std::size_t index = start;
    for (std::size_t visited = 0; visited < total; ++visited) {
        const std::size_t i = index % registry_chunk_size;
        auto& slot = chunk->slots[i];
        registry_entry* expected = nullptr;
        if (slot.load(std::memory_order_relaxed) == nullptr &&
            slot.compare_exchange_strong(expected, &registry_busy)) {
            std::size_t hint = start;
            lowest_free.compare_exchange_strong(hint, index + 1, std::memory_order_relaxed);
            registry_entry* entry = &chunk->entries[i];
            entry->slot = &slot;
            entry->index = index;
            return entry;
        }
        if (++index == total) {  // wrap around to the first slot
            index = 0;
            chunk = &registry_first_chunk;
        } else if (i + 1 == registry_chunk_size) {
            chunk = next_or_first(chunk);
        }
    }
    return nullptr;
}

// Appends a chunk whose first slot is marked busy, and returns that slot's
// entry; null if memory is short. The chunk is complete before the one CAS
// that makes it visible, and is never freed after.
registry_entry* claim_in_new_chunk() noexcept {
    // cppcheck 2.10 takes the value-initialized new-expression for an
    // uninitialized variable.
    // cppcheck-suppress legacyUninitvar
    auto* fresh = new (std::nothrow) registry_chunk{};
    if (fresh == nullptr) return nullptr;
    fresh->slots[0].store(&registry_busy, std::memory_order_relaxed);
    registry_chunk* last = &registry_first_chunk;
    std::size_t chunks = 1;
    for (;;) {
        for (registry_chunk* next; (next = last->next.load()) != nullptr; ++chunks) last = next;
        registry_chunk* expected = nullptr;
        if (last->next.compare_exchange_strong(expected, fresh))
            break;  // else another thread appended: go past it
    }
    chunk_count.fetch_add(1);
    registry_entry* entry = &fresh->entries[0];
    entry->slot = &fresh->slots[0];
    entry->index = chunks * registry_chunk_size;
    return entry;
}

// Makes the slot of `entry` free again, and lowers the hint to it. The
// entry is read before the store: from there on another thread may take the
// slot and write its entry.
void release_slot(registry_entry* entry) noexcept {
    const std::size_t index = entry->index;
    entry->slot->store(nullptr);
    std::size_t hint = lowest_free.load(std::memory_order_relaxed);
    while (index < hint && !lowest_free.compare_exchange_weak(hint, index, std::memory_order_relaxed)) {
    }
}
}  // namespace

registry_entry* register_owned(const fs::path& path, owned_kind kind) noexcept {
    registry_entry* entry = claim_slot();
    if (entry == nullptr) entry = claim_in_new_chunk();
    if (entry == nullptr) return nullptr;
    // The slot is busy: no handler reads this entry, no other owner takes it.
    const fs::path::string_type& text = path.native();
    char_type* copy = entry->inline_path;
    if (text.size() >= registry_inline_chars) {
        copy = new (std::nothrow) char_type[text.size() + 1];
        if (copy == nullptr) {
            release_slot(entry);
            return nullptr;
        }
    }
    std::memcpy(copy, text.c_str(), (text.size() + 1) * sizeof(char_type));
    entry->path = copy;
    entry->generation = current_generation();
    entry->kind = kind;
    entry->slot->store(entry);  // published: complete from here on
    return entry;
}

void unregister_owned(registry_entry*& entry) noexcept {
    if (entry == nullptr) return;
    registry_entry* expected = entry;
    // Sequentially consistent on both sides (Dekker): either a handler
    // counted itself as a reader before this exchange, and we see it and
    // leave the slot busy for good (the handler may be reading the entry),
    // or its later load of the slot finds it busy and skips it.
    if (entry->slot->compare_exchange_strong(expected, &registry_busy) && registry_readers.load() == 0) {
        if (entry->path != entry->inline_path) delete[] entry->path;
        release_slot(entry);
    }
    entry = nullptr;
}

}  // namespace tempfile::detail
