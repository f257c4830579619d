// SPDX-License-Identifier: MIT
// gettempdir(): where temporary things go when the caller does not say,
// decided once per process (or per set_tempdir) and probed, not guessed.
#include "names_internal.hpp"
#include "os.hpp"

#include <atomic>
#include <forward_list>
#include <mutex>
#include <new>

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

// fork() while another thread holds `lock` would copy it held into the
// child, which could then never call gettempdir() (nor make anything in the
// default directory): fork() waits for it instead, at most one probe long.
// (A fork() from a signal handler that interrupted this very lock's holder
// would wait forever; POSIX does not count fork() with atfork handlers as
// async-signal-safe anyway.)
void lock_before_fork() {
    lock.lock();
}
void unlock_after_fork() {
    lock.unlock();  // in the child too: its one thread is the one that locked
}
[[maybe_unused]] const bool fork_handlers =
    os::at_fork(lock_before_fork, unlock_after_fork, unlock_after_fork);

// A file system with no free block left: refused without a write. (Not
// std::filesystem::space: libc++ 14 reports a free space of 0 as unknown.)
std::error_code check_room(const fs::path& dir) noexcept {
    if (os::is_full(dir)) return std::make_error_code(std::errc::no_space_on_device);
    return {};
}

// Whether a file can be made in `dir`; nothing is written and nothing is
// left behind. An unnamed file (Linux O_TMPFILE) where the file system has
// them, else a zero-byte file created exclusively and removed at once.
// This proves: the directory exists and is one, this process may create
// in it (write and search permission), it is not on a read-only mount
// (EROFS), its file system has an inode left (ENOSPC) and a free block (see
// check_room), and a descriptor is free (EMFILE). It does not prove that
// data fits: a write can still fail later (a quota, a disk filling up), and
// file writes report that (atomic_file refuses to commit after it).
// Writing nothing matters: under RLIMIT_FSIZE 0 a write would kill the
// process with SIGXFSZ, and a killed probe would leave its file behind.
std::error_code probe(const fs::path& dir) {
    std::error_code ec;
    os::handle h = os::create_unnamed(dir, ec);
    if (!ec) {
        os::close(h);
        return check_room(dir);
    }
    // ENOENT too, as temporary_file does: some file systems answer O_TMPFILE
    // so; the named create below tells a missing directory for sure.
    if (ec != std::errc::operation_not_supported && ec != std::errc::no_such_file_or_directory) return ec;
    // As Python: a few collisions are retried, any other error rejects dir.
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string name = detail::random_name(ec);
        if (ec) return ec;
        fs::path candidate = dir / name;
        h = os::create_exclusive(candidate, false, ec);
        if (ec == std::errc::file_exists) continue;
        if (ec) return ec;
        os::close(h);
        os::remove_file(candidate, ec);
        return ec ? ec : check_room(dir);
    }
    return ec;  // EEXIST, 100 times
}

// The first usable candidate, made absolute: $TMPDIR, $TEMP, $TMP, the
// platform's list, then the working directory, asked for only when needed.
// When none is usable: returns {}, ec is why the last candidate failed and
// `last` names it (the question a user asks: why not there?).
fs::path first_usable(std::error_code& ec, fs::path& last) {
    auto usable = [&](const fs::path& dir) {
        last = dir;
        ec = probe(dir);
        return !ec;
    };
    for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
        fs::path dir = os::environment_path(name);
        if (dir.empty()) continue;
        fs::path resolved = detail::resolve_directory(dir, ec);  // not empty: gettempdir() is not re-entered
        if (ec) {
            last = std::move(dir);
            continue;
        }
        if (usable(resolved)) return resolved;
    }
    for (fs::path& dir : os::platform_temp_directories())
        if (usable(dir)) return std::move(dir);
    fs::path cwd = fs::current_path(ec);
    if (ec) {
        last = ".";
        return {};
    }
    if (usable(cwd)) return cwd;
    return {};
}

}  // namespace

namespace detail {

namespace {

// The slow way, once per process (or per set_tempdir({})): probe under the
// lock, unless another thread published an answer meanwhile. On failure
// returns null, ec says why the last candidate failed and *failed (if
// given) names it; ENOMEM when memory runs out.
const fs::path* probe_and_publish(std::error_code& ec, fs::path* failed) noexcept {
    try {
        std::lock_guard<std::mutex> guard(lock);
        if (const fs::path* dir = current.load(std::memory_order_relaxed)) return dir;
        fs::path last;
        fs::path found = first_usable(ec, last);
        if (found.empty()) {
            if (!ec) ec = std::make_error_code(std::errc::no_such_file_or_directory);
            if (failed != nullptr) *failed = std::move(last);
            return nullptr;
        }
        ec.clear();
        const fs::path* dir = publish(std::move(found));
        current.store(dir, std::memory_order_release);
        return dir;
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
        return nullptr;
    }
}

}  // namespace

const fs::path* default_directory(std::error_code& ec) noexcept {
    if (const fs::path* dir = current.load(std::memory_order_acquire)) return dir;
    return probe_and_publish(ec, nullptr);
}

fs::path gettempdir(std::error_code& ec, fs::path* failed) noexcept {
    ec.clear();
    const fs::path* dir = current.load(std::memory_order_acquire);
    if (dir == nullptr) dir = probe_and_publish(ec, failed);
    if (dir == nullptr) return {};
    try {
        return *dir;  // the caller's own copy
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
        return {};
    }
}

}  // namespace detail

fs::path gettempdir(std::error_code& ec) {
    return detail::gettempdir(ec, nullptr);
}

fs::path gettempdir() {
    std::error_code ec;
    fs::path failed;
    fs::path dir = detail::gettempdir(ec, &failed);
    // Out of memory is no candidate's fault: std::bad_alloc, as every
    // throwing form reports it (detail::throw_error).
    if (ec == detail::out_of_memory()) throw std::bad_alloc();
    if (ec)
        throw fs::filesystem_error(
            "gettempdir: no usable temporary directory in $TMPDIR, $TEMP, $TMP, the system's list "
            "or the working directory; the last one tried failed so",
            failed, ec);
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
    // Empty: the override and the probed directory both go; the next call probes again.
    current.store(absolute.empty() ? nullptr : publish(std::move(absolute)), std::memory_order_release);
}

std::string gettempprefix() {
    return "tmp";
}

}  // namespace tempfile
