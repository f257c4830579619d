// SPDX-License-Identifier: MIT
// Win32 I/O on an open handle behind src/os.hpp: one call each. Handles are
// synchronous (no FILE_FLAG_OVERLAPPED), so the OS keeps the position.
#include "os.hpp"
#include "windows/win32.hpp"

#include <limits>

namespace tempfile::detail::os {
namespace {

// ReadFile and WriteFile take a DWORD count: larger requests are split by
// the caller's loop, since a short count is allowed by the contract.
DWORD clamp(std::size_t n) noexcept {
    constexpr std::size_t most = std::numeric_limits<DWORD>::max() / 2 + 1;  // 2 GiB, a round size
    return static_cast<DWORD>(n < most ? n : most);
}

}  // namespace

std::size_t read(handle h, void* buf, std::size_t n, std::error_code& ec) noexcept {
    ec.clear();
    DWORD got = 0;
    if (!::ReadFile(h, buf, clamp(n), &got, nullptr)) {
        DWORD error_code = ::GetLastError();
        if (error_code == ERROR_HANDLE_EOF || error_code == ERROR_BROKEN_PIPE) return 0;  // end of file
        ec = win::error(error_code);
        return 0;
    }
    return got;
}

std::size_t write(handle h, const void* buf, std::size_t n, std::error_code& ec) noexcept {
    ec.clear();
    // No call for nothing: Windows leaves a "null write" to the file system
    // (it may touch the times), where POSIX does nothing.
    if (n == 0) return 0;
    DWORD put = 0;
    if (!::WriteFile(h, buf, clamp(n), &put, nullptr)) {
        ec = win::last_error();
        return 0;
    }
    return put;
}

std::uint64_t seek(handle h, std::int64_t offset, origin from, std::error_code& ec) noexcept {
    ec.clear();
    DWORD method = from == origin::begin ? FILE_BEGIN : from == origin::current ? FILE_CURRENT : FILE_END;
    LARGE_INTEGER distance, at;
    distance.QuadPart = offset;
    if (!::SetFilePointerEx(h, distance, &at, method)) {
        ec = win::last_error();  // ERROR_NEGATIVE_SEEK before the start
        return 0;
    }
    return static_cast<std::uint64_t>(at.QuadPart);
}

std::uint64_t size(handle h, std::error_code& ec) noexcept {
    ec.clear();
    LARGE_INTEGER bytes;
    if (!::GetFileSizeEx(h, &bytes)) {
        ec = win::last_error();
        return 0;
    }
    return static_cast<std::uint64_t>(bytes.QuadPart);
}

// SetEndOfFile would need the position moved there and back (three calls);
// FileEndOfFileInfo sets the size in one and leaves the position alone.
void truncate(handle h, std::uint64_t size, std::error_code& ec) noexcept {
    ec.clear();
    FILE_END_OF_FILE_INFO info;
    info.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
    if (!::SetFileInformationByHandle(h, FileEndOfFileInfo, &info, sizeof info)) ec = win::last_error();
}

void sync(handle h, std::error_code& ec) noexcept {
    ec.clear();
    if (!::FlushFileBuffers(h)) ec = win::last_error();
}

std::error_code close(handle h) noexcept {
    if (!::CloseHandle(h)) return win::error(::GetLastError());
    return {};
}

bool has_text_newlines() noexcept {
    return true;
}  // "\r\n" on disk

}  // namespace tempfile::detail::os
