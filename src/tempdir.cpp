// SPDX-License-Identifier: MIT
// gettempdir(): where temporary things go when the caller does not say,
// decided once per process (or per set_tempdir) and probed, not guessed.
#include "names_internal.hpp"
#include "os.hpp"

#include <mutex>

namespace tempfile {
namespace {
namespace os = detail::os;

// One lock for both: the probe runs under it, so that concurrent first
// calls probe once and all see the same answer (Python holds a lock too).
std::mutex lock;
fs::path override_dir;  // set_tempdir(), absolute
fs::path cached_dir;    // the first usable candidate

// Usable: a file can be created exclusively, written and removed there.
// Writing matters: a full or read-only-mounted file system lets some
// creations through but not data. The probe is removed whatever happened.
bool usable(const fs::path& dir) {
    static constexpr char probe_data[] = "blat";
    // As Python: a few collisions are retried, any other error rejects dir.
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::error_code ec;
        std::string name = detail::random_name(ec);
        if (ec) return false;
        fs::path probe = dir / name;
        os::handle h = os::create_exclusive(probe, false, ec);
        if (ec == std::errc::file_exists) continue;
        if (ec) return false;
        std::size_t written = os::write(h, probe_data, sizeof probe_data - 1, ec);
        bool ok = !ec && written == sizeof probe_data - 1;
        os::close(h);
        std::error_code removed;
        os::remove_file(probe, removed);
        return ok && !removed;
    }
    return false;
}

// The first usable candidate, made absolute: $TMPDIR, $TEMP, $TMP, the
// platform's list, then the working directory, asked for only when needed.
fs::path first_usable() {
    std::error_code ec;
    for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
        fs::path dir = os::environment_path(name);
        if (dir.empty()) continue;
        dir = detail::resolve_directory(dir, ec);  // not empty: gettempdir() is not re-entered
        if (!ec && usable(dir)) return dir;
    }
    for (fs::path& dir : os::platform_temp_directories())
        if (usable(dir)) return std::move(dir);
    fs::path cwd = fs::current_path(ec);
    if (!ec && usable(cwd)) return cwd;
    return {};
}

}  // namespace

fs::path gettempdir(std::error_code& ec) {
    ec.clear();
    std::lock_guard<std::mutex> guard(lock);
    if (!override_dir.empty()) return override_dir;
    if (!cached_dir.empty()) return cached_dir;
    cached_dir = first_usable();
    // Many calls failed, none in particular: the generic ENOENT, as Python's FileNotFoundError.
    if (cached_dir.empty()) ec = std::make_error_code(std::errc::no_such_file_or_directory);
    return cached_dir;
}

fs::path gettempdir() {
    std::error_code ec;
    fs::path dir = gettempdir(ec);
    if (ec)
        throw fs::filesystem_error(
            "gettempdir: no usable temporary directory in $TMPDIR, $TEMP, $TMP, the system's list "
            "or the working directory",
            ec);
    return dir;
}

void set_tempdir(const fs::path& dir) {
    fs::path absolute;
    if (!dir.empty()) {
        std::error_code ec;
        absolute = detail::resolve_directory(dir, ec);
        if (ec) detail::throw_error("set_tempdir", dir, ec);
    }
    std::lock_guard<std::mutex> guard(lock);
    override_dir = std::move(absolute);
    if (override_dir.empty()) cached_dir.clear();
}

std::string gettempprefix() {
    return "tmp";
}

}  // namespace tempfile
