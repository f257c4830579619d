// SPDX-License-Identifier: MIT
// gettempdir(): where temporary things go when the caller does not say,
// decided once per process (or per set_tempdir) and probed, not guessed.
#include "names_internal.hpp"
#include "os.hpp"

#include <atomic>
#include <forward_list>
#include <mutex>

namespace tempfile {
namespace {
namespace os = detail::os;

// What gettempdir() answers now: set_tempdir()'s directory, else the first
// usable candidate once probed; null before the first probe and after
// set_tempdir({}). Readers (every owner made in the default directory)
// only load it: no lock, no system call, no copy. That is safe because a
// published path is immutable and never freed (see `published`).
std::atomic<const fs::path*> current{nullptr};

// Writers (the probe, set_tempdir) take this lock, so that concurrent
// first calls probe once and all see the same answer (Python holds a lock too).
std::mutex lock;

// Every directory ever published, kept for the life of the process: a
// reader may still hold one that set_tempdir() has replaced. Equal paths
// share one entry, so this holds as many paths as the distinct directories
// a process sets or finds, however often it calls set_tempdir().
std::forward_list<fs::path> published;  // guarded by lock

// The entry of `published` equal to dir, added if there is none. Call with
// the lock held.
const fs::path* publish(fs::path dir) {
    for (const fs::path& p : published)
        if (p.native() == dir.native()) return &p;
    published.push_front(std::move(dir));
    return &published.front();
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

namespace detail {

const fs::path* default_directory(std::error_code& ec) {
    if (const fs::path* dir = current.load(std::memory_order_acquire)) return dir;
    std::lock_guard<std::mutex> guard(lock);
    if (const fs::path* dir = current.load(std::memory_order_relaxed)) return dir;  // probed meanwhile
    fs::path found = first_usable();
    // Many calls failed, none in particular: the generic ENOENT, as Python's FileNotFoundError.
    if (found.empty()) {
        ec = std::make_error_code(std::errc::no_such_file_or_directory);
        return nullptr;
    }
    const fs::path* dir = publish(std::move(found));
    current.store(dir, std::memory_order_release);
    return dir;
}

}  // namespace detail

fs::path gettempdir(std::error_code& ec) {
    ec.clear();
    const fs::path* dir = detail::default_directory(ec);
    return dir ? *dir : fs::path();
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
        if (ec) throw fs::filesystem_error("set_tempdir", dir, ec);
    }
    std::lock_guard<std::mutex> guard(lock);
    // Empty: the override and the probed directory both go; the next call probes again.
    current.store(absolute.empty() ? nullptr : publish(std::move(absolute)), std::memory_order_release);
}

std::string gettempprefix() {
    return "tmp";
}

}  // namespace tempfile
