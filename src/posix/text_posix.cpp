// SPDX-License-Identifier: MIT
// POSIX files have no text mode: "\n" is the newline on disk as in memory.
#include "os.hpp"

namespace tempfile::detail::os {

bool has_text_newlines() noexcept {
    return false;
}

}  // namespace tempfile::detail::os
