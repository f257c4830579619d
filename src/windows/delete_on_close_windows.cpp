// SPDX-License-Identifier: MIT
// Cancelling FILE_FLAG_DELETE_ON_CLOSE on an open file (see os.hpp).
//
// Windows 10 1809 and later clear the flag in place. Earlier builds that
// know FileDispositionInfoEx (1607 to 1803, Server 2016) may accept the
// ON_CLOSE flag without honouring it, and the file would then go at close
// although keep() said it stays: the build number decides, never the call's
// success alone. Elsewhere the flag cannot be taken back: setting
// FileDispositionInfo to FALSE does not cancel it (Wine 8 deletes the file at
// close all the same), and a rename does not escape it on Windows (the
// renamed file goes). So a second name is made, the flagged handle closed
// (which deletes only the first name), and the first name taken back by
// renaming the second. If that last step fails, the file keeps the second
// name, and the caller is told so: it still owns, and deletes, the file.
#include "os.hpp"
#include "windows/ntdll.hpp"

#include <cstdio>
#include <string>

namespace tempfile::detail::os {
namespace {

bool clear_in_place(HANDLE h, std::error_code& ec) noexcept {
    if (!win::on_close_flag_trusted(win::nt::build_number())) return false;
    win::disposition_info_ex info{win::disposition_on_close};  // without "delete": do not delete at close
    if (::SetFileInformationByHandle(h, win::file_disposition_info_ex, &info, sizeof info)) return true;
    DWORD error_code = ::GetLastError();
    if (!win::disposition_ex_refused(error_code)) ec = win::error(error_code);
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

bool name_still_there(const fs::path& path) noexcept {
    if (::GetFileAttributesW(win::os_path(path).c_str()) != INVALID_FILE_ATTRIBUTES) return true;
    return ::GetLastError() == ERROR_ACCESS_DENIED &&
           win::nt::last_status() == win::nt::status_delete_pending;
}

// The hard-link way, for when the flag cannot be cleared in place.
handle keep_through_second_name(handle h, fs::path& path, std::error_code& ec) noexcept {
    win::file_identity identity;
    LARGE_INTEGER zero{}, position{};
    if (!win::read_identity(h, identity) || !::SetFilePointerEx(h, zero, &position, FILE_CURRENT)) {
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
    if (!::CreateHardLinkW(win::os_path(spare).c_str(), win::os_path(path).c_str(), nullptr)) {
        ec = win::last_error();  // FAT has no hard links: the file stays delete-on-close
        return h;
    }
    // Closed before the second handle is opened: Wine defers a
    // delete-on-close until the file's last handle closes, and would then
    // delete the name `path` that we are about to take back.
    ::CloseHandle(h);
    win::unique_handle kept(::CreateFileW(win::os_path(spare).c_str(), GENERIC_READ | GENERIC_WRITE,
                                          share_all, nullptr, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT,
                                          nullptr));
    if (!kept) {
        ec = win::last_error();
        path = std::move(spare);  // the file lives on there, with no handle: the owner deletes it by name
        return INVALID_HANDLE_VALUE;
    }
    // The spare name was visible for a moment: it must still be our file.
    // If it is not, ours is gone with its last name, and theirs stays theirs.
    win::file_identity now;
    if (!win::read_identity(kept.get(), now) || now != identity) {
        ec = std::make_error_code(std::errc::file_exists);
        return INVALID_HANDLE_VALUE;
    }
    // While another handle holds the file, the first name waits for it to
    // close before it goes (Windows: delete pending; Wine: the name stays
    // and is unlinked then, whatever it names by that time): it cannot be
    // taken back now. The file is reported under the name it keeps.
    if (name_still_there(path)) {
        ec = win::error(ERROR_ALREADY_EXISTS);
        path = std::move(spare);
        return kept.release();
    }
    // Without REPLACE_EXISTING: if someone took the name meanwhile, theirs
    // stays, and ours is reported under the name it has.
    if (!::MoveFileExW(win::os_path(spare).c_str(), win::os_path(path).c_str(), 0)) {
        ec = win::last_error();
        path = std::move(spare);
    }
    if (!::SetFilePointerEx(kept.get(), position, nullptr, FILE_BEGIN) && !ec) ec = win::last_error();
    return kept.release();
}

}  // namespace

handle cancel_delete_on_close(handle h, fs::path& path, std::error_code& ec) noexcept {
    ec.clear();
    if (clear_in_place(h, ec)) return without_delete_access(h);
    if (ec) return h;
    return keep_through_second_name(h, path, ec);
}

namespace win {

bool on_close_flag_trusted(DWORD build) noexcept {
    return build >= 17763;  // Windows 10 1809, Server 2019
}

}  // namespace win
}  // namespace tempfile::detail::os
