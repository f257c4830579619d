// SPDX-License-Identifier: MIT
// Opening a named file a second time, and only if it is still the same file
// (see src/os.hpp): named_temporary_file::reopen.
#include "os.hpp"
#include "windows/ntdll.hpp"

#include <cstring>

namespace tempfile::detail::os {
namespace {

bool pack(HANDLE h, file_id& out) noexcept {
    win::file_identity identity;
    if (!win::read_identity(h, identity)) return false;
    out = file_id{};
    out.words[0] = identity.volume;
    static_assert(sizeof identity.id == 2 * sizeof(std::uint64_t), "a 128-bit file ID");
    std::memcpy(&out.words[1], identity.id, sizeof identity.id);
    return true;
}

std::error_code not_the_file() noexcept {
    return win::error(ERROR_FILE_NOT_FOUND);  // errc::no_such_file_or_directory
}

}  // namespace

void identify(handle h, file_id& out, std::error_code& ec) noexcept {
    ec.clear();
    if (!pack(h, out)) ec = win::last_error();
}

handle reopen(const fs::path& path, const file_id& expected, std::error_code& ec) noexcept {
    ec.clear();
    // FILE_FLAG_OPEN_REPARSE_POINT: a symbolic link planted at the name is
    // opened itself, and its identity is not the file's.
    win::unique_handle h(::CreateFileW(win::os_path(path).c_str(), GENERIC_READ | GENERIC_WRITE,
                                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                       OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
    if (!h) {
        const DWORD error_code = ::GetLastError();
        const bool gone =
            error_code == ERROR_FILE_NOT_FOUND || error_code == ERROR_PATH_NOT_FOUND ||
            (error_code == ERROR_ACCESS_DENIED && win::nt::last_status() == win::nt::status_delete_pending);
        ec = gone ? not_the_file() : win::error(error_code);
        return INVALID_HANDLE_VALUE;
    }
    file_id now;
    if (!pack(h.get(), now)) {
        ec = win::last_error();
        return INVALID_HANDLE_VALUE;
    }
    if (!(now == expected)) {
        ec = not_the_file();
        return INVALID_HANDLE_VALUE;
    }
    return h.release();
}

}  // namespace tempfile::detail::os
