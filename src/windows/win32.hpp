// SPDX-License-Identifier: MIT
#pragma once
// What every file of the Windows layer shares: <windows.h>, the one owner of
// a HANDLE, and the error conversions. Internal to src/windows/.
#include <windows.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace tempfile::detail::os::win {

/// Owns a HANDLE (INVALID_HANDLE_VALUE or null: nothing) and closes it at
/// scope exit, errors ignored: what it holds carries no unwritten data.
class unique_handle {
public:
    unique_handle() noexcept = default;
    explicit unique_handle(HANDLE h) noexcept : h_(h) {}
    unique_handle(unique_handle&& other) noexcept : h_(std::exchange(other.h_, INVALID_HANDLE_VALUE)) {}
    unique_handle& operator=(unique_handle&& other) noexcept {
        if (this != &other) {
            reset();
            h_ = std::exchange(other.h_, INVALID_HANDLE_VALUE);
        }
        return *this;
    }
    unique_handle(const unique_handle&) = delete;
    unique_handle& operator=(const unique_handle&) = delete;
    ~unique_handle() { reset(); }

    HANDLE get() const noexcept { return h_; }
    HANDLE release() noexcept { return std::exchange(h_, INVALID_HANDLE_VALUE); }
    void reset() noexcept {
        if (*this) ::CloseHandle(h_);
        h_ = INVALID_HANDLE_VALUE;
    }
    explicit operator bool() const noexcept { return h_ != INVALID_HANDLE_VALUE && h_ != nullptr; }

private:
    HANDLE h_ = INVALID_HANDLE_VALUE;
};

// Windows 10 1809's extended disposition, spelled out here: the SDK hides
// it below _WIN32_WINNT 0x0A000002, and raising that would let calls that
// older systems lack slip in unnoticed. Every use checks for the error
// (ERROR_INVALID_PARAMETER) that older systems and Wine 8 return.
inline constexpr auto file_disposition_info_ex = static_cast<FILE_INFO_BY_HANDLE_CLASS>(21);
inline constexpr DWORD disposition_delete = 0x1;
inline constexpr DWORD disposition_posix_semantics = 0x2;
inline constexpr DWORD disposition_on_close = 0x8;
inline constexpr DWORD disposition_ignore_readonly = 0x10;
struct disposition_info_ex {
    DWORD flags;
};

/// GetLastError() as an error_code: libstdc++ and MSVC map Windows codes to
/// std::errc in system_category (ERROR_FILE_EXISTS == errc::file_exists).
inline std::error_code last_error() noexcept {
    return {static_cast<int>(::GetLastError()), std::system_category()};
}
inline std::error_code error(DWORD code) noexcept {
    return {static_cast<int>(code), std::system_category()};
}

/// The non-inheritable, owner-only security of every file and directory we
/// create: a protected DACL granting full access to the user of the process
/// token (TokenUser, never TokenOwner) and to SYSTEM, nobody else.
/// `directory`: the entries also inherit to children made inside.
/// Returns null if the token cannot be read (the caller then fails).
SECURITY_ATTRIBUTES* owner_only(bool directory) noexcept;

/// The error that owner_only() met, for the caller to report.
std::error_code owner_only_error() noexcept;

/// Builds owner_only()'s DACL in `acl` (`size` bytes): full access for
/// `user` and `system`, and for `package` when not null: the AppContainer
/// SID of a process in an AppContainer (a packaged or sandboxed app), whose
/// access checks need its own SID granted too, or it could not open what it
/// made. `inherit`: the ACE flags (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE
/// for directories). False with GetLastError set on failure.
bool build_owner_only_acl(ACL* acl, DWORD size, DWORD inherit, PSID user, PSID system, PSID package) noexcept;

// ---- paths and identities (paths_windows.cpp) ---------------------------------

/// A path as handed to the OS. One of 248 characters or more (CreateDirectoryW's
/// limit: MAX_PATH less room for an 8.3 name) gets the \\?\ prefix
/// (\\?\UNC\ for \\server\share), after GetFullPathNameW has made it
/// absolute and resolved "." and "..", which \\?\ would no longer do:
/// without it Win32 cuts such a path and reports ERROR_PATH_NOT_FOUND,
/// which reads as "already gone". Shorter paths go as they are, so that
/// Win32 gives them their usual meaning (Rust's std does the same).
/// Verbatim (\\?\) and device (\\.\) paths are left alone. Never throws: if
/// memory runs out the path goes as it is, and the OS reports what it reports.
class os_path {
public:
    explicit os_path(const std::filesystem::path& path) noexcept;
    const wchar_t* c_str() const noexcept { return long_.empty() ? short_ : long_.c_str(); }

private:
    const wchar_t* short_;
    std::wstring long_;
};

/// The text os_path hands to the OS (for tests; throws std::bad_alloc).
std::wstring long_path(const std::wstring& path);

/// A file's identity: the volume serial number and the 128-bit file ID
/// (FileIdInfo: ReFS IDs do not fit in 64 bits), else the 64-bit index of
/// GetFileInformationByHandle where FileIdInfo is unknown (before Windows
/// 8, some file systems). False (GetLastError set) if neither answers.
struct file_identity {
    ULONGLONG volume = 0;
    unsigned char id[16] = {};
    bool operator==(const file_identity& other) const noexcept;
    bool operator!=(const file_identity& other) const noexcept { return !(*this == other); }
};
bool read_identity(HANDLE h, file_identity& out) noexcept;

// ---- creating, renaming and replacing (os_windows.cpp, replace_windows.cpp) -----

/// CreateFileW with CREATE_NEW, read/write access, share read|write|delete,
/// `flags` and `security`. A name already taken reports errc::file_exists,
/// also when CREATE_NEW said access denied and the name exists (a directory,
/// a file pending deletion), so that callers retry only real collisions.
HANDLE create_new(const std::filesystem::path& path, DWORD flags, SECURITY_ATTRIBUTES* security,
                  std::error_code& ec) noexcept;

/// Whether a failed MoveFileExW or ReplaceFileW may succeed a moment later:
/// ERROR_ACCESS_DENIED and ERROR_SHARING_VIOLATION, what Windows answers
/// while a virus scanner or an indexer holds either file open (LLVM's
/// rename retries the same). Anything else is final.
bool is_transient_refusal(DWORD error) noexcept;

/// is_transient_refusal(error), unless `target` is a directory or read-only:
/// replacing either is denied for good, and waiting a second would change
/// nothing.
bool worth_retrying(DWORD error, const wchar_t* target) noexcept;

/// What os::replace does after ReplaceFileW failed with `error`:
/// move_instead for ERROR_FILE_NOT_FOUND (no file to replace: a new target)
/// and ERROR_UNABLE_TO_MOVE_REPLACEMENT (without a backup name the replaced
/// file may be gone and the replacement kept its name: MoveFileExW puts it
/// in place either way); retry for ERROR_UNABLE_TO_REMOVE_REPLACED (both
/// files keep their names) and the transient refusals; fail for anything else.
enum class replace_step { retry, move_instead, fail };
replace_step after_replace_error(DWORD error) noexcept;

/// Whether this system's ReplaceFileW replaces atomically. Windows' does.
/// Wine's (8.0) moves the target aside under a GetTempFileNameW name, then
/// the replacement in: for a moment there is no target, its attributes and
/// ACL are not carried over, and when the first move fails (a sharing
/// violation) the "rf*.tmp" file it made is left behind. Under Wine,
/// os::replace therefore uses MoveFileExW (rename(2) underneath, atomic).
bool replace_file_is_atomic() noexcept;

/// os::replace, with the choice of ReplaceFileW made by the caller (tests
/// run the ReplaceFileW path under Wine too).
void replace(const std::filesystem::path& from, const std::filesystem::path& to, bool write_through,
             bool use_replace_file, std::error_code& ec) noexcept;

/// The target held by a symbolic link's reparse data (FSCTL_GET_REPARSE_POINT
/// output, `size` bytes, tag IO_REPARSE_TAG_SYMLINK): its substitute name,
/// as written when relative (SYMLINK_FLAG_RELATIVE), else in Win32 form
/// ("\??\C:\x" is "C:\x", "\??\UNC\s\h" is "\\s\h", another
/// "\??\" becomes "\\?\"). False if the data is not that of a symbolic
/// link or its lengths run past `size`. Throws std::bad_alloc only.
bool symlink_target(const unsigned char* data, std::size_t size, std::wstring& out);

// ---- deletion by handle (delete_windows.cpp) -----------------------------------

/// True when SetFileInformationByHandle(FileDispositionInfoEx) failed because
/// this OS or this file system does not know the class or its flags
/// (ERROR_INVALID_PARAMETER: Windows before 10 1809, Wine, and FAT, whose
/// driver says so for any class it lacks; ERROR_INVALID_FUNCTION,
/// ERROR_NOT_SUPPORTED): the classic disposition is then the way.
bool disposition_ex_refused(DWORD error) noexcept;

/// What one call (a remove_tree, a remove_file) has learnt about the
/// extended disposition: once refused, the rest of that call goes straight
/// to the classic one. Never process-wide: one FAT volume must not switch
/// POSIX semantics off for every other volume (Rust's std decides per call).
struct deletion_state {
    bool ex_refused = false;
};

/// Deletes the open file, directory or reparse point `h` (opened with DELETE
/// and FILE_WRITE_ATTRIBUTES), whose attributes were `attributes`: POSIX
/// semantics (the name goes at once even if others hold it open) and the
/// read-only attribute ignored, where the OS can (FileDispositionInfoEx);
/// else the read-only attribute is cleared and the classic disposition set
/// (the name goes when the last handle closes). Either way the deletion
/// takes effect when `h` is closed.
void delete_by_handle(HANDLE h, DWORD attributes, deletion_state& state, std::error_code& ec) noexcept;

/// One budget of short waits for a whole operation: a remove_tree call, or
/// the console handler's walk over every owner (Windows ends the process 5
/// seconds after CTRL_CLOSE_EVENT), never one per entry, so that K files
/// held open by a scanner cost one budget, not K seconds.
class retry_budget {
public:
    static constexpr DWORD default_ms = 1000;  // "about a second", as LLVM waits
    explicit retry_budget(DWORD total_ms = default_ms) noexcept : left_(total_ms) {}
    /// The wait before retry number `attempt` (0, 1, ...) of one operation:
    /// 1, 2, 4, ... ms, at most what is left, which it takes; 0 when spent.
    DWORD next_pause(int attempt) noexcept;
    /// Sleeps next_pause(attempt); false (no sleep) when the budget is spent.
    bool pause(int attempt) noexcept;
    DWORD left_ms() const noexcept { return left_; }

private:
    DWORD left_;
};

/// The tree removal with a caller's budget (os::remove_tree gives each call
/// its own): the console handler shares one among every owner it removes.
std::uintmax_t remove_tree(const std::filesystem::path& path, retry_budget& budget, std::error_code& ec,
                           std::filesystem::path* failed_entry = nullptr) noexcept;

/// Whether FileDispositionInfoEx's ON_CLOSE flag can be trusted to clear
/// FILE_FLAG_DELETE_ON_CLOSE on this build: from Windows 10 1809 (build
/// 17763). Builds 14393 to 17134 (1607 to 1803, Server 2016) know the class
/// and may accept the flag without honouring it.
bool on_close_flag_trusted(DWORD build) noexcept;

/// Whether sync_directory may give up quietly after this error of opening
/// a directory for writing or of FlushFileBuffers on it: the file system or
/// the handle cannot flush a directory (access denied, invalid function or
/// parameter, not supported). An I/O error is reported.
bool directory_flush_unsupported(DWORD error) noexcept;

// ---- decisions the tree removal makes (remove_tree_windows.cpp) ----------------

/// Whether the walk goes into an entry with these attributes and reparse tag
/// (the tag counts only with FILE_ATTRIBUTE_REPARSE_POINT): a directory, unless
/// it is a name surrogate (IsReparseTagNameSurrogate: symbolic links,
/// junctions, mount points), which is a link, deleted itself and never
/// followed. Other reparse points (OneDrive's cloud-file placeholders,
/// deduplication, WCI) are ordinary directories whose content must go
/// first; PowerShell had that bug (PowerShell#15237).
bool enters_directory(DWORD attributes, DWORD reparse_tag) noexcept;

/// What a failed directory listing call means. `first`: no entry read yet.
enum class listing_step { end, fall_back, fail };
/// ERROR_NO_MORE_FILES: the end; ERROR_FILE_NOT_FOUND on the first call:
/// an empty directory on some network file systems, the end too
/// (golang/go#62044); a class the file system does not know, on the first
/// call of FileIdBothDirectoryInfo (redirected and network drives:
/// golang/go#61159): fall back to FileFullDirectoryInfo; anything else fails.
listing_step after_listing_error(DWORD error, bool first, bool full_info) noexcept;

/// An entry of a directory listing.
struct listed_entry {
    std::wstring name;
    DWORD attributes;
    DWORD reparse_tag;  // meaningful with FILE_ATTRIBUTE_REPARSE_POINT only
};

/// Appends every entry of the directory `dir` (opened with
/// FILE_LIST_DIRECTORY), but "." and "..", to `out`: FileIdBothDirectoryInfo,
/// else FileFullDirectoryInfo (from the start, with `full_info`). Returns the
/// error that stopped it (none at the end). Throws std::bad_alloc.
std::error_code list_directory(HANDLE dir, bool full_info, std::vector<listed_entry>& out);

}  // namespace tempfile::detail::os::win
