// SPDX-License-Identifier: MIT
// atomic_file's link resolution (see atomic_target.hpp): one readlink per
// step through the OS seam, so that each link is read as it is, never
// canonicalised (the caller's other links, in the directories above, stay
// as the OS would resolve them).
#include "atomic_target.hpp"

#include "os.hpp"

namespace tempfile::detail {
namespace fs = std::filesystem;

bool follow_links(const fs::path& target, fs::path& resolved, std::error_code& ec) {
    ec.clear();
    fs::path link;
    if (!os::read_link(target, link, ec)) return false;  // the usual case: one call, no copy
    fs::path current = target;
    for (int followed = 1;; ++followed) {
        // operator/ keeps an absolute link as it is, and resolves a relative
        // one from the directory holding the link.
        current = current.parent_path() / link;
        fs::path next;
        if (!os::read_link(current, next, ec)) break;
        if (followed == max_links) {
            ec = std::make_error_code(std::errc::too_many_symbolic_link_levels);
            return false;
        }
        link = std::move(next);
    }
    if (ec) return false;
    resolved = std::move(current);
    return true;
}

}  // namespace tempfile::detail
