// SPDX-License-Identifier: MIT
// The owner's mark on what it made (see os.hpp), Windows' way: an open
// handle whose share mode leaves out FILE_SHARE_DELETE. While it is open,
// Windows refuses every open that asks for DELETE access, which deleting or
// renaming needs, and the reaper's probe asks for exactly that; Windows
// closes the handle when the process ends, however it ends.
#include "os.hpp"
#include "windows/win32.hpp"

namespace tempfile::detail::os {
namespace {

// Read access, not only attributes: Windows records the share mode of a
// handle only when it has data (or delete) access, and a handle whose share
// mode is not recorded forbids nothing.
constexpr DWORD lock_share = FILE_SHARE_READ | FILE_SHARE_WRITE;

}  // namespace

handle lock_file(handle h, bool outlive, std::error_code& ec) noexcept {
    ec.clear();
    // Without `outlive` h is the mark: its read/write access keeps the
    // reaper's probe (share read|delete only) out for as long as it is open.
    if (!outlive) return INVALID_HANDLE_VALUE;
    HANDLE lock = ::ReOpenFile(h, FILE_READ_DATA, lock_share, 0);
    if (lock == INVALID_HANDLE_VALUE) ec = win::last_error();
    return lock;
}

handle lock_directory(const fs::path& path, std::error_code& ec) noexcept {
    ec.clear();
    HANDLE lock =
        ::CreateFileW(win::os_path(path).c_str(), FILE_LIST_DIRECTORY, lock_share, nullptr, OPEN_EXISTING,
                      FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
    if (lock == INVALID_HANDLE_VALUE) ec = win::last_error();
    return lock;
}

bool lock_blocks_removal() noexcept {
    return true;  // our own DeleteFileW and remove_tree need DELETE access too
}

void unlock(handle lock, handle /*h*/) noexcept {
    if (lock != INVALID_HANDLE_VALUE) ::CloseHandle(lock);
}

}  // namespace tempfile::detail::os
