// SPDX-License-Identifier: MIT
// Windows free space behind src/os.hpp. GetDiskFreeSpaceExW itself, not
// std::filesystem::space: libstdc++'s calls a throwing absolute() inside its
// noexcept space(), so that out of memory there would end the process.
#include "os.hpp"
#include "windows/win32.hpp"

namespace tempfile::detail::os {

bool is_full(const fs::path& dir) noexcept {
    ULARGE_INTEGER free_to_caller, total, total_free;
    if (!::GetDiskFreeSpaceExW(win::os_path(dir).c_str(), &free_to_caller, &total, &total_free)) return false;
    return total.QuadPart != 0 && total_free.QuadPart == 0;
}

}  // namespace tempfile::detail::os
