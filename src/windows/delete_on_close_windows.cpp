// SPDX-License-Identifier: MIT
// Cancelling FILE_FLAG_DELETE_ON_CLOSE on an open file (see os.hpp).
//
// Windows 10 1809 and later clear the flag in place. Elsewhere the flag
// cannot be taken back: setting FileDispositionInfo to FALSE does not cancel
// it (Wine 8 deletes the file at close all the same), and a rename does not
// escape it on Windows (the renamed file goes). So a second name is made,
// the flagged handle closed (which deletes only the first name), and the
// first name taken back by renaming the second.
#include "os.hpp"
#include "windows/win32.hpp"

#include <cstdio>
#include <string>

namespace tempfile::detail::os {
namespace {

bool clear_in_place(HANDLE h, std::error_code& ec) noexcept {
    win::disposition_info_ex info{win::disposition_on_close};  // without "delete": do not delete at close
    if (::SetFileInformationByHandle(h, win::file_disposition_info_ex, &info, sizeof info)) return true;
    DWORD error_code = ::GetLastError();
    if (error_code != ERROR_INVALID_PARAMETER && error_code != ERROR_INVALID_FUNCTION &&
        error_code != ERROR_NOT_SUPPORTED)
        ec = win::error(error_code);
    return false;
}

// A name beside `path` for the second link: path + ".keep" + 16 hex digits.
fs::path spare_name(const fs::path& path, std::error_code& ec) {
    unsigned char bytes[8];
    random_bytes(bytes, sizeof bytes, ec);
    if (ec) return {};
    wchar_t hex[sizeof bytes * 2 + 1];
    for (std::size_t i = 0; i < sizeof bytes; ++i) std::swprintf(hex + 2 * i, 3, L"%02x", bytes[i]);
    fs::path spare = path;
    spare += L".keep";
    spare += hex;
    return spare;
}

constexpr DWORD share_all = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// The flag is gone, but the handle keeps the DELETE access the flag implied,
// and while it is open Windows lets others open the file only with
// FILE_SHARE_DELETE, which ordinary programs do not ask for: a handle
// without it takes its place, at the same position. Failing that, the old
// one serves, only less shareable.
HANDLE without_delete_access(HANDLE h) noexcept {
    HANDLE reopened = ::ReOpenFile(h, GENERIC_READ | GENERIC_WRITE, share_all, 0);
    if (reopened == INVALID_HANDLE_VALUE) return h;
    LARGE_INTEGER zero{}, position{};
    if (!::SetFilePointerEx(h, zero, &position, FILE_CURRENT) ||
        !::SetFilePointerEx(reopened, position, nullptr, FILE_BEGIN)) {
        ::CloseHandle(reopened);
        return h;
    }
    ::CloseHandle(h);
    return reopened;
}

bool same_file(HANDLE a, const BY_HANDLE_FILE_INFORMATION& b) noexcept {
    BY_HANDLE_FILE_INFORMATION info;
    return ::GetFileInformationByHandle(a, &info) && info.dwVolumeSerialNumber == b.dwVolumeSerialNumber &&
           info.nFileIndexHigh == b.nFileIndexHigh && info.nFileIndexLow == b.nFileIndexLow;
}

}  // namespace

handle cancel_delete_on_close(handle h, const fs::path& path, std::error_code& ec) noexcept {
    ec.clear();
    if (clear_in_place(h, ec)) return without_delete_access(h);
    if (ec) return h;
    BY_HANDLE_FILE_INFORMATION identity;
    LARGE_INTEGER zero{}, position{};
    if (!::GetFileInformationByHandle(h, &identity) ||
        !::SetFilePointerEx(h, zero, &position, FILE_CURRENT)) {
        ec = win::last_error();
        return h;
    }
    fs::path spare;
    try {
        spare = spare_name(path, ec);
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
    }
    if (ec) return h;
    if (!::CreateHardLinkW(spare.c_str(), path.c_str(), nullptr)) {
        ec = win::last_error();  // FAT has no hard links: the file stays delete-on-close
        return h;
    }
    // Closed before the second handle is opened: Wine defers a
    // delete-on-close until the file's last handle closes, and would then
    // delete the name `path` that we are about to take back.
    ::CloseHandle(h);
    win::unique_handle kept(::CreateFileW(spare.c_str(), GENERIC_READ | GENERIC_WRITE, share_all, nullptr,
                                          OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
    if (!kept) {
        ec = win::last_error();
        return INVALID_HANDLE_VALUE;
    }
    // The spare name was visible for a moment: it must still be our file.
    if (!same_file(kept.get(), identity)) {
        ec = std::make_error_code(std::errc::file_exists);
        return INVALID_HANDLE_VALUE;
    }
    if (!::SetFilePointerEx(kept.get(), position, nullptr, FILE_BEGIN)) {
        ec = win::last_error();
        return kept.release();
    }
    // Without REPLACE_EXISTING: if someone took the name meanwhile, theirs
    // stays, and ours is reported (it remains at the spare name).
    if (!::MoveFileExW(spare.c_str(), path.c_str(), 0)) ec = win::last_error();
    return kept.release();
}

}  // namespace tempfile::detail::os
