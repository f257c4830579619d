// SPDX-License-Identifier: MIT
#pragma once
/// Hardened recursive removal, and the process-wide signal safety net.
#include <tempfile/export.hpp>

#include <cstdint>
#include <filesystem>
#include <system_error>

namespace tempfile {
namespace fs = std::filesystem;

/// Removes p and everything below it; returns the number of entries removed,
/// p included (as std::filesystem::remove_all counts). A missing p is not an
/// error (returns 0).
///
/// - Never follows a symbolic link or junction: every step is relative to an
///   open directory handle (openat(O_NOFOLLOW|O_DIRECTORY), fdopendir,
///   unlinkat; Windows handle-relative opens with FILE_OPEN_REPARSE_POINT),
///   so a directory swapped for a link mid-walk cannot redirect it. A link is
///   removed, never followed; if p itself is a link, only the link goes.
/// - Resets permissions that block removal (read-only entries, directories
///   without w or x) through the handle, never through a path.
/// - Entries vanishing meanwhile are not errors; FIFOs, sockets and devices
///   are unlinked, never opened.
/// - Holds a bounded number of handles and no recursion at any depth: a tree
///   deeper than PATH_MAX is removed.
/// - Tries a plain rmdir first, so an empty directory costs one call.
/// Throws std::filesystem::filesystem_error naming the first entry that could
/// not be removed (it still removes all it can), or std::invalid_argument
/// (removing nothing) for a path holding a NUL character or ending in "."
/// or "..", or for "/".
TEMPFILE_API std::uintmax_t remove_tree(const fs::path& p);
/// As above; sets ec instead of throwing, and still returns the count removed.
TEMPFILE_API std::uintmax_t remove_tree(const fs::path& p, std::error_code& ec) noexcept;

/// Opt-in: on SIGINT, SIGTERM or SIGHUP (Windows: console control events),
/// remove every live owner's file and directory, then let the signal do what
/// it would have done (its default action, or the handler that was there
/// before), as Python's unwinding on Ctrl-C would have cleaned up. The
/// handler does only async-signal-safe work. Without this call no handler is
/// installed; what survives a kill is then: unnamed files (temporary_file)
/// and Windows delete-on-close files vanish, everything else stays.
/// Every live owner is covered, however many; on Linux whole trees go, at
/// any depth, whatever the modes of the directories inside. Known gap of
/// this last resort: other POSIX systems have no async-signal-safe way to
/// list a directory, so there only files and empty directories go.
/// Idempotent. Throws std::system_error if a handler cannot be installed.
TEMPFILE_API void enable_signal_cleanup();

}  // namespace tempfile
