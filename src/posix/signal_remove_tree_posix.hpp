// SPDX-License-Identifier: MIT
#pragma once
// Tree removal from inside a signal handler (signal_remove_tree_posix.cpp),
// for enable_signal_cleanup(): async-signal-safe system calls only, fixed
// static memory, no allocation, no lock, no stdio, no opendir.

namespace tempfile::detail::os::signal_safe {

/// Whether remove_tree below removes a directory with everything in it
/// (Linux: getdents64 lists directories), or only an empty one (the
/// portable build: POSIX has no async-signal-safe way to list a directory).
bool removes_whole_trees() noexcept;

/// Removes the file or tree at the absolute path `root`, as much of it as it
/// can, and reports nothing. Never follows a symbolic link, and never climbs
/// out of `root`: every step is relative to an open directory, each
/// directory is opened with O_NOFOLLOW, and a ".." is used only after its
/// device and inode were found to be those of the directory the walk came
/// down from (else the walk starts over from `root`, whose handle it keeps).
/// Gives a directory inside the tree its owner's rwx back when their lack
/// blocks the removal (mode 000, 100, 200, 300, 500...), through a handle.
///
/// Linux: any depth, in fixed memory: the identities of the last 2048
/// levels are kept; deeper than that, coming back up past them means
/// starting over from `root` (each pass removes what it has emptied, so the
/// passes end). Portable build: the tree goes only if it is empty or a file.
///
/// Uses static buffers: one caller at a time (the handler serializes).
void remove_tree(const char* root) noexcept;

}  // namespace tempfile::detail::os::signal_safe
