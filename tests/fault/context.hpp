// SPDX-License-Identifier: MIT
#pragma once
// One cell of the fault matrix: a fault, the private directory a call works
// in, and the rule that the call runs with the fault armed and nothing else
// does (owners made before it and ended after it see a healthy system).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "counting_new.hpp"

namespace fault {
namespace fs = std::filesystem;

enum class kind { enospc_size, enospc_inodes, emfile, erofs, efbig, eacces, enomem, eintr };
/// Every kind, in the matrix's column order.
const std::vector<kind>& all_kinds();
/// The column's heading ("ENOSPC-size", ...).
const char* column_name(kind k);
/// The errno a call that fails under `k` should report (0 for EINTR: a call
/// must retry, never fail).
int expected_errno(kind k);

/// A call's result is wrong (not an error: a lie). Always a FAIL.
struct broken : std::runtime_error {
    using std::runtime_error::runtime_error;
};
/// The harness itself could not set a cell up: always a FAIL, never taken
/// for the call's own error.
struct harness_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
/// An error_code form reported an error (it has no path to name).
struct reported : std::runtime_error {
    std::error_code code;
    explicit reported(std::error_code ec) : std::runtime_error(ec.message()), code(ec) {}
};
/// Throws broken(message) unless `condition`.
void expect(bool condition, const std::string& message);

class context {
public:
    /// Mounts a fresh tmpfs (sized for `k`) on `mount_point`, in this
    /// process's private mount namespace, and makes dir() inside it.
    /// `attempt`: for ENOMEM, which allocation of the armed call fails.
    context(kind k, const fs::path& mount_point, std::int64_t attempt);
    context(const context&) = delete;
    context& operator=(const context&) = delete;
    ~context();
    /// Where the call creates things: mode 0755, owned by root (by 65534,
    /// who runs the whole row, for EACCES).
    const fs::path& dir() const noexcept { return dir_; }
    kind fault() const noexcept { return kind_; }
    /// A plain file (or, with a trailing '/', a directory) that may remain
    /// after the call; made now, before the fault, by the harness itself.
    void fixture(const std::string& relative, const std::string& content = "old");
    /// Runs fn with the fault armed; disarms it before returning or rethrowing.
    void under_fault(const std::function<void()>& fn);
    /// Makes dir() the only candidate gettempdir() has: TMPDIR, TEMP, TMP,
    /// the working directory, and bind mounts over /tmp, /var/tmp, /usr/tmp.
    void make_dir_the_only_temp_candidate();
    /// Whether an allocation failed while armed (ENOMEM).
    bool injected() const noexcept { return injected_; }
    /// Entries below dir() that are not fixtures, as relative paths.
    std::vector<std::string> leftovers() const;

private:
    void arm();
    /// EACCES: runs fn with the effective uid 0, then back to 65534.
    void with_root(const std::function<void()>& fn);
    void disarm() noexcept;

    kind kind_;
    fs::path root_;
    fs::path dir_;
    std::int64_t attempt_;
    bool injected_ = false;
    bool armed_ = false;
    std::vector<fs::path> temp_binds_;  // gettempdir()'s candidates, bound to dir()
    std::vector<fs::path> read_only_;   // EROFS: the read-only binds stacked on top
    std::set<std::string> fixtures_;
    std::vector<int> held_;          // EMFILE: the descriptors that fill the table
    std::uint64_t saved_limit_ = 0;  // EMFILE, EFBIG: the soft limit to restore
    std::optional<tempfile_test::fail_nth_allocation> failing_;  // ENOMEM, while armed
};

/// The open descriptors of this process (by fcntl, so that it works as uid 65534 too).
std::set<int> open_descriptors();

}  // namespace fault
