// SPDX-License-Identifier: MIT
#pragma once
// A replaceable global operator new that can be told to fail: the fault
// matrix's ENOMEM column. Linking failing_new.cpp replaces every form of
// operator new and delete in the program.
#include <cstdint>

namespace fault {

/// Makes the n-th allocation from now (0: the next one) fail as if memory
/// ran out: the throwing forms throw std::bad_alloc, the nothrow forms
/// return nullptr. Only that one allocation fails; later ones succeed.
void fail_allocation(std::int64_t n) noexcept;
/// Disarms fail_allocation().
void stop_failing_allocations() noexcept;
/// Whether the armed failure happened since the last fail_allocation().
bool allocation_failed() noexcept;

}  // namespace fault
