// SPDX-License-Identifier: MIT
#pragma once
// Which file an atomic_file replaces: its target, or the file a chain of
// symbolic links leads to (Qt's QSaveFile follows them the same way).
#include <filesystem>
#include <system_error>

namespace tempfile::detail {

/// The most links followed from one target: Linux's MAXSYMLINKS, which path
/// resolution in the kernel stops at too.
inline constexpr int max_links = 40;

/// Follows `target` (absolute) while it is a symbolic link, one link at a
/// time: an absolute link's content is the next path, a relative one is
/// resolved from the link's own directory (the directory named by the path
/// so far, so ".." in it means what the kernel would make of it). The last
/// path is what the chain leads to, whether it exists (the file to replace)
/// or not (a dangling link: the file to create).
/// Returns false, leaving `resolved` alone, when target is no link; true
/// with `resolved` set otherwise. More than max_links links:
/// errc::too_many_symbolic_link_levels (ELOOP). Throws std::bad_alloc only.
bool follow_links(const std::filesystem::path& target, std::filesystem::path& resolved, std::error_code& ec);

}  // namespace tempfile::detail
