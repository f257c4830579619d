// SPDX-License-Identifier: MIT
// Windows has no fork(): no handler ever runs (see src/os.hpp).
#include "os.hpp"

namespace tempfile::detail::os {

bool at_fork(void (*)(), void (*)(), void (*)()) noexcept {
    return true;
}

}  // namespace tempfile::detail::os
