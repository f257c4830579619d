// SPDX-License-Identifier: MIT
#pragma once
// The process-wide list of what live owners would delete, for the signal
// handler of enable_signal_cleanup(). Every owner registers at birth, enabled
// or not, so that owners made before enable_signal_cleanup() are covered too;
// hence registering must be cheap: no system call, no lock (a CAS on a slot).
//
// Slots come in chunks of registry_chunk_size, linked in a list that only
// grows: registration appends a chunk (allocated outside any handler, and
// published with one CAS) when every slot is taken, so any number of owners
// is covered. A chunk is never freed, so a handler may follow the list at
// any moment with atomic loads only: lock-free, no allocation.
//
// Each slot has its entry beside it in the chunk, with room for the path
// inline: registering allocates nothing unless the path is longer than
// registry_inline_chars (then a copy of it is allocated). Registration
// takes the lowest free slot it finds from a hint, so that a program with
// few live owners keeps using the same few entries (the same cache lines).
//
// The handler never frees or reuses an entry it may be reading: an
// entry withdrawn while a handler walks the slots keeps its slot marked
// busy for good (a slot lost, once per signal that did not end the process).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace tempfile::detail {
namespace fs = std::filesystem;

enum class owned_kind : unsigned char { file, tree };

/// Characters of a path (its NUL included) kept inside an entry; a longer
/// path is copied to the heap.
inline constexpr std::size_t registry_inline_chars = 224 / sizeof(fs::path::value_type);

/// What the handler removes. Immutable while published.
struct registry_entry {
    const fs::path::value_type* path;    // absolute, NUL-terminated: inline_path, or a heap copy
    std::uint64_t generation;            // os::fork_generation() of the owner's process
    std::atomic<registry_entry*>* slot;  // where it is published (chunks never move)
    std::size_t index;                   // the slot's number, counted over the chunks
    owned_kind kind;
    fs::path::value_type inline_path[registry_inline_chars];
};

/// Slots per chunk: the first chunk is static (about 260 KiB of zeroes on
/// 64-bit systems, touched only as far as slots are used), so that a
/// program with fewer live owners than this never allocates one.
inline constexpr std::size_t registry_chunk_size = 1024;

struct registry_chunk {
    std::atomic<registry_entry*> slots[registry_chunk_size];  // null, registry_busy or &entries[i]
    registry_entry entries[registry_chunk_size];              // slot i's own entry
    std::atomic<registry_chunk*> next;  // null at the end of the list; set once, never cleared
};

/// The head of the list (static storage: zero-initialized before any code runs).
extern registry_chunk registry_first_chunk;
/// Marks a slot taken but not (or no longer) readable: an entry being
/// written or withdrawn, or one withdrawn while a handler was walking.
extern registry_entry registry_busy;
/// How many handlers are walking the slots right now (see unregister_owned).
extern std::atomic<int> registry_readers;

/// Publishes `path` for the signal handler. Returns nullptr (not covered)
/// only when memory is short; never throws, no system call, and no
/// allocation for a path of fewer than registry_inline_chars characters
/// unless every slot is taken (then a chunk is added).
registry_entry* register_owned(const fs::path& path, owned_kind kind) noexcept;

/// Withdraws `entry` (null is fine) and sets it to null. Harmless on an
/// entry inherited across fork(): the slot is compared, not assumed.
void unregister_owned(registry_entry*& entry) noexcept;

/// Calls `visit(const registry_entry&)` for every published entry. Atomic
/// loads only: async-signal-safe, lock-free, allocates nothing, so a signal
/// handler may call it. Counts itself in registry_readers meanwhile, so
/// that no entry it may still read is freed or reused; `visit` must not
/// unregister.
template <class Visitor>
void for_each_registered(Visitor&& visit) noexcept {
    registry_readers.fetch_add(1);  // before any slot is read: see unregister_owned
    for (registry_chunk* chunk = &registry_first_chunk; chunk != nullptr; chunk = chunk->next.load())
        for (auto& slot : chunk->slots) {
            const registry_entry* entry = slot.load();
            if (entry != nullptr && entry != &registry_busy) visit(*entry);
        }
    registry_readers.fetch_sub(1);
}

/// Whether the signal handler removes a directory with what it holds (Linux,
/// through getdents64), or only an empty one (the portable build, which has
/// no async-signal-safe way to list a directory). Defined by the OS layer.
bool signal_handler_removes_whole_trees() noexcept;

/// For tests only (POSIX): marks the signal handler's registry walk taken,
/// as a handler running on another thread would, or free again; so that a
/// test can fork() in the middle of a walk. Defined by the POSIX handler.
void set_signal_walk_taken_for_test(bool taken) noexcept;

}  // namespace tempfile::detail
