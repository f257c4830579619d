// SPDX-License-Identifier: MIT
#pragma once
// The operating system, behind one narrow seam. Portable code (src/*.cpp)
// calls only this; src/posix/ and src/windows/ implement it, one chosen by
// the build. Nothing here throws: every failure is an error_code carrying
// the OS's own errno / GetLastError (system_category), never a guess.
#include <tempfile/file.hpp>

#include <chrono>
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
/// `mode`: the permission bits asked of open(2) (0600 unless the caller's
/// options.mode says otherwise), the umask applied by the OS as for any
/// open(2); Windows ignores it (the DACL is the owner-only one).
/// Returns file::invalid_handle() on failure.
handle create_exclusive(const fs::path& path, bool delete_on_close, std::error_code& ec,
                        unsigned mode = 0600) noexcept;

/// Opens a file with no name in `dir` (Linux O_TMPFILE, 0600, linkable).
/// errc::operation_not_supported when this OS or this directory's file
/// system cannot (EOPNOTSUPP, EISDIR, EINVAL): the caller then falls back to
/// create_exclusive + remove_file (Windows: delete_on_close). Other errors
/// (ENOENT, EACCES) are the directory's and are reported as they are.
/// `mode` as for create_exclusive.
handle create_unnamed(const fs::path& dir, std::error_code& ec, unsigned mode = 0600) noexcept;

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

/// Creates directory `path`, mode 0700 or `mode` (the umask applied as
/// mkdir(2) applies it, see create_exclusive; Windows: a protected owner-only
/// DACL, `mode` ignored). errc::file_exists when the name is taken.
void make_directory(const fs::path& path, std::error_code& ec, unsigned mode = 0700) noexcept;

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
/// does that job). Windows retries ERROR_ACCESS_DENIED and
/// ERROR_SHARING_VIOLATION for about a second (win::retry_budget), since
/// virus scanners and indexers open new files for a moment; not when `to`
/// is a directory, which no retry changes.
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

/// sync_directory in two steps, so that nothing is allocated between a
/// rename and its sync (atomic_file::commit opens the directory before its
/// rename): opens `dir` for syncing (POSIX O_RDONLY|O_DIRECTORY; Windows
/// read/write with backup semantics). Returns file::invalid_handle() with
/// ec set on failure, or with ec clear where the file system cannot sync a
/// directory (Windows), which sync_directory(handle) then skips.
handle open_directory_for_sync(const fs::path& dir, std::error_code& ec) noexcept;
/// The second step: syncs `dir` (from open_directory_for_sync;
/// file::invalid_handle() does nothing). Allocates nothing. The caller
/// closes `dir` (os::close).
void sync_directory(handle dir, std::error_code& ec) noexcept;

// ---- orphans: an owner's lock (lock_posix.cpp, lock_windows.cpp) ------------

/// Marks the open file `h` (from create_exclusive) as a live owner's, so
/// that reap_orphans and systemd-tmpfiles leave it alone, and returns the
/// handle the owner keeps to hold that mark, if it needs one.
/// POSIX: flock(LOCK_SH|LOCK_NB) on h's open file description, which the
/// kernel drops when the last descriptor on it closes, at any exit.
/// Windows: h itself marks the file (its read/write access is what the
/// reaper's probe yields to), as long as it is open.
/// `outlive`: the mark must stay after h is closed (close() with
/// delete_on_close = false, or options.keep), so a second handle is
/// returned: POSIX a dup of h (F_DUPFD_CLOEXEC, one open file description,
/// one lock); Windows ReOpenFile(FILE_READ_DATA, share read|write, no
/// FILE_SHARE_DELETE), which also keeps anyone from deleting or renaming
/// the file while it is open: the owner closes it before it does either.
/// Without `outlive` returns file::invalid_handle() on success.
/// A POSIX lock already held exclusively (a reaper removing the file right
/// now) fails with errc::resource_unavailable_try_again, never waits.
handle lock_file(handle h, bool outlive, std::error_code& ec) noexcept;

/// The same mark for the directory `path`, just made by make_directory:
/// POSIX an open(O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC) handle with
/// flock(LOCK_SH|LOCK_NB) on it; Windows a handle with FILE_LIST_DIRECTORY
/// access and share read|write but not delete, so that nobody (the owner
/// included: it closes this handle first) can delete or rename the
/// directory while it is open. Returns the handle, which the owner closes
/// at its end (after removing the directory), or invalid_handle() on failure.
handle lock_directory(const fs::path& path, std::error_code& ec) noexcept;

/// Whether the mark keeps the owner itself from deleting, renaming or
/// removing what it marked (Windows: the handle without FILE_SHARE_DELETE),
/// so that the owner closes the mark's handle first. POSIX: false, and the
/// owner closes it after the removal succeeded.
bool lock_blocks_removal() noexcept;

/// Takes the mark away for good (keep(), persist()): POSIX flock(LOCK_UN)
/// on `lock`, else on `h` (so that a copy of the descriptor inherited by a
/// fork()ed child does not keep it either), then closes `lock`; Windows
/// closes `lock`. Either handle may be invalid_handle(). Never fails.
void unlock(handle lock, handle h) noexcept;

// ---- orphans: what the reaper asks of the OS (reap_posix.cpp, reap_windows.cpp)

/// One directory entry as the reaper sees it, never following a link.
struct entry_status {
    enum class kind { file, directory, other };
    kind type = kind::other;         ///< other: a symbolic link (junction), FIFO, socket, device
    bool owned = false;              ///< the calling user's (POSIX: st_uid is the effective uid;
                                     ///< Windows: the owner SID is the token's user or default owner)
    std::chrono::nanoseconds age{};  ///< now less the modification time; negative in the future
    std::uint64_t identity[3] = {};  ///< device and inode; Windows: volume and 128-bit file ID
};

/// Opens `dir` (following a link there, as the caller named it) as the
/// handle the reaper works relative to. invalid_handle() with ec on failure.
handle open_directory(const fs::path& dir, std::error_code& ec) noexcept;

/// The names in the open directory `dir`, "." and ".." left out.
/// Throws std::bad_alloc only.
std::vector<fs::path::string_type> list_names(handle dir, std::error_code& ec);

/// lstat of `name` in `dir` (fstatat(AT_SYMLINK_NOFOLLOW); Windows a
/// handle-relative open of the entry itself, FILE_OPEN_REPARSE_POINT).
/// False without error when the entry is gone.
bool status_at(handle dir, const fs::path::string_type& name, entry_status& out,
               std::error_code& ec) noexcept;

/// What lock_exclusive_at found.
enum class lock_state { taken, busy, gone };

/// Opens `name` in `dir` as a `type` (never following a link: O_NOFOLLOW,
/// O_DIRECTORY for a directory, O_NONBLOCK so that a FIFO swapped in cannot
/// block) and takes an exclusive lock without waiting: POSIX
/// flock(LOCK_EX|LOCK_NB); Windows DELETE access with share read|delete
/// only, refused while any handle without FILE_SHARE_DELETE, or with write
/// access, is open on it. taken: the returned handle holds the lock, and
/// `locked` says what it opened; busy: a live owner holds its mark; gone:
/// vanished, or no longer a `type`. invalid_handle() unless taken.
handle lock_exclusive_at(handle dir, const fs::path::string_type& name, entry_status::kind type,
                         lock_state& state, entry_status& locked, std::error_code& ec) noexcept;

/// Removes the entry `name` of `dir`, locked by lock_exclusive_at through
/// `locked` and checked to be what the name leads to: a file with unlinkat
/// (Windows: deleted through `locked`), a directory through the hardened
/// tree removal relative to `dir` (Windows: by its path `shown`, with
/// `locked` still open). Returns the entries removed; on failure sets ec
/// and `failed` to the entry that could not go. A vanished entry is no error.
std::uintmax_t remove_locked_at(handle dir, const fs::path::string_type& name, handle locked,
                                entry_status::kind type, const fs::path& shown, std::error_code& ec,
                                fs::path& failed) noexcept;

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

// ---- replacing a file whole (atomic_file; atomic_target.cpp decides) -------

/// Whether `path` is a symbolic link, without following it (POSIX readlink;
/// Windows a symbolic-link reparse point, IO_REPARSE_TAG_SYMLINK: junctions
/// name directories, which no file replaces). If it is, `target` receives
/// what it holds, as written: a relative one is relative to the link's own
/// directory. A missing path, or any other kind of entry, is no link and no
/// error. Throws std::bad_alloc only.
bool read_link(const fs::path& path, fs::path& target, std::error_code& ec);

/// What atomic_file keeps of the file it replaces.
struct target_status {
    bool exists = false;
    bool directory = false;
    unsigned mode = 0;        ///< its rwx bits (POSIX), never setuid, setgid or sticky
    std::int64_t owner = -1;  ///< POSIX uid and gid; -1 on Windows
    std::int64_t group = -1;
};

/// stat(2) of `path`, following links (Windows: its attributes). A missing
/// path gives exists = false without error.
void status_of_target(const fs::path& path, target_status& out, std::error_code& ec) noexcept;

/// Creates `path` exclusively and opens it read/write, as create_exclusive,
/// for a file that is to replace another and live on: POSIX O_CREAT|O_EXCL|
/// O_NOFOLLOW|O_CLOEXEC with `mode` (the umask applies); Windows CREATE_NEW,
/// not inheritable, with the security the directory gives its new files (not
/// the owner-only DACL of a temporary, which would stay with the new content
/// of a target that did not exist), `mode` ignored.
handle create_replacement(const fs::path& path, unsigned mode, std::error_code& ec) noexcept;

/// Gives the open file `h` the owner and group of `like` where this process
/// may: root gives any; another user changes the group only of a file of its
/// own, to a group it is in (EPERM is no error: the file keeps the creator's
/// owner and group). Nothing when `like` is this process's already, or on
/// Windows (ReplaceFileW keeps the target's owner, ACL and attributes).
void copy_owner(handle h, const target_status& like, std::error_code& ec) noexcept;

/// fchmod(h, mode) (POSIX); Windows has no mode bits and does nothing.
void set_mode(handle h, unsigned mode, std::error_code& ec) noexcept;

/// Puts the closed file `from` in place of `to` atomically (atomic_file::commit):
/// POSIX rename(2). Windows ReplaceFileW, so that `to` keeps its ACL, owner,
/// attributes and streams; MoveFileExW with MOVEFILE_REPLACE_EXISTING when
/// `to` does not exist, or when ReplaceFileW could not move the replacement
/// in; MOVEFILE_WRITE_THROUGH with `write_through`. Windows retries access
/// denied and sharing violations (virus scanners, indexers holding either
/// file) for about a second, as rename() does.
void replace(const fs::path& from, const fs::path& to, bool write_through, std::error_code& ec) noexcept;

// ---- reopening a file by its name (named_temporary_file::reopen) -----------

/// A file's identity: POSIX device and inode; Windows the volume serial
/// number and the 128-bit file ID.
struct file_id {
    std::uint64_t words[3] = {};
    bool operator==(const file_id& other) const noexcept {
        return words[0] == other.words[0] && words[1] == other.words[1] && words[2] == other.words[2];
    }
};

/// The identity of the open file `h` (fstat; GetFileInformationByHandleEx).
void identify(handle h, file_id& out, std::error_code& ec) noexcept;

/// Opens the existing file `path` read/write, without following a final
/// link (O_NOFOLLOW, and O_NONBLOCK|O_NOCTTY until it is known to be the
/// file, so that a FIFO or a terminal planted at the name cannot block;
/// Windows FILE_FLAG_OPEN_REPARSE_POINT, share read|write|delete, not
/// inheritable), and returns it only if it is the file `expected`: else
/// (another file, a link, a name that is gone) errc::no_such_file_or_directory
/// with nothing left open.
handle reopen(const fs::path& path, const file_id& expected, std::error_code& ec) noexcept;

}  // namespace tempfile::detail::os
