// SPDX-License-Identifier: MIT
// Windows has no signals to die of: a command ended by Ctrl+C exits with an
// exit code (STATUS_CONTROL_C_EXIT), which tempfile-run passes on as it is.
#include "signal_death.hpp"

namespace tempfile_run {

void die_of_signal(int) noexcept {}

}  // namespace tempfile_run
