// SPDX-License-Identifier: MIT
#pragma once
/// Where temporary things go, and the low-level calls whose result the
/// caller owns: gettempdir, mkstemp, mkdtemp, mktemp.
#include <tempfile/export.hpp>
#include <tempfile/file.hpp>

#include <filesystem>
#include <string>
#include <system_error>

namespace tempfile {
namespace fs = std::filesystem;

/// Where and how a name is made: dir / (prefix + 8 random characters + suffix).
///
/// The 8 characters are drawn from [a-z0-9_] (lower case, so that
/// case-insensitive file systems lose no entropy) by the OS's CSPRNG.
/// prefix and suffix must not contain a path separator ('/', and '\\' on
/// Windows) or NUL: every call taking them then throws std::invalid_argument
/// (or sets std::errc::invalid_argument) and creates nothing.
///
/// Every member has a default member initializer, so that C++20 designated
/// initializers that name only some members draw no -Wmissing-field-initializers.
struct name_options {
    std::string prefix = "tmp";  ///< before the random part; no path separator, no NUL
    std::string suffix{};        ///< after the random part (an extension such as ".csv"); same rule
    fs::path dir{};              ///< empty: gettempdir(). Relative: made absolute first. A NUL in
                                 ///< it is std::invalid_argument (errc::invalid_argument).
};

// ---- the temporary directory -------------------------------------------

/// The directory where temporary things go by default, absolute.
///
/// The set_tempdir() override if any; else the first usable of $TMPDIR,
/// $TEMP, $TMP, then the platform's list (POSIX /tmp, /var/tmp, /usr/tmp;
/// macOS the per-user confstr(_CS_DARWIN_USER_TEMP_DIR) first; Windows
/// GetTempPath2W, `%SYSTEMROOT%\Temp`, `C:\TEMP`, `C:\TMP`), then the working
/// directory. Usable means a file can be created there, proved without
/// writing a byte: an unnamed file (Linux O_TMPFILE), else a zero-byte file
/// created exclusively and removed at once; nothing is left behind, and a
/// file size limit of 0 (SIGXFSZ) kills nothing. This rejects a missing
/// directory, one the process may not create in, a read-only mount, a file
/// system out of inodes or with no free block (statvfs), and a process out
/// of descriptors. It cannot prove that data will fit (quotas, blocks only
/// root may use, a disk that fills later): writes report that.
/// Cached after the first success. Thread-safe, and fork()-safe: a child
/// forked while another thread was in here can call it (and every other
/// call) too, since fork() waits for the lock (pthread_atfork).
/// Throws std::filesystem::filesystem_error when no candidate is usable,
/// with the last candidate's own error (EACCES, EROFS, EMFILE...) and that
/// candidate in path1; std::bad_alloc when memory runs out, as every
/// throwing form (no candidate is to blame for that).
TEMPFILE_API fs::path gettempdir();
/// As above; on failure sets ec (the last candidate's error, or
/// errc::not_enough_memory) and returns an empty path. Never throws.
TEMPFILE_API fs::path gettempdir(std::error_code& ec);
/// A process-wide override of gettempdir(), used as given (made absolute,
/// not probed). An empty path clears the override and the cache, so the
/// next gettempdir() looks at the environment again. Throws
/// std::invalid_argument (nothing changes) if dir holds a NUL character.
TEMPFILE_API void set_tempdir(const fs::path& dir);
/// The default prefix: "tmp".
TEMPFILE_API std::string gettempprefix();

// ---- low level: the caller owns what is made ----------------------------

/// What mkstemp() made: the open file and its name. Nothing deletes it for
/// you: destroying this closes `handle` and leaves the file where it is.
struct created_file {
    file handle;    ///< open for reading and writing, at position 0
    fs::path path;  ///< absolute
};

/// Creates and opens dir/prefix<8 random>suffix with
/// O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC (Windows CREATE_NEW, not
/// inheritable), mode 0600 whatever the umask's group and other bits (a umask
/// that removes the owner's own bits is honoured, as in Python). Retries
/// another name on a collision, a bounded number of times, then fails with
/// EEXIST. Never
/// deleted for you. `text`: newline translation where the platform has one.
/// Throws std::filesystem::filesystem_error naming dir in path1, or
/// std::invalid_argument for a bad prefix or suffix; nothing is left behind.
TEMPFILE_API created_file mkstemp(const name_options& options = {}, bool text = false);
/// As above; on failure sets ec and returns an empty handle and path. Never
/// throws: out of memory is errc::not_enough_memory, with nothing made.
TEMPFILE_API created_file mkstemp(const name_options& options, bool text, std::error_code& ec);

/// Creates dir/prefix<8 random>suffix as a directory, mode 0700 whatever the
/// umask (Windows: an owner-only DACL). Same retries and errors as mkstemp.
/// Never deleted for you; returns the absolute path.
TEMPFILE_API fs::path mkdtemp(const name_options& options = {});
/// As above; never throws: on failure (a bad prefix or suffix included, as
/// std::errc::invalid_argument; out of memory as std::errc::not_enough_memory)
/// sets ec, creates nothing and returns an empty path.
TEMPFILE_API fs::path mkdtemp(const name_options& options, std::error_code& ec);

/// Returns a name that did not exist when checked, and creates nothing.
/// Another process can take the name before you use it: use mkstemp.
/// Throws std::invalid_argument for a bad prefix or suffix, and
/// std::filesystem::filesystem_error (dir in path1) when every name tried
/// was taken (EEXIST) or a name could not be looked up (EACCES, ...). A
/// missing dir is no error, as in Python.
[[deprecated("race-prone: use mkstemp")]] TEMPFILE_API fs::path mktemp(const name_options& options = {});
/// As above; never throws: on failure sets ec and returns an empty path.
[[deprecated("race-prone: use mkstemp")]] TEMPFILE_API fs::path mktemp(const name_options& options,
                                                                       std::error_code& ec);

}  // namespace tempfile
