// SPDX-License-Identifier: MIT
// Deleting an open file by its handle, the step that the tree removal and
// remove_file share, and the budget of retries both spend.
#include "windows/win32.hpp"

namespace tempfile::detail::os::win {
namespace {

// True when the extended disposition was set (or failed for a reason of its
// own, in ec); false when this OS or file system refused the class: then
// the caller falls back, and so does the rest of this call (state).
bool set_posix_disposition(HANDLE h, deletion_state& state, std::error_code& ec) noexcept {
    if (state.ex_refused) return false;
    disposition_info_ex info{disposition_delete | disposition_posix_semantics | disposition_ignore_readonly};
    if (::SetFileInformationByHandle(h, file_disposition_info_ex, &info, sizeof info)) return true;
    DWORD error_code = ::GetLastError();
    if (disposition_ex_refused(error_code)) {
        state.ex_refused = true;
        return false;
    }
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

bool disposition_ex_refused(DWORD error) noexcept {
    return error == ERROR_INVALID_PARAMETER || error == ERROR_INVALID_FUNCTION ||
           error == ERROR_NOT_SUPPORTED;
}

void delete_by_handle(HANDLE h, DWORD attributes, deletion_state& state, std::error_code& ec) noexcept {
    ec.clear();
    if (set_posix_disposition(h, state, ec)) return;
    if ((attributes & FILE_ATTRIBUTE_READONLY) && !clear_read_only(h, attributes)) {
        ec = last_error();
        return;
    }
    FILE_DISPOSITION_INFO info{};
    info.DeleteFile = TRUE;
    if (!::SetFileInformationByHandle(h, FileDispositionInfo, &info, sizeof info)) ec = last_error();
}

DWORD retry_budget::next_pause(int attempt) noexcept {
    if (left_ == 0) return 0;
    const DWORD wanted = attempt < 16 ? DWORD{1} << attempt : DWORD{1} << 16;
    const DWORD pause = wanted < left_ ? wanted : left_;
    left_ -= pause;
    return pause;
}

bool retry_budget::pause(int attempt) noexcept {
    const DWORD ms = next_pause(attempt);
    if (ms == 0) return false;
    ::Sleep(ms);
    return true;
}

}  // namespace tempfile::detail::os::win
