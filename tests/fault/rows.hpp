// SPDX-License-Identifier: MIT
#pragma once
// The rows of the fault matrix: one public call each, run by the harness in
// a child process with one fault armed around the call itself.
#include "context.hpp"

#include <vector>

namespace fault {

struct row {
    const char* name;
    /// Prepares (faults off), runs the call with c.under_fault(), and checks
    /// what it did: returns normally only if the call succeeded and its
    /// result is right; throws what the call threw, `reported` for an
    /// error_code form's error, or `broken` for a wrong result.
    void (*run)(context& c);
};

const std::vector<row>& all_rows();

}  // namespace fault
