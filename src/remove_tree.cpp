// SPDX-License-Identifier: MIT
// The public remove_tree: the hardened walk lives behind the OS seam
// (src/posix/remove_tree_posix.cpp); here only the two ways to fail.
#include <tempfile/remove_tree.hpp>

#include "names_internal.hpp"
#include "os.hpp"

namespace tempfile {

std::uintmax_t remove_tree(const fs::path& p, std::error_code& ec) noexcept {
    detail::check_path(p, ec);  // "dir\0/x" would remove "dir"
    if (ec) return 0;
    return detail::os::remove_tree(p, ec);
}

std::uintmax_t remove_tree(const fs::path& p) {
    std::error_code ec;
    fs::path failed;
    detail::check_path(p, ec);
    const std::uintmax_t removed = ec ? 0 : detail::os::remove_tree(p, ec, &failed);
    if (ec) detail::throw_error("remove_tree", failed.empty() ? p : failed, p, ec);
    return removed;
}

}  // namespace tempfile
