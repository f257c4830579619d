// SPDX-License-Identifier: MIT
// Deleting an open file by its handle: the one step that the tree removal
// and remove_file share.
#include "windows/win32.hpp"

#include <atomic>

namespace tempfile::detail::os::win {
namespace {

// Set once the OS has said it does not know FileDispositionInfoEx or its
// flags (ERROR_INVALID_PARAMETER: Windows before 10 1809, Wine 8), so that
// every later deletion goes straight to the fallback. A file system that
// cannot (FAT: ERROR_NOT_SUPPORTED) only falls back for that call.
std::atomic<bool> no_disposition_ex{false};

bool set_posix_disposition(HANDLE h, std::error_code& ec) noexcept {
    if (no_disposition_ex.load(std::memory_order_relaxed)) return false;
    disposition_info_ex info{disposition_delete | disposition_posix_semantics | disposition_ignore_readonly};
    if (::SetFileInformationByHandle(h, file_disposition_info_ex, &info, sizeof info)) return true;
    DWORD error_code = ::GetLastError();
    if (error_code == ERROR_INVALID_PARAMETER || error_code == ERROR_INVALID_FUNCTION) {
        no_disposition_ex.store(true, std::memory_order_relaxed);
        return false;
    }
    if (error_code == ERROR_NOT_SUPPORTED) return false;
    ec = error(error_code);
    return true;
}

// Only the attributes a caller may set: FileBasicInfo rejects some others.
constexpr DWORD settable_attributes =
    FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_ARCHIVE |
    FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE | FILE_ATTRIBUTE_NOT_CONTENT_INDEXED;

bool clear_read_only(HANDLE h, DWORD attributes) noexcept {
    FILE_BASIC_INFO basic{};  // zero times: left as they are
    basic.FileAttributes = attributes & settable_attributes & ~FILE_ATTRIBUTE_READONLY;
    if (basic.FileAttributes == 0) basic.FileAttributes = FILE_ATTRIBUTE_NORMAL;
    return ::SetFileInformationByHandle(h, FileBasicInfo, &basic, sizeof basic) != 0;
}

}  // namespace

void delete_by_handle(HANDLE h, DWORD attributes, std::error_code& ec) noexcept {
    ec.clear();
    if (set_posix_disposition(h, ec)) return;
    if ((attributes & FILE_ATTRIBUTE_READONLY) && !clear_read_only(h, attributes)) {
        ec = last_error();
        return;
    }
    FILE_DISPOSITION_INFO info{};
    info.DeleteFile = TRUE;
    if (!::SetFileInformationByHandle(h, FileDispositionInfo, &info, sizeof info)) ec = last_error();
}

bool pause_before_retry(int attempt) noexcept {
    constexpr int attempts = 10;  // 1 + 2 + ... + 512 ms: about a second
    if (attempt >= attempts) return false;
    ::Sleep(1u << attempt);
    return true;
}

}  // namespace tempfile::detail::os::win
