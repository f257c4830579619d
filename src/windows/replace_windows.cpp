// SPDX-License-Identifier: MIT
// What atomic_file asks of Windows (see src/os.hpp): symbolic links read one
// step at a time, the new file created with the directory's own security,
// and ReplaceFileW, so that the replaced file's ACL, owner, attributes and
// streams stay, with retries while a scanner holds either file.
#include "os.hpp"
#include "windows/ntdll.hpp"

#include <winioctl.h>

#include <cstring>
#include <string>
#include <vector>

namespace tempfile::detail::os {
namespace {

constexpr DWORD share_all = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

bool is_gone(DWORD error_code) noexcept {
    return error_code == ERROR_FILE_NOT_FOUND || error_code == ERROR_PATH_NOT_FOUND;
}

// The symbolic-link form of REPARSE_DATA_BUFFER (the SDK keeps it in the
// driver kit's headers): byte offsets into the data, names in UTF-16.
constexpr std::size_t header_size = 20;  // tag, lengths, four name fields, flags
constexpr ULONG symlink_flag_relative = 0x1;

std::uint16_t read_u16(const unsigned char* at) noexcept {
    std::uint16_t v;
    std::memcpy(&v, at, sizeof v);
    return v;
}

std::uint32_t read_u32(const unsigned char* at) noexcept {
    std::uint32_t v;
    std::memcpy(&v, at, sizeof v);
    return v;
}

bool starts_with(const std::wstring& text, const wchar_t* prefix) noexcept {
    return text.compare(0, std::wcslen(prefix), prefix) == 0;
}

}  // namespace

namespace win {

bool is_transient_refusal(DWORD error) noexcept {
    return error == ERROR_ACCESS_DENIED || error == ERROR_SHARING_VIOLATION;
}

bool worth_retrying(DWORD error, const wchar_t* target) noexcept {
    if (!is_transient_refusal(error)) return false;
    const DWORD attributes = ::GetFileAttributesW(target);
    return attributes == INVALID_FILE_ATTRIBUTES ||
           !(attributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_READONLY));
}

bool replace_file_is_atomic() noexcept {
    static const bool atomic = [] {
        HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
        return ntdll == nullptr || ::GetProcAddress(ntdll, "wine_get_version") == nullptr;
    }();
    return atomic;
}

replace_step after_replace_error(DWORD error) noexcept {
    switch (error) {
        case ERROR_FILE_NOT_FOUND:
        case ERROR_UNABLE_TO_MOVE_REPLACEMENT:
            return replace_step::move_instead;
        case ERROR_UNABLE_TO_REMOVE_REPLACED:
            return replace_step::retry;
        default:
            return is_transient_refusal(error) ? replace_step::retry : replace_step::fail;
    }
}

bool symlink_target(const unsigned char* data, std::size_t size, std::wstring& out) {
    if (size < header_size || read_u32(data) != IO_REPARSE_TAG_SYMLINK) return false;
    const std::size_t offset = read_u16(data + 8);
    const std::size_t length = read_u16(data + 10);
    const ULONG flags = read_u32(data + 16);
    if (length % sizeof(wchar_t) != 0 || header_size + offset + length > size) return false;
    std::wstring name(length / sizeof(wchar_t), L'\0');
    std::memcpy(&name[0], data + header_size + offset, length);
    if (!(flags & symlink_flag_relative) && starts_with(name, L"\\??\\")) {
        if (starts_with(name, L"\\??\\UNC\\"))
            name.replace(0, 8, L"\\\\");  // \??\UNC\server\share: \\server\share
        else if (name.size() >= 6 && name[5] == L':')
            name.erase(0, 4);  // \??\C:\x: C:\x
        else
            name[1] = L'\\', name[2] = L'?';  // \??\Volume{...}\x: \\?\Volume{...}\x
    }
    out = std::move(name);
    return true;
}

}  // namespace win

bool read_link(const fs::path& path, fs::path& target, std::error_code& ec) {
    ec.clear();
    const win::os_path native(path);
    // Most targets are no reparse point at all: one call, no handle.
    const DWORD attributes = ::GetFileAttributesW(native.c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES) {
        const DWORD error_code = ::GetLastError();
        if (!is_gone(error_code)) ec = win::error(error_code);
        return false;
    }
    if (!(attributes & FILE_ATTRIBUTE_REPARSE_POINT)) return false;
    win::unique_handle h(::CreateFileW(native.c_str(), FILE_READ_ATTRIBUTES, share_all, nullptr,
                                       OPEN_EXISTING,
                                       FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
    if (!h) {
        const DWORD error_code = ::GetLastError();
        if (!is_gone(error_code)) ec = win::error(error_code);
        return false;
    }
    std::vector<unsigned char> data(MAXIMUM_REPARSE_DATA_BUFFER_SIZE);
    DWORD returned = 0;
    if (!::DeviceIoControl(h.get(), FSCTL_GET_REPARSE_POINT, nullptr, 0, data.data(),
                           static_cast<DWORD>(data.size()), &returned, nullptr)) {
        const DWORD error_code = ::GetLastError();
        // Not a reparse point after all (replaced meanwhile): no link.
        if (error_code != ERROR_NOT_A_REPARSE_POINT) ec = win::error(error_code);
        return false;
    }
    std::wstring text;
    // Another kind of reparse point (a junction, a cloud file, a
    // deduplicated file) is no symbolic link: the file is what is there.
    if (!win::symlink_target(data.data(), returned, text)) return false;
    target = fs::path(std::move(text));
    return true;
}

void status_of_target(const fs::path& path, target_status& out, std::error_code& ec) noexcept {
    ec.clear();
    out = target_status{};
    const DWORD attributes = ::GetFileAttributesW(win::os_path(path).c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES) {
        const DWORD error_code = ::GetLastError();
        if (!is_gone(error_code)) ec = win::error(error_code);
        return;
    }
    out.exists = true;
    out.directory = (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

// Not the owner-only DACL of a temporary: what the directory gives every
// new file (its inheritable entries), as a file saved by any other program
// would get. A target that exists keeps its own through ReplaceFileW.
handle create_replacement(const fs::path& path, unsigned /*mode*/, std::error_code& ec) noexcept {
    SECURITY_ATTRIBUTES not_inherited{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
    return win::create_new(path, FILE_ATTRIBUTE_NORMAL, &not_inherited, ec);
}

void copy_owner(handle, const target_status&, std::error_code& ec) noexcept {
    ec.clear();  // ReplaceFileW keeps the replaced file's owner
}

void set_mode(handle, unsigned, std::error_code& ec) noexcept {
    ec.clear();  // no mode bits on Windows
}

void replace(const fs::path& from, const fs::path& to, bool write_through, std::error_code& ec) noexcept {
    win::replace(from, to, write_through, win::replace_file_is_atomic(), ec);
}

void win::replace(const fs::path& from, const fs::path& to, bool write_through, bool use_replace_file,
                  std::error_code& ec) noexcept {
    ec.clear();
    const win::os_path source(from);
    const win::os_path target(to);
    // Merge errors (an ACL or attribute this process may not set on the new
    // file) do not stop the save: the content is what was asked for.
    constexpr DWORD replace_flags = REPLACEFILE_IGNORE_MERGE_ERRORS | REPLACEFILE_IGNORE_ACL_ERRORS;
    const DWORD move_flags = MOVEFILE_REPLACE_EXISTING | (write_through ? MOVEFILE_WRITE_THROUGH : 0);
    win::retry_budget budget;  // one for the call, whichever way it goes
    bool move = !use_replace_file;
    for (int attempt = 0;; ++attempt) {
        DWORD error_code;
        if (!move) {
            if (::ReplaceFileW(target.c_str(), source.c_str(), nullptr, replace_flags, nullptr, nullptr))
                return;
            error_code = ::GetLastError();
            const win::replace_step step = win::after_replace_error(error_code);
            if (step == win::replace_step::move_instead) {
                move = true;
                continue;  // at once: nothing is in the way
            }
            // ERROR_UNABLE_TO_REMOVE_REPLACED is retried as it is; a refusal
            // only while the target is no directory and not read-only.
            if (step == win::replace_step::fail ||
                (win::is_transient_refusal(error_code) && !win::worth_retrying(error_code, target.c_str()))) {
                ec = win::error(error_code);
                return;
            }
        } else {
            if (::MoveFileExW(source.c_str(), target.c_str(), move_flags)) return;
            error_code = ::GetLastError();
            if (!win::worth_retrying(error_code, target.c_str())) {
                ec = win::error(error_code);
                return;
            }
        }
        if (!budget.pause(attempt)) {
            ec = win::error(error_code);
            return;
        }
    }
}

}  // namespace tempfile::detail::os
