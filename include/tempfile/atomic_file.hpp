// SPDX-License-Identifier: MIT
#pragma once
/// tempfile::atomic_file — the atomic-save pattern: write beside the target,
/// then replace it whole.
#include <tempfile/export.hpp>
#include <tempfile/file.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <system_error>

namespace tempfile {
namespace fs = std::filesystem;
namespace detail {
struct registry_entry;
}

/// How much of a commit() survives a power cut (npm's write-file-atomic
/// measured its final fsync at 16 times the cost of the rest).
enum class durability {
    none,  ///< rename only: still atomic (readers see the old or the new content), not durable
    data,  ///< the file's data is synced before the rename; the rename itself may be lost
    full,  ///< data, then the directory after the rename: the new content survives (the default)
};

/// Options of atomic_file.
struct atomic_file_options {
    /// What commit() syncs (see durability).
    durability sync = durability::full;
    /// Unset: an existing target's rwx bits, else 0666 less the umask, as
    /// Qt's QSaveFile and a plain std::ofstream give a new file. Set: exactly
    /// these bits, target or not, the umask not applied (set with fchmod
    /// before anything is written). Bits outside 07777 are
    /// std::invalid_argument. POSIX only: Windows ignores it (an existing
    /// target keeps its ACL through ReplaceFileW; a new one gets what its
    /// directory gives new files).
    std::optional<fs::perms> mode{};
};

/// A temporary file beside the file that `target` leads to, to be written,
/// then put in its place whole by commit(): readers of target see either
/// the old content or the new, never a mix, even across a power cut (with
/// durability::full).
///
/// - **Symbolic links**: when target is a symbolic link, or a chain of them
///   (relative ones resolved from the link's own directory, at most 40:
///   ELOOP beyond), the file it leads to is replaced and every link stays a
///   link (Qt's QSaveFile); a dangling link creates the file it names. The
///   links are followed once, at construction.
/// - **Identity**: the replacement keeps the replaced file's rwx bits (never
///   its setuid, setgid or sticky bits: the new file belongs to whoever
///   writes it) unless options.mode says otherwise, and its owner and group
///   where this process may set them (root; or the owner itself, for a group
///   it is in); Windows replaces with ReplaceFileW, so that the target's
///   ACL, owner and attributes stay. The bits are set before the first byte
///   is written.
/// - **The temporary** is named ".<target name>.<8 random>.tmp" in the
///   replaced file's directory (a rename is atomic only within one file
///   system), the target's name cut at a character boundary when the whole
///   would pass the 255 bytes of NAME_MAX (Windows: 255 UTF-16 units), so
///   that every valid target name works.
/// - Destroyed without commit() (an exception, a failed write), or after
///   discard(): the temporary is deleted and target is untouched.
class TEMPFILE_API atomic_file : public file {
public:
    /// With the default options. Fails at once, before anything is written,
    /// if target is (or leads to) an existing directory: EISDIR, naming
    /// target. Throws std::filesystem::filesystem_error with the replaced
    /// file's directory in path1 when the temporary cannot be made there
    /// (target in path1 for ELOOP), or std::invalid_argument if target holds
    /// a NUL character or options.mode is out of range (nothing is created).
    explicit atomic_file(const fs::path& target);
    /// As above, with `options`.
    atomic_file(const fs::path& target, const atomic_file_options& options);
    /// Never throws: on failure sets ec and returns an empty owner (!is_open()).
    /// Out of memory: errc::not_enough_memory, with nothing made and no handle leaked.
    static atomic_file create(const fs::path& target, std::error_code& ec);
    /// As above, with `options`.
    static atomic_file create(const fs::path& target, const atomic_file_options& options,
                              std::error_code& ec);
    /// Takes over `other`'s temporary and target; `other` is left empty
    /// (!is_open()): its end deletes nothing and its commit() fails with EBADF.
    atomic_file(atomic_file&& other) noexcept;
    /// Abandons what this object owned, as its destructor would (the
    /// temporary deleted, its target untouched), then takes `other`'s.
    atomic_file& operator=(atomic_file&& other) noexcept;
    /// Without a commit(): deletes the temporary, leaves target as it was. Silent
    /// (a temporary that cannot be deleted even then stays on disk).
    ~atomic_file() override;

    /// Flushes the stream, syncs the data (durability data or full:
    /// fdatasync; macOS F_FULLFSYNC; Windows FlushFileBuffers), closes, puts
    /// the temporary in place of the replaced file (POSIX rename; Windows
    /// ReplaceFileW, or MoveFileExW with MOVEFILE_REPLACE_EXISTING when there
    /// is no file to replace, retrying ERROR_ACCESS_DENIED and
    /// ERROR_SHARING_VIOLATION for about a second, as LLVM does), then
    /// (durability full) syncs the directory so the rename itself is durable.
    /// Afterwards this object owns nothing. If any write to this file failed before
    /// (through write() or stream(), even one only the stream's badbit showed
    /// and that was cleared since: bytes were lost), commit() fails with the
    /// first such error and publishes nothing. If that, the sync, close or
    /// rename fails, the temporary is deleted, target is as it was, and
    /// filesystem_error names target; when the temporary cannot be deleted
    /// either (EROFS, EACCES: the rename was refused for the same reason),
    /// this object still owns it (temporary_path() names it) and discard()
    /// or the destructor tries again. Everything commit() needs after the
    /// rename is allocated before it, so that running out of memory
    /// (std::bad_alloc, errc::not_enough_memory) always leaves target as it
    /// was. If only the final directory sync fails, target already holds
    /// the new content (the temporary is gone) and the error says that the
    /// rename may not survive a power cut.
    /// A second commit(), one after discard(), or one on an empty owner,
    /// fails with EBADF.
    void commit();
    /// As above; sets ec instead of throwing.
    void commit(std::error_code& ec);
    /// Abandons the save now: closes and deletes the temporary; target is
    /// untouched. Idempotent (also after commit(), where there is nothing
    /// left to abandon); a commit() afterwards fails with EBADF. Silent: a
    /// temporary that cannot be deleted (a read-only file system, a
    /// directory no longer writable) stays owned, so that the next
    /// discard() or the destructor tries again.
    void discard() noexcept;
    /// The target as given, absolute (a symbolic link stays named as such).
    const fs::path& target() const noexcept;
    /// The temporary's path (empty once committed or discarded; still set
    /// while a temporary that could not be deleted is owned).
    const fs::path& temporary_path() const noexcept;

private:
    atomic_file() noexcept = default;
    static atomic_file create(const fs::path& target, const atomic_file_options& options, std::error_code& ec,
                              fs::path* failed_at);
    const fs::path& destination() const noexcept;

    fs::path target_;
    fs::path replaced_;  // the file target leads to through links; empty when target is no link
    fs::path temporary_;
    durability sync_ = durability::full;
    std::uint64_t generation_ = 0;
    detail::registry_entry* registration_ = nullptr;  // what the signal handler would remove
};

}  // namespace tempfile
