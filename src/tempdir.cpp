// gettempdir(): where temporary things go when the caller does not say,
// decided once per process (or per set_tempdir) and probed, not guessed.
#include "names_internal.hpp"
#include "os.hpp"

#include <cerrno>
#include <mutex>
#include <vector>

namespace tempfile {
namespace {
namespace os = detail::os;

// One lock for both: the probe runs under it, so that concurrent first
// calls probe once and all see the same answer (Python holds a lock too).
std::mutex lock;
fs::path override_dir;  // set_tempdir(), absolute
fs::path cached_dir;    // the first usable candidate

// The candidates in order, made absolute; unset or unresolvable ones dropped.
std::vector<fs::path> candidates() {
    std::vector<fs::path> dirs;
    for (const char* name : {"TMPDIR", "TEMP", "TMP"})
        dirs.push_back(os::environment_path(name));
    for (fs::path& dir : os::platform_temp_directories()) dirs.push_back(std::move(dir));
    std::vector<fs::path> absolute;
    std::error_code ec;
    for (const fs::path& dir : dirs) {
        if (dir.empty()) continue;
        fs::path a = fs::absolute(dir, ec);
        if (!ec) absolute.push_back(std::move(a));
    }
    fs::path cwd = fs::current_path(ec);
    if (!ec) absolute.push_back(std::move(cwd));
    return absolute;
}

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

}  // namespace

fs::path gettempdir(std::error_code& ec) {
    ec.clear();
    std::lock_guard<std::mutex> guard(lock);
    if (!override_dir.empty()) return override_dir;
    if (!cached_dir.empty()) return cached_dir;
    for (fs::path& dir : candidates())
        if (usable(dir)) {
            cached_dir = std::move(dir);
            return cached_dir;
        }
    ec = std::error_code(ENOENT, std::system_category());
    return {};
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
    fs::path absolute = dir.empty() ? fs::path() : fs::absolute(dir);
    std::lock_guard<std::mutex> guard(lock);
    override_dir = std::move(absolute);
    if (override_dir.empty()) cached_dir.clear();
}

std::string gettempprefix() { return "tmp"; }

}  // namespace tempfile
