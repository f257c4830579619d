// SPDX-License-Identifier: MIT
#pragma once
// The operating system, behind one narrow seam. Portable code (src/*.cpp)
// calls only this; src/posix/ and src/windows/ implement it, one chosen by
// the build. Nothing here throws: every failure is an error_code carrying
// the OS's own errno / GetLastError (system_category), never a guess.
#include <tempfile/file.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace tempfile::detail::os {
namespace fs = std::filesystem;
using handle = file::native_handle_type;

// ---- creation ------------------------------------------------------------

/// Creates `path` exclusively and opens it read/write: O_CREAT|O_EXCL|
/// O_NOFOLLOW|O_CLOEXEC, mode 0600. A umask can only take bits away, and no
/// usual one touches the owner's, so 0600 is what results; a umask that
/// removes owner bits is honoured, as Python does, rather than paying an
/// fchmod on every file. Windows: CREATE_NEW, FILE_ATTRIBUTE_TEMPORARY, share
/// read|write|delete, not inheritable, FILE_FLAG_DELETE_ON_CLOSE when
/// `delete_on_close`. A name already taken reports errc::file_exists (on
/// Windows also when CREATE_NEW said access denied and the name is a
/// directory), so the caller retries only real collisions.
/// Returns file::invalid_handle() on failure.
handle create_exclusive(const fs::path& path, bool delete_on_close, std::error_code& ec) noexcept;

/// Opens a file with no name in `dir` (Linux O_TMPFILE, 0600, linkable).
/// errc::operation_not_supported when this OS or this directory's file
/// system cannot (EOPNOTSUPP, EISDIR, EINVAL): the caller then falls back to
/// create_exclusive + remove_file (Windows: delete_on_close). Other errors
/// (ENOENT, EACCES) are the directory's and are reported as they are.
handle create_unnamed(const fs::path& dir, std::error_code& ec) noexcept;

/// True where create_exclusive(…, delete_on_close=true) makes a file the OS
/// deletes at close (Windows); POSIX has no such flag and answers false.
bool has_delete_on_close() noexcept;

/// Makes an open file from create_exclusive(…, delete_on_close=true) stay
/// when its handle closes (keep(), and persist() before its rename: Windows
/// deletes the renamed file otherwise). Returns the handle to use from now
/// on: `h` itself where the OS clears the flag in place (Windows 10 1809+,
/// FILE_DISPOSITION_FLAG_ON_CLOSE; POSIX, which has no such flag), else a
/// new handle on the same file at the same position, `h` being closed
/// (Wine, older Windows: a hard link keeps the file while `h` closes, then
/// takes back the name `path`). On failure ec is set and the returned handle
/// (maybe invalid_handle()) is what the caller owns; the file may then still
/// be deleted at close, or, if the name could not be taken back, live on
/// under a second name: `path` then holds that name, so that the owner
/// still deletes the file, by the name it has.
handle cancel_delete_on_close(handle h, fs::path& path, std::error_code& ec) noexcept;

/// Creates directory `path`, mode 0700 (the umask as for create_exclusive; Windows:
/// a protected owner-only DACL). errc::file_exists when the name is taken.
void make_directory(const fs::path& path, std::error_code& ec) noexcept;

// ---- removal, names --------------------------------------------------------

/// unlink / DeleteFileW. A missing file is not an error.
void remove_file(const fs::path& path, std::error_code& ec) noexcept;

/// The hardened recursive removal (see tempfile/remove_tree.hpp); returns
/// the entries removed, root included. A missing root is not an error.
/// On failure ec is the first error met and, if `failed_entry` is given, it
/// receives the path of the entry that failed (below `path`); the walk still
/// removes all it can.
std::uintmax_t remove_tree(const fs::path& path, std::error_code& ec,
                           fs::path* failed_entry = nullptr) noexcept;

/// Atomic rename within a file system (EXDEV is reported, never copied).
/// overwrite=false: fails with errc::file_exists when `to` exists, without a
/// window in which it could be replaced (renameat2 RENAME_NOREPLACE, else
/// link + unlink; MoveFileExW without REPLACE_EXISTING). `write_through`:
/// Windows MOVEFILE_WRITE_THROUGH (ignored on POSIX, where sync_directory
/// does that job).
void rename(const fs::path& from, const fs::path& to, bool overwrite, bool write_through,
            std::error_code& ec) noexcept;

/// Gives an open unnamed file (from create_unnamed) the name `target`:
/// linkat(AT_EMPTY_PATH), else via /proc/self/fd. errc::operation_not_supported
/// where impossible. EEXIST if target exists.
void link_unnamed(handle h, const fs::path& target, std::error_code& ec) noexcept;

/// True when the file system holding `dir` has no free block left at all
/// (POSIX statvfs f_bfree 0 of a non-zero f_blocks; Windows: no free byte).
/// Blocks reserved for root do not make it full. False when there is room,
/// or when it cannot tell (gettempdir's probe then takes the directory).
bool is_full(const fs::path& dir) noexcept;

/// Makes a rename in `dir` durable: fsync of the directory (macOS
/// F_FULLFSYNC, fsync only where the file system refuses it); Windows
/// FlushFileBuffers on the directory, where the file system can flush one.
void sync_directory(const fs::path& dir, std::error_code& ec) noexcept;

/// Gives the open file `h` the rwx permission bits of `from` (atomic_file
/// keeping the target's mode), following a link as stat does. Never the
/// setuid, setgid or sticky bits: the new file belongs to whoever writes it,
/// and a setuid bit carried over to it would hand that owner's rights to the
/// new content. A missing `from` leaves h as it is, without error.
void copy_permissions(const fs::path& from, handle h, std::error_code& ec) noexcept;

// ---- I/O on an open handle -------------------------------------------------

/// One read call (EINTR retried): 0 at end of file.
std::size_t read(handle h, void* buf, std::size_t n, std::error_code& ec) noexcept;
/// One write call (EINTR retried): returns the bytes written, maybe fewer than n.
std::size_t write(handle h, const void* buf, std::size_t n, std::error_code& ec) noexcept;
enum class origin { begin, current, end };
std::uint64_t seek(handle h, std::int64_t offset, origin from, std::error_code& ec) noexcept;
std::uint64_t size(handle h, std::error_code& ec) noexcept;
void truncate(handle h, std::uint64_t size, std::error_code& ec) noexcept;
/// Data to stable storage: fdatasync (macOS F_FULLFSYNC; Windows FlushFileBuffers).
void sync(handle h, std::error_code& ec) noexcept;
/// Closes h, whatever happens. Returns what the OS reported: NFS and some
/// other file systems report a failed delayed write only here (POSIX EINTR
/// is not an error: Linux has closed the descriptor by then).
std::error_code close(handle h) noexcept;
/// True where a file opened in text mode writes "\n" as "\r\n" (Windows);
/// the portable stream_buffer then translates. POSIX: false.
bool has_text_newlines() noexcept;

// ---- randomness, processes, environment -----------------------------------

/// Fills buf from the OS's CSPRNG (getrandom / arc4random_buf / BCryptGenRandom).
void random_bytes(void* buf, std::size_t n, std::error_code& ec) noexcept;

/// A counter that changes in a child process after fork() (pthread_atfork;
/// always 0 where there is no fork). Owners record it and delete nothing
/// when destroyed in another generation; random buffers refill on a change.
/// Costs no system call.
std::uint64_t fork_generation() noexcept;

/// Registers handlers that run around every fork() of this process:
/// `prepare` in the parent just before, then `parent` in the parent or
/// `child` in the child just after (pthread_atfork). A lock the library
/// holds only briefly is taken in `prepare` and released in both others, so
/// that fork() never copies it held into a child, where no thread would ever
/// release it. Nothing to do where there is no fork (Windows): returns true.
/// False if the handlers could not be registered (ENOMEM).
bool at_fork(void (*prepare)(), void (*parent)(), void (*child)()) noexcept;

/// The environment variable `name`, empty if unset or empty (Windows: read
/// wide, with GetEnvironmentVariableW).
fs::path environment_path(const char* name);

/// The platform's own temporary directories after $TMPDIR, $TEMP, $TMP, in
/// order (POSIX /tmp, /var/tmp, /usr/tmp; macOS the per-user confstr first;
/// Windows GetTempPath2W, %SYSTEMROOT%\Temp, C:\TEMP, C:\TMP).
std::vector<fs::path> platform_temp_directories();

/// A name made of UTF-8 text (prefix + random part + suffix) as this OS's
/// path string, so that `dir / native_name(name)` names the same thing
/// everywhere: POSIX passes the bytes through (a move, no copy); Windows
/// converts to UTF-16 (an invalid sequence becomes U+FFFD, as Windows
/// converts it), where fs::path would have used the ANSI code page.
/// Throws only std::bad_alloc.
fs::path::string_type native_name(std::string utf8);

/// Characters that may not appear in a prefix or suffix: "/" and NUL; on
/// Windows also "\\" (and ':' would name a stream).
bool is_separator(char c) noexcept;

}  // namespace tempfile::detail::os
