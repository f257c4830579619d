// SPDX-License-Identifier: MIT
// The public remove_tree: the hardened walk lives behind the OS seam
// (src/posix/remove_tree_posix.cpp); here only the two ways to fail.
#include <tempfile/remove_tree.hpp>

#include "os.hpp"

namespace tempfile {

std::uintmax_t remove_tree(const fs::path& p, std::error_code& ec) noexcept {
    return detail::os::remove_tree(p, ec);
}

std::uintmax_t remove_tree(const fs::path& p) {
    std::error_code ec;
    fs::path failed;
    const std::uintmax_t removed = detail::os::remove_tree(p, ec, &failed);
    if (ec) throw fs::filesystem_error("remove_tree", failed.empty() ? p : failed, p, ec);
    return removed;
}

}  // namespace tempfile
