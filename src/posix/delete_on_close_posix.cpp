// SPDX-License-Identifier: MIT
// POSIX has no delete-on-close flag (has_delete_on_close() is false), so
// there is nothing to cancel.
#include "os.hpp"

namespace tempfile::detail::os {

handle cancel_delete_on_close(handle h, fs::path&, std::error_code& ec) noexcept {
    ec.clear();
    return h;
}

}  // namespace tempfile::detail::os
