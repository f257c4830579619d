// SPDX-License-Identifier: MIT
#pragma once
// The process-wide list of what live owners would delete, for the signal
// handler of enable_signal_cleanup(). Every owner registers at birth, enabled
// or not, so that owners made before enable_signal_cleanup() are covered too;
// hence registering must be cheap: no system call, no lock (a CAS on a slot).
//
// The handler reads the slots with atomic loads only. It never frees: an
// entry is freed by unregister_owned() unless a handler may be reading it at
// that moment, in which case it is leaked on purpose (a few bytes, once per
// signal that did not end the process).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace tempfile::detail {
namespace fs = std::filesystem;

enum class owned_kind : unsigned char { file, tree };

/// What the handler removes. Immutable once published.
struct registry_entry {
    const fs::path::value_type* path;  // absolute, NUL-terminated, owned by the entry
    std::uint64_t generation;          // os::fork_generation() of the owner's process
    std::size_t slot;
    owned_kind kind;
};

/// Fixed capacity, so that the handler never meets a reallocation. An owner
/// that finds every slot taken is simply not covered by the signal handler.
inline constexpr std::size_t registry_capacity = 4096;

extern std::atomic<registry_entry*> registry_slots[registry_capacity];
/// How many handlers are walking the slots right now (see unregister_owned).
extern std::atomic<int> registry_readers;

/// Publishes `path` for the signal handler. Returns nullptr (not covered)
/// when the slots are full or memory is short; never throws, no system call.
registry_entry* register_owned(const fs::path& path, owned_kind kind) noexcept;

/// Withdraws `entry` (null is fine) and sets it to null. Harmless on an
/// entry inherited across fork(): the slot is compared, not assumed.
void unregister_owned(registry_entry*& entry) noexcept;

/// Whether the signal handler removes a directory with what it holds (Linux,
/// through getdents64), or only an empty one (the portable build, which has
/// no async-signal-safe way to list a directory). Defined by the OS layer.
bool signal_handler_removes_whole_trees() noexcept;

}  // namespace tempfile::detail
