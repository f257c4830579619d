// SPDX-License-Identifier: MIT
// temporary_directory: Python's TemporaryDirectory with an owner in place of
// `with`; the removal itself is os::remove_tree (plain rmdir first, so an
// empty directory costs mkdir and rmdir only).
#include <tempfile/temporary_directory.hpp>

#include "mode.hpp"
#include "names_internal.hpp"
#include "os.hpp"
#include "owner_registry.hpp"

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <utility>

namespace tempfile {
namespace os = detail::os;

temporary_directory::temporary_directory(const directory_options& options) {
    std::error_code ec;
    *this = create(options, ec);
    if (ec) detail::throw_error("temporary_directory", detail::directory_for_error(options.dir), ec);
}

temporary_directory temporary_directory::create(const directory_options& options, std::error_code& ec) {
    ec.clear();
    temporary_directory result{empty_owner{}};
    try {
        const unsigned mode = detail::creation_mode(options.mode, 0700, ec);
        if (ec) return result;
        fs::path path = detail::create_unique(
            options.prefix, options.suffix, options.dir,
            [mode](const fs::path& candidate, std::error_code& e) { os::make_directory(candidate, e, mode); },
            ec);
        if (ec) return result;
        result.path_ = std::move(path);
        result.owned_ = true;
        result.remove_at_end_ = !options.keep;
        result.ignore_cleanup_errors_ = options.ignore_cleanup_errors;
        result.keep_on_failure_ = options.keep_on_failure;
        if (options.keep_on_failure) result.uncaught_at_creation_ = std::uncaught_exceptions();
        result.generation_ = detail::current_generation();
        // With options.keep nothing removes it unless asked: neither may a signal.
        if (result.remove_at_end_)
            result.registration_ = detail::register_owned(result.path_, detail::owned_kind::tree);
    } catch (const std::bad_alloc&) {
        result = temporary_directory{empty_owner{}};  // removes whatever was made
        ec = detail::out_of_memory();
    }
    if (ec || !options.lock) return result;
    result.lock_ = os::lock_directory(result.path_, ec);
    if (ec) {
        std::error_code ignored;
        result.cleanup(ignored);                      // options.keep or not: a failed creation leaves nothing
        result = temporary_directory{empty_owner{}};  // one object returned everywhere: no move at return
    }
    return result;
}

temporary_directory::temporary_directory(temporary_directory&& other) noexcept
    : path_(std::move(other.path_)),
      owned_(std::exchange(other.owned_, false)),
      remove_at_end_(std::exchange(other.remove_at_end_, false)),
      ignore_cleanup_errors_(other.ignore_cleanup_errors_),
      keep_on_failure_(other.keep_on_failure_),
      uncaught_at_creation_(other.uncaught_at_creation_),
      generation_(other.generation_),
      registration_(std::exchange(other.registration_, nullptr)),
      lock_(std::exchange(other.lock_, file::invalid_handle())) {
    other.path_.clear();
}

temporary_directory& temporary_directory::operator=(temporary_directory&& other) noexcept {
    if (this == &other) return *this;
    destroy();
    path_ = std::move(other.path_);
    other.path_.clear();
    owned_ = std::exchange(other.owned_, false);
    remove_at_end_ = std::exchange(other.remove_at_end_, false);
    ignore_cleanup_errors_ = other.ignore_cleanup_errors_;
    keep_on_failure_ = other.keep_on_failure_;
    uncaught_at_creation_ = other.uncaught_at_creation_;
    generation_ = other.generation_;
    registration_ = std::exchange(other.registration_, nullptr);
    lock_ = std::exchange(other.lock_, file::invalid_handle());
    return *this;
}

temporary_directory::~temporary_directory() {
    destroy();
}

namespace {

// One line, written whole: "tempfile: kept <path>". UTF-8 on every platform
// (path::string() would be the ANSI code page on Windows). Best effort: an
// owner's end is silent about its own failures.
void say_kept(const fs::path& path) noexcept {
    try {
        const auto text = path.u8string();  // std::string in C++17, std::u8string in C++20
        std::string line = "tempfile: kept ";
        line.append(text.begin(), text.end());
        line += '\n';
        (void)std::fwrite(line.data(), 1, line.size(), stderr);  // best effort, as said above
        (void)std::fflush(stderr);
    } catch (...) {
    }
}

}  // namespace

// Only the process that made the directory removes it at its end: a fork()ed
// child's copy leaves it to the parent.
void temporary_directory::destroy() noexcept {
    // More exceptions in flight than when it was made: this end is the
    // unwinding of a failure, and the directory is kept to look at.
    if (keep_on_failure_ && owned_ && remove_at_end_ && generation_ == detail::current_generation() &&
        std::uncaught_exceptions() > uncaught_at_creation_) {
        owned_ = false;
        remove_at_end_ = false;
        detail::unregister_owned(registration_);
        say_kept(path_);
    }
    if (owned_ && remove_at_end_ && generation_ == detail::current_generation()) {
        std::error_code ignored;
        cleanup(ignored);
    }
    detail::unregister_owned(registration_);
    close_lock_handle();  // a fork()ed child closes its copy only: the parent's lock stays
}

void temporary_directory::close_lock_handle() noexcept {
    if (lock_ != file::invalid_handle()) (void)os::close(std::exchange(lock_, file::invalid_handle()));
}

const fs::path& temporary_directory::path() const noexcept {
    return path_;
}

fs::path temporary_directory::operator/(const fs::path& child) const {
    return path_ / child;
}

void temporary_directory::cleanup() {
    std::error_code ec;
    fs::path failed;
    cleanup(ec, &failed);
    if (ec)
        throw fs::filesystem_error("temporary_directory::cleanup", failed.empty() ? path_ : failed, path_,
                                   ec);
}

void temporary_directory::cleanup(std::error_code& ec) noexcept {
    cleanup(ec, nullptr);
}

void temporary_directory::cleanup(std::error_code& ec, fs::path* failed) noexcept {
    ec.clear();
    if (!owned_) return;  // kept, cleaned already, or empty: nothing to do, not an error
    // Where the lock would forbid our own removal (Windows), it goes first;
    // elsewhere only once the directory is gone, so that a reaper never
    // meets it unlocked while it still exists.
    const bool relock = lock_ != file::invalid_handle() && os::lock_blocks_removal();
    if (relock) close_lock_handle();
    os::remove_tree(path_, ec, failed);  // a tree already removed by someone else is not an error
    if (ec) {
        // Still ours, so still marked, if the directory is still there.
        std::error_code ignored;
        if (relock) lock_ = os::lock_directory(path_, ignored);
        // Something is left: still owned, so the next cleanup() or the
        // owner's end tries again, as Python's does while the directory exists.
        if (ignore_cleanup_errors_) ec.clear();
        return;
    }
    owned_ = false;
    detail::unregister_owned(registration_);
    close_lock_handle();
}

fs::path temporary_directory::keep() {
    owned_ = false;
    remove_at_end_ = false;
    detail::unregister_owned(registration_);
    if (lock_ != file::invalid_handle())
        os::unlock(std::exchange(lock_, file::invalid_handle()), file::invalid_handle());
    return path_;
}

}  // namespace tempfile
