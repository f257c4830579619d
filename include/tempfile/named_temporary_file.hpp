// SPDX-License-Identifier: MIT
#pragma once
/// tempfile::named_temporary_file — a file with a visible name, deleted for you.
#include <tempfile/export.hpp>
#include <tempfile/file.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

namespace tempfile {
namespace fs = std::filesystem;
namespace detail {
struct registry_entry;
}

/// Options of named_temporary_file. Flat, so that C++20 callers can write
/// named_temporary_file f({.suffix = ".csv", .keep = true}).
struct named_file_options {
    std::string prefix = "tmp";   ///< no path separator, no NUL
    std::string suffix{};         ///< same rule
    fs::path dir{};               ///< empty: gettempdir(); relative: made absolute
    bool keep = false;            ///< Python's delete=False: never deleted for you
    bool delete_on_close = true;  ///< false: close() keeps the file, the owner's end deletes it
    bool text = false;            ///< newline translation where the platform has one
};

/// Python 3.12's NamedTemporaryFile, made as mkstemp makes files (0600,
/// O_EXCL|O_NOFOLLOW|O_CLOEXEC), with an absolute path.
///
/// - delete_on_close = true (default): deleted by close() or by the owner's
///   end, whichever comes first. Windows opens it with
///   FILE_FLAG_DELETE_ON_CLOSE, so it is gone even after a crash there.
/// - delete_on_close = false: close() keeps the file, so that another process
///   can open it by name (Windows cannot reopen an open temporary file: the
///   seed's third pitfall); the owner's end deletes it.
/// - keep = true: never deleted for you (Python's delete=False).
/// Opened with share read/write/delete on Windows. A file already deleted
/// by someone else is not an error. A copy that a fork()ed child destroys
/// deletes nothing: only the process that made it deletes.
class TEMPFILE_API named_temporary_file : public file {
public:
    /// Throws std::filesystem::filesystem_error (the directory in path1) or
    /// std::invalid_argument (a bad prefix or suffix); creates nothing then.
    explicit named_temporary_file(const named_file_options& options = {});
    /// Never throws: on failure sets ec and returns an empty owner.
    /// Out of memory: errc::not_enough_memory, with nothing made and no handle leaked.
    static named_temporary_file create(const named_file_options& options, std::error_code& ec);
    /// Takes over `other`'s file, name and duty to delete; `other` is left
    /// empty (!is_open(), empty path()) and deletes nothing.
    named_temporary_file(named_temporary_file&& other) noexcept;
    /// Deletes what this object owned (as its destructor would), then takes `other`'s.
    named_temporary_file& operator=(named_temporary_file&& other) noexcept;
    /// Closes, and deletes unless kept; silent.
    ~named_temporary_file() override;

    /// Absolute; still valid after close(). Empty for an empty owner.
    const fs::path& path() const noexcept;
    /// Disarms deletion (the file stays open) and returns the path (empty for
    /// an empty owner). Cannot fail on POSIX; on Windows, where the file was
    /// opened delete-on-close, throws std::filesystem::filesystem_error naming
    /// path() if that flag cannot be cleared (the file may then still go at close).
    fs::path keep();
    /// Renames the file to `target` atomically (same file system only: EXDEV
    /// is reported, never a silent copy), then keeps it: path() becomes
    /// target (absolute). overwrite=false fails with EEXIST if target exists
    /// (renameat2 RENAME_NOREPLACE, else link+unlink; Windows MoveFileExW
    /// without REPLACE_EXISTING). The file stays open. After a failed write
    /// (see file::close) it fails with that error and renames nothing: the
    /// file stays this owner's to delete. Throws
    /// std::filesystem::filesystem_error with path() and target, or
    /// std::invalid_argument if target holds a NUL character.
    void persist(const fs::path& target, bool overwrite = true);
    /// As above; never throws: on failure sets ec, and the file keeps its
    /// name and is still deleted for you.
    void persist(const fs::path& target, bool overwrite, std::error_code& ec);
    /// Closes and deletes now, whatever keep says; a file already gone is
    /// not an error, nor is an earlier failed write (its content is gone).
    /// Afterwards this object owns nothing (path() stays).
    /// Throws std::filesystem::filesystem_error naming path(). A file that
    /// could not be deleted (Windows: another process holds it open without
    /// FILE_SHARE_DELETE) stays owned unless it was kept: a later remove(),
    /// or the owner's end, tries again.
    void remove();
    /// As above; never throws: sets ec if the deletion failed, else to what
    /// the close reported. The handle is closed and the deletion tried all the
    /// same, and this object no longer owns the file.
    void remove(std::error_code& ec);

protected:
    /// Deletes the file when delete_on_close is set and it was not kept.
    void after_close() override;

private:
    // Not a default constructor: that would make `named_temporary_file x;` ambiguous
    // with the public one whose options default to {}.
    struct empty_owner {};
    explicit named_temporary_file(empty_owner) noexcept {}
    void delete_now(std::error_code& ec) noexcept;
    void destroy() noexcept;

    fs::path path_;
    bool armed_ = false;  // the owner's end (or close) deletes the file
    bool delete_on_close_ = true;
    std::uint64_t generation_ = 0;                    // fork generation that made it: a child deletes nothing
    detail::registry_entry* registration_ = nullptr;  // what the signal handler would remove
};

}  // namespace tempfile
