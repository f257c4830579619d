// SPDX-License-Identifier: MIT
#pragma once
// Pieces of the POSIX tree removal (remove_tree_posix.cpp): owned handles and
// the few calls that need care, each working relative to a directory handle.
#include "posix/unique_fd.hpp"

#include <dirent.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <system_error>
#include <utility>

namespace tempfile::detail::os::tree {

using os::unique_fd;  // the POSIX layer's one descriptor owner

/// An owned directory stream (closedir on destruction); empty while a walk
/// has closed it to keep the number of open handles bounded.
class dir_stream {
public:
    dir_stream() noexcept = default;
    dir_stream(dir_stream&& other) noexcept : dir_(std::exchange(other.dir_, nullptr)) {}
    dir_stream& operator=(dir_stream&& other) noexcept;
    dir_stream(const dir_stream&) = delete;
    dir_stream& operator=(const dir_stream&) = delete;
    ~dir_stream() { reset(); }
    /// Takes `fd` over (closed even on failure); false with errno set if
    /// fdopendir fails.
    bool adopt(unique_fd fd) noexcept;
    void reset() noexcept;
    DIR* get() const noexcept { return dir_; }
    // Unqualified: NetBSD (and others) define dirfd as a macro, which "::" would break.
    int fd() const noexcept { return dirfd(dir_); }
    explicit operator bool() const noexcept { return dir_ != nullptr; }

private:
    DIR* dir_ = nullptr;
};

/// Opens the directory `name` in `dir_fd` for reading, refusing to follow a
/// symbolic link (O_NOFOLLOW|O_DIRECTORY, and O_NONBLOCK so that a FIFO
/// swapped in can never block). Returns -1 with errno: ELOOP / ENOTDIR (or
/// FreeBSD's EMLINK) when `name` is not a directory.
int open_directory_at(int dir_fd, const char* name) noexcept;

/// True when an open_directory_at errno means "this is not a directory".
bool is_not_directory_error(int err) noexcept;

/// Opens `path` as a handle to work relative to; it only needs search
/// permission where the OS allows it (Linux O_PATH, O_SEARCH), else read.
int open_parent_directory(const char* path) noexcept;

/// Adds u+rwx to the open directory `fd`, keeping its other bits. False
/// (errno set) if it cannot, or if u+rwx was already there (nothing to fix).
bool grant_owner_access(int fd) noexcept;

/// Adds u+rwx to the directory `name` in `dir_fd` without ever following a
/// symbolic link (a link swapped in is left alone: ENOTDIR). Linux goes
/// through an O_PATH handle, elsewhere fchmodat(AT_SYMLINK_NOFOLLOW); where
/// neither is safe it refuses (EOPNOTSUPP) rather than chmod through a path.
bool grant_owner_access_at(int dir_fd, const char* name) noexcept;

/// `flags` (a stat's st_flags) without the user flags that forbid removing
/// an entry, or changing what a directory holds: uchg (UF_IMMUTABLE, the
/// Finder's "Locked"), uappnd (UF_APPEND) and FreeBSD's uunlnk
/// (UF_NOUNLINK). Other flags, and the system ones (which only root may
/// change), are kept. On Linux, which has no such flags, the BSD values
/// stand in, so that this rule is tested there.
std::uint32_t flags_without_blockers(std::uint32_t flags) noexcept;

/// Clears those flags on the entry `name` in `dir_fd` (name null: on the
/// directory `dir_fd` itself), never following a symbolic link, as CPython's
/// rmtree does with chflags before it retries. True if it cleared some;
/// false (errno set) if none were set or it cannot, and always false where
/// the OS has no file flags (Linux: ENOTSUP).
bool clear_blocking_flags_at(int dir_fd, const char* name) noexcept;

/// The tree walk of remove_tree for the directory `name` in the open
/// directory `parent_fd`, which it never changes (reap_orphans: the name
/// was checked relative to that very handle). `shown` is the directory's
/// path, for errors; `failed_entry` gets the first entry that could not be
/// removed. Returns the entries removed, the directory included. A missing
/// `name` is no error; one that is no longer a directory is unlinked as
/// remove_tree would (the caller checked, holding a lock, that it was).
std::uintmax_t remove_tree_at(int parent_fd, const char* name, const std::filesystem::path& shown,
                              std::error_code& ec, std::filesystem::path* failed_entry) noexcept;

}  // namespace tempfile::detail::os::tree
