// SPDX-License-Identifier: MIT
#pragma once
/// tempfile::temporary_file — a file with no name that vanishes when closed.
#include <tempfile/export.hpp>
#include <tempfile/file.hpp>
#include <tempfile/names.hpp>

#include <filesystem>
#include <system_error>

namespace tempfile {

/// Python's TemporaryFile: an open file in `options.dir` (default
/// gettempdir()) that has no name, so it is gone when closed, when its owner
/// ends, and even when the process is killed.
///
/// Linux: open(dir, O_TMPFILE|O_RDWR|O_CLOEXEC, 0600) (no O_EXCL, so that
/// persist() can link it); where a directory's file system
/// refuses O_TMPFILE (EOPNOTSUPP, EISDIR, EINVAL, ENOENT), it falls back
/// to mkstemp then unlink at once, and remembers the directory (except after
/// ENOENT, which a directory made later would not repeat). Other POSIX:
/// that fallback. Windows: FILE_FLAG_DELETE_ON_CLOSE (it has a hidden name there
/// until closed). There is deliberately no path(): a TemporaryFile's name
/// cannot be relied on (the seed's fourth pitfall), so it cannot compile.
///
/// The constructor throws std::filesystem::filesystem_error (the directory in
/// path1) or std::invalid_argument (a bad prefix or suffix).
class TEMPFILE_API temporary_file : public file {
public:
    /// Creates the file (see the class comment). `text`: newline translation
    /// in the stream where the platform has one (Windows).
    explicit temporary_file(const name_options& options = {}, bool text = false);
    /// Never throws: on failure sets ec and returns an empty owner (!is_open()).
    /// Out of memory: errc::not_enough_memory, with nothing made and no handle leaked.
    static temporary_file create(const name_options& options, std::error_code& ec);
    /// As above, with `text` as in the constructor.
    static temporary_file create(const name_options& options, bool text, std::error_code& ec);
    /// Takes over `other`'s file; `other` is left empty (!is_open()).
    temporary_file(temporary_file&&) noexcept = default;
    /// Closes what this object owned (the file vanishes), then takes `other`'s.
    temporary_file& operator=(temporary_file&&) noexcept = default;

    /// Gives the file a name, atomically: linkat(AT_EMPTY_PATH) of an
    /// O_TMPFILE file on Linux. The file stays open and owned by this object;
    /// it is kept (never deleted) under `target`. Fails with EEXIST if target
    /// exists, EXDEV across file systems, and std::errc::operation_not_supported
    /// where the file was made without O_TMPFILE (no OS can name it then),
    /// EBADF when closed or empty. Content that lost bytes is never named:
    /// after a failed write (see file::close) persist fails with that error.
    /// Throws std::filesystem::filesystem_error with target in path1, or
    /// std::invalid_argument if target holds a NUL character.
    void persist(const fs::path& target);
    /// As above; never throws: on failure sets ec, and the file stays unnamed.
    void persist(const fs::path& target, std::error_code& ec);

private:
    // Not a default constructor: that would make `temporary_file x;` ambiguous
    // with the public one whose options default to {}.
    struct empty_owner {};
    explicit temporary_file(empty_owner) noexcept {}
    bool linkable_ = false;  // made with O_TMPFILE without O_EXCL: linkat can name it
};

}  // namespace tempfile
