// SPDX-License-Identifier: MIT
#pragma once
/// Orphans: what a killed process left behind, and the reaper that removes
/// only that.
#include <tempfile/export.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace tempfile {
namespace fs = std::filesystem;

/// What reap_orphans() looks at, and how old an orphan must be.
struct reap_options {
    fs::path dir{};                       ///< empty: gettempdir(); relative: made absolute
    std::string prefix = "tmp";           ///< only entries named prefix + 8 of [a-z0-9_] + suffix
    std::string suffix{};                 ///< same rule as name_options: no separator, no NUL
    std::chrono::seconds min_age{86400};  ///< an unlocked entry modified more recently stays
    bool dry_run = false;                 ///< report, remove nothing
};

/// What reap_orphans() did.
struct reap_result {
    std::vector<fs::path> removed;  ///< absolute; with dry_run, what would have gone
    /// Old enough, but held by a live owner's lock (or, POSIX, by another
    /// reaper that is removing it at that moment).
    std::vector<fs::path> alive;
    std::uintmax_t entries = 0;  ///< files and directories removed, as remove_tree counts (dry_run: 0)
    /// Entries that could not be looked at, locked or removed (whatever
    /// could go of a directory went): the error reported is the first one's.
    std::vector<fs::path> failed;
};

/// The floor under reap_options::min_age: an entry modified less than this
/// long ago is never taken, whatever min_age says, because an owner takes
/// its lock just after it creates the entry, not in the same call.
inline constexpr std::chrono::seconds reap_min_age_floor{10};

/// Removes from options.dir what owners that died left behind: the files
/// and directories made with `lock = true` (named_file_options,
/// directory_options) whose owner is gone, and those made without a lock,
/// by age alone.
///
/// An entry of options.dir is taken only if all of these hold:
/// - its name is prefix + exactly 8 characters of [a-z0-9_] + suffix (the
///   names this library makes);
/// - it is a regular file or a directory, never a symbolic link (nor a
///   junction), owned by the calling user (POSIX: the effective user ID);
/// - its modification time is older than min_age, and than
///   reap_min_age_floor whatever min_age says;
/// - it is not locked: the reaper takes an exclusive lock without waiting
///   (POSIX flock(LOCK_EX|LOCK_NB); Windows an open with DELETE access
///   that any handle without FILE_SHARE_DELETE, or with write access,
///   refuses). A live owner's lock refuses it: the entry is listed in
///   `alive` and left alone. The kernel drops an owner's lock when the
///   owner's process ends however it ends, so a lock cannot outlive it.
/// - holding that lock, the name still leads to the very entry it locked
///   (device and inode; Windows volume and file ID).
/// Then a file is unlinked, and a directory goes through the hardened
/// remove_tree (never following a link out of it, resetting permissions
/// that block removal). Everything is looked at relative to an open handle
/// of options.dir (fstatat, openat with O_NOFOLLOW), so a name swapped for a
/// link meanwhile cannot redirect it. Entries vanishing meanwhile are not
/// errors. Nothing outside options.dir is looked at, but what the
/// directories it removes hold.
///
/// Note: an entry made without a lock, or kept (keep() takes the lock
/// away), is an orphan to the reaper once older than min_age, whether its
/// owner lives or not.
///
/// Throws std::invalid_argument for a prefix or suffix with a path
/// separator or NUL (nothing is looked at), or
/// std::filesystem::filesystem_error naming the first entry that could not
/// be looked at or removed (it still goes on with the others), or options.dir
/// if it cannot be opened.
TEMPFILE_API reap_result reap_orphans(const reap_options& options = {});
/// As above; never throws: sets ec to the first error (std::errc::invalid_argument
/// for a bad prefix or suffix, std::errc::not_enough_memory when memory runs
/// out) and returns what was done until then, or all it could do.
TEMPFILE_API reap_result reap_orphans(const reap_options& options, std::error_code& ec);

}  // namespace tempfile
