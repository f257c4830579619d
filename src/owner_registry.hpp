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
// The handler never frees an entry either: an entry is freed by
// unregister_owned() unless a handler may be reading it at that moment, in
// which case it is leaked on purpose (a few bytes, once per signal that did
// not end the process).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace tempfile::detail {
namespace fs = std::filesystem;

enum class owned_kind : unsigned char { file, tree };

/// What the handler removes. Immutable once published.
struct registry_entry {
    const fs::path::value_type* path;    // absolute, NUL-terminated, owned by the entry
    std::uint64_t generation;            // os::fork_generation() of the owner's process
    std::atomic<registry_entry*>* slot;  // where it is published (chunks never move)
    owned_kind kind;
};

/// Slots per chunk: the first chunk is static (32 KiB on 64-bit systems), so
/// that a program with fewer owners than this never allocates one.
inline constexpr std::size_t registry_chunk_size = 4096;

struct registry_chunk {
    std::atomic<registry_entry*> slots[registry_chunk_size];
    std::atomic<registry_chunk*> next;  // null at the end of the list; set once, never cleared
};

/// The head of the list (static storage: zero-initialized before any code runs).
extern registry_chunk registry_first_chunk;
/// How many handlers are walking the slots right now (see unregister_owned).
extern std::atomic<int> registry_readers;

/// Publishes `path` for the signal handler. Returns nullptr (not covered)
/// only when memory is short; never throws, no system call.
registry_entry* register_owned(const fs::path& path, owned_kind kind) noexcept;

/// Withdraws `entry` (null is fine) and sets it to null. Harmless on an
/// entry inherited across fork(): the slot is compared, not assumed.
void unregister_owned(registry_entry*& entry) noexcept;

/// Calls `visit(const registry_entry&)` for every published entry. Atomic
/// loads only: async-signal-safe, lock-free, allocates nothing, so a signal
/// handler may call it. Counts itself in registry_readers meanwhile, so
/// that no entry it may still read is freed; `visit` must not unregister.
template <class Visitor>
void for_each_registered(Visitor&& visit) noexcept {
    registry_readers.fetch_add(1);  // before any slot is read: see unregister_owned
    for (registry_chunk* chunk = &registry_first_chunk; chunk != nullptr; chunk = chunk->next.load())
        for (auto& slot : chunk->slots)
            if (const registry_entry* entry = slot.load()) visit(*entry);
    registry_readers.fetch_sub(1);
}

/// Whether the signal handler removes a directory with what it holds (Linux,
/// through getdents64), or only an empty one (the portable build, which has
/// no async-signal-safe way to list a directory). Defined by the OS layer.
bool signal_handler_removes_whole_trees() noexcept;

}  // namespace tempfile::detail
