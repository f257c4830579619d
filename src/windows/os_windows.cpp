// SPDX-License-Identifier: MIT
// Win32 creation, removal and renaming behind src/os.hpp. Paths are wide
// throughout: fs::path::native() is std::wstring here, so a name with any
// Unicode character reaches the OS as it is, and a long one with the
// \\?\ prefix (win::os_path).
#include "os.hpp"
#include "windows/ntdll.hpp"

#include <cstdio>
#include <string>

namespace tempfile::detail::os {
namespace {

constexpr DWORD share_all = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

std::error_code not_supported() noexcept {
    return std::make_error_code(std::errc::operation_not_supported);
}

bool is_gone(DWORD error_code) noexcept {
    return error_code == ERROR_FILE_NOT_FOUND || error_code == ERROR_PATH_NOT_FOUND;
}

// A file deleted while others hold it open lingers as "delete pending", and
// Win32 reports every use of its name as ERROR_ACCESS_DENIED.
bool is_delete_pending(DWORD error_code) noexcept {
    return error_code == ERROR_ACCESS_DENIED && win::nt::last_status() == win::nt::status_delete_pending;
}

}  // namespace

namespace win {

HANDLE create_new(const fs::path& path, DWORD flags, SECURITY_ATTRIBUTES* security,
                  std::error_code& ec) noexcept {
    ec.clear();
    const win::os_path native(path);
    HANDLE h = ::CreateFileW(native.c_str(), GENERIC_READ | GENERIC_WRITE, share_all, security, CREATE_NEW,
                             flags, nullptr);
    if (h != INVALID_HANDLE_VALUE) return h;
    DWORD error_code = ::GetLastError();
    // CREATE_NEW on a name held by a directory, or by a file pending
    // deletion, says access denied. Only when the name really exists is that
    // a collision to retry: in a directory we may not write to, it is the
    // truth, and retrying would loop (CPython gh-66305 tried 2^31 times).
    if (error_code == ERROR_ACCESS_DENIED &&
        (is_delete_pending(error_code) || ::GetFileAttributesW(native.c_str()) != INVALID_FILE_ATTRIBUTES))
        error_code = ERROR_FILE_EXISTS;
    ec = win::error(error_code);
    return INVALID_HANDLE_VALUE;
}

}  // namespace win

// `mode` is POSIX's: Windows has no mode bits, and the DACL is the owner-only one.
handle create_exclusive(const fs::path& path, bool delete_on_close, std::error_code& ec,
                        unsigned /*mode*/) noexcept {
    ec.clear();
    SECURITY_ATTRIBUTES* security = win::owner_only(false);
    if (security == nullptr) {
        ec = win::owner_only_error();
        return INVALID_HANDLE_VALUE;
    }
    // No DELETE access unless FILE_FLAG_DELETE_ON_CLOSE implies it: while a
    // handle with DELETE access is open, Windows lets others open the file
    // only with FILE_SHARE_DELETE, which ordinary programs do not ask for.
    // FILE_ATTRIBUTE_TEMPORARY keeps the data in the cache rather than on
    // the disk for as long as memory allows.
    DWORD flags = FILE_ATTRIBUTE_TEMPORARY | (delete_on_close ? FILE_FLAG_DELETE_ON_CLOSE : 0);
    return win::create_new(path, flags, security, ec);
}

handle create_unnamed(const fs::path&, std::error_code& ec, unsigned) noexcept {
    ec = not_supported();  // every Windows file has a name: the caller uses delete_on_close
    return INVALID_HANDLE_VALUE;
}

bool has_delete_on_close() noexcept {
    return true;
}

void make_directory(const fs::path& path, std::error_code& ec, unsigned /*mode: POSIX only*/) noexcept {
    ec.clear();
    SECURITY_ATTRIBUTES* security = win::owner_only(true);
    if (security == nullptr)
        ec = win::owner_only_error();
    else if (!::CreateDirectoryW(win::os_path(path).c_str(), security))
        ec = win::last_error();  // ERROR_ALREADY_EXISTS is errc::file_exists
}

void remove_file(const fs::path& path, std::error_code& ec) noexcept {
    ec.clear();
    const win::os_path native(path);
    if (::DeleteFileW(native.c_str())) return;
    DWORD error_code = ::GetLastError();
    if (is_gone(error_code) || is_delete_pending(error_code)) return;
    DWORD attributes =
        error_code == ERROR_ACCESS_DENIED ? ::GetFileAttributesW(native.c_str()) : INVALID_FILE_ATTRIBUTES;
    if (attributes == INVALID_FILE_ATTRIBUTES || !(attributes & FILE_ATTRIBUTE_READONLY) ||
        (attributes & FILE_ATTRIBUTE_DIRECTORY)) {
        ec = win::error(error_code);
        return;
    }
    // Read-only: POSIX unlinks such a file all the same, so we do too,
    // through a handle so that the name cannot change in between.
    win::unique_handle h(::CreateFileW(native.c_str(), DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES,
                                       share_all, nullptr, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT,
                                       nullptr));
    if (!h) {
        error_code = ::GetLastError();
        if (!is_gone(error_code)) ec = win::error(error_code);
        return;
    }
    win::deletion_state deletion;
    win::delete_by_handle(h.get(), attributes, deletion, ec);
}

void rename(const fs::path& from, const fs::path& to, bool overwrite, bool write_through,
            std::error_code& ec) noexcept {
    ec.clear();
    DWORD flags = (overwrite ? MOVEFILE_REPLACE_EXISTING : 0) | (write_through ? MOVEFILE_WRITE_THROUGH : 0);
    // No MOVEFILE_COPY_ALLOWED: across volumes this fails with
    // ERROR_NOT_SAME_DEVICE (errc::cross_device_link), never copies.
    const win::os_path source(from);
    const win::os_path target(to);
    win::retry_budget budget;  // a virus scanner or an indexer holding either file lets go soon
    for (int attempt = 0; !::MoveFileExW(source.c_str(), target.c_str(), flags); ++attempt) {
        const DWORD error_code = ::GetLastError();
        if (!win::worth_retrying(error_code, target.c_str()) || !budget.pause(attempt)) {
            ec = win::error(error_code);
            return;
        }
    }
    // What is renamed is kept: it loses the temporary attribute, so that the
    // cache manager writes it out as any other file. Best effort.
    DWORD attributes = ::GetFileAttributesW(target.c_str());
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_TEMPORARY))
        ::SetFileAttributesW(target.c_str(), attributes & ~FILE_ATTRIBUTE_TEMPORARY);
}

void link_unnamed(handle, const fs::path&, std::error_code& ec) noexcept {
    ec = not_supported();
}

// Microsoft promises MOVEFILE_WRITE_THROUGH only for a move that copies, so
// the rename is made durable here: FlushFileBuffers on the directory,
// opened for writing with backup semantics, commits what NTFS journals of
// it (the new entry). A file system or handle that cannot flush a
// directory (FAT, some network redirectors) ends quietly: nothing more can
// be done there. An I/O error is reported.
void sync_directory(const fs::path& dir, std::error_code& ec) noexcept {
    win::unique_handle h(open_directory_for_sync(dir, ec));
    if (h) sync_directory(h.get(), ec);
}

handle open_directory_for_sync(const fs::path& dir, std::error_code& ec) noexcept {
    ec.clear();
    HANDLE h = ::CreateFileW(win::os_path(dir).c_str(), GENERIC_READ | GENERIC_WRITE, share_all, nullptr,
                             OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
        const DWORD error_code = ::GetLastError();
        if (!win::directory_flush_unsupported(error_code)) ec = win::error(error_code);
    }
    return h;
}

void sync_directory(handle dir, std::error_code& ec) noexcept {
    ec.clear();
    if (dir == INVALID_HANDLE_VALUE) return;
    if (!::FlushFileBuffers(dir)) {
        const DWORD error_code = ::GetLastError();
        if (!win::directory_flush_unsupported(error_code)) ec = win::error(error_code);
    }
}

namespace win {
bool directory_flush_unsupported(DWORD error) noexcept {
    return error == ERROR_ACCESS_DENIED || error == ERROR_INVALID_FUNCTION ||
           error == ERROR_INVALID_PARAMETER || error == ERROR_NOT_SUPPORTED;
}
}  // namespace win

}  // namespace tempfile::detail::os
