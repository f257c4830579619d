// SPDX-License-Identifier: MIT
#pragma once
/// tempfile::atomic_file — the atomic-save pattern: write beside the target,
/// then replace it whole.
#include <tempfile/export.hpp>
#include <tempfile/file.hpp>

#include <cstdint>
#include <filesystem>
#include <system_error>

namespace tempfile {
namespace fs = std::filesystem;
namespace detail {
struct registry_entry;
}

/// A temporary file in target's directory (named ".<target name>.<8 random>.tmp",
/// the target's name cut at a character boundary when the whole would pass
/// the 255 bytes of NAME_MAX (Windows: 255 UTF-16 units), so that every valid
/// target name works; 0600, or with target's rwx permission bits if target exists: never its
/// setuid, setgid or sticky bits, and a target that is a symbolic link is
/// replaced by a regular file with the link's target's bits). Write to it,
/// then commit(): readers of target see either the old content or the new,
/// whole, never a mix, even across a power cut.
/// Destroyed without commit() (an exception, a failed write): the temporary
/// is deleted and target is untouched.
class TEMPFILE_API atomic_file : public file {
public:
    /// Fails at once, before anything is written, if target is an existing
    /// directory (or a link to one): EISDIR, naming target. Throws
    /// std::filesystem::filesystem_error with target's directory in path1 when
    /// the temporary cannot be made there, or std::invalid_argument if target
    /// holds a NUL character (nothing is created).
    explicit atomic_file(const fs::path& target);
    /// Never throws: on failure sets ec and returns an empty owner (!is_open()).
    /// Out of memory: errc::not_enough_memory, with nothing made and no handle leaked.
    static atomic_file create(const fs::path& target, std::error_code& ec);
    /// Takes over `other`'s temporary and target; `other` is left empty
    /// (!is_open()): its end deletes nothing and its commit() fails with EBADF.
    atomic_file(atomic_file&& other) noexcept;
    /// Abandons what this object owned, as its destructor would (the
    /// temporary deleted, its target untouched), then takes `other`'s.
    atomic_file& operator=(atomic_file&& other) noexcept;
    /// Without a commit(): deletes the temporary, leaves target as it was. Silent.
    ~atomic_file() override;

    /// Flushes the stream, syncs the data (fdatasync; macOS F_FULLFSYNC;
    /// Windows FlushFileBuffers), closes, renames over target (Windows
    /// MoveFileExW with MOVEFILE_REPLACE_EXISTING|MOVEFILE_WRITE_THROUGH),
    /// then syncs the directory so the rename itself is durable. Afterwards
    /// this object owns nothing. If any write to this file failed before
    /// (through write() or stream(), even one only the stream's badbit showed
    /// and that was cleared since: bytes were lost), commit() fails with the
    /// first such error and publishes nothing. If that, the sync, close or
    /// rename fails, the temporary is deleted, target is as it was, and
    /// filesystem_error names target. If only the final directory sync fails, target already holds
    /// the new content (the temporary is gone) and the error says that the
    /// rename may not survive a power cut.
    /// A second commit(), or one on an empty owner, fails with EBADF.
    void commit();
    /// As above; sets ec instead of throwing.
    void commit(std::error_code& ec);
    /// The target, absolute.
    const fs::path& target() const noexcept;
    /// The temporary's path (empty once committed or discarded).
    const fs::path& temporary_path() const noexcept;

private:
    atomic_file() noexcept = default;
    void discard() noexcept;

    fs::path target_;
    fs::path temporary_;
    std::uint64_t generation_ = 0;
    detail::registry_entry* registration_ = nullptr;  // what the signal handler would remove
};

}  // namespace tempfile
