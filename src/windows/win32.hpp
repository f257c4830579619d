// SPDX-License-Identifier: MIT
#pragma once
// What every file of the Windows layer shares: <windows.h>, the one owner of
// a HANDLE, and the error conversions. Internal to src/windows/.
#include <windows.h>

#include <system_error>
#include <utility>

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

/// Deletes the open file, directory or reparse point `h` (opened with DELETE
/// and FILE_WRITE_ATTRIBUTES), whose attributes were `attributes`: POSIX
/// semantics (the name goes at once even if others hold it open) and the
/// read-only attribute ignored, where the OS can (FileDispositionInfoEx);
/// else the read-only attribute is cleared and the classic disposition set
/// (the name goes when the last handle closes). Either way the deletion
/// takes effect when `h` is closed.
void delete_by_handle(HANDLE h, DWORD attributes, std::error_code& ec) noexcept;

/// Sleeps before retry number `attempt` (0, 1, ...) of an operation that
/// met a sharing violation, doubling from 1 ms; false when the brief budget
/// (about a second in all) is spent.
bool pause_before_retry(int attempt) noexcept;

}  // namespace tempfile::detail::os::win
