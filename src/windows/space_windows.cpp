// SPDX-License-Identifier: MIT
// Windows free space behind src/os.hpp: std::filesystem::space is
// GetDiskFreeSpaceExW there, and reports a full volume as 0 free bytes.
#include "os.hpp"

namespace tempfile::detail::os {

bool is_full(const fs::path& dir) noexcept {
    std::error_code ec;
    const fs::space_info space = fs::space(dir, ec);
    return !ec && space.capacity != 0 && space.free == 0;
}

}  // namespace tempfile::detail::os
