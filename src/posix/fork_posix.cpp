// SPDX-License-Identifier: MIT
// POSIX fork handlers behind src/os.hpp.
#include "os.hpp"

#include <pthread.h>

namespace tempfile::detail::os {

bool at_fork(void (*prepare)(), void (*parent)(), void (*child)()) noexcept {
    return ::pthread_atfork(prepare, parent, child) == 0;
}

}  // namespace tempfile::detail::os
