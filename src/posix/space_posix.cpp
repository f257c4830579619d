// SPDX-License-Identifier: MIT
// POSIX free space behind src/os.hpp.
#include "os.hpp"

#include <sys/statvfs.h>

namespace tempfile::detail::os {

// f_bfree, not f_bavail: blocks kept for root are room for root, and whoever
// may not use them meets ENOSPC at the first write, as on any disk that
// fills. A file system that reports no blocks at all (some virtual ones)
// cannot tell, and is not called full.
bool is_full(const fs::path& dir) noexcept {
    struct statvfs st;
    return ::statvfs(dir.c_str(), &st) == 0 && st.f_blocks != 0 && st.f_bfree == 0;
}

}  // namespace tempfile::detail::os
