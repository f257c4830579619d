// SPDX-License-Identifier: MIT
#pragma once
// Durable syncs shared by io_posix.cpp (a file's data) and os_posix.cpp
// (a directory after a rename), with the one rule both follow on macOS.

namespace tempfile::detail::os {

/// Whether plain fsync may stand in for a failed F_FULLFSYNC: only when the
/// file system refuses the request itself (ENOTSUP: SMB and other network
/// mounts; ENOTTY: a descriptor that takes no such request). An I/O error
/// (EIO) or anything else is the sync's own failure and is reported: a
/// fallback that succeeds would hide data that never reached the disk.
bool fsync_may_replace_full_sync(int err) noexcept;

/// Calls full(fd) (F_FULLFSYNC on macOS; a parameter so that tests model it
/// on any system), and plain(fd) (fsync) only where the rule above allows.
/// EINTR is retried. Returns 0, or the errno that stands.
int full_sync(int fd, int (*full)(int), int (*plain)(int)) noexcept;

/// Everything written to `fd`, and its metadata, to stable storage: macOS
/// F_FULLFSYNC (through the drive's cache) with the fallback above, fsync
/// elsewhere. Returns 0 or the errno. sync_directory uses it for the
/// directory; os::sync for files (Linux: fdatasync there instead).
int sync_fully(int fd) noexcept;

}  // namespace tempfile::detail::os
