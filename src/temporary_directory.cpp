// SPDX-License-Identifier: MIT
// temporary_directory: Python's TemporaryDirectory with an owner in place of
// `with`; the removal itself is os::remove_tree (plain rmdir first, so an
// empty directory costs mkdir and rmdir only).
#include <tempfile/temporary_directory.hpp>

#include "names_internal.hpp"
#include "os.hpp"
#include "owner_registry.hpp"

#include <new>
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
        fs::path path = detail::create_unique(
            options.prefix, options.suffix, options.dir,
            [](const fs::path& candidate, std::error_code& e) { os::make_directory(candidate, e); }, ec);
        if (ec) return result;
        result.path_ = std::move(path);
        result.owned_ = true;
        result.remove_at_end_ = !options.keep;
        result.ignore_cleanup_errors_ = options.ignore_cleanup_errors;
        result.generation_ = detail::current_generation();
        // With options.keep nothing removes it unless asked: neither may a signal.
        if (result.remove_at_end_)
            result.registration_ = detail::register_owned(result.path_, detail::owned_kind::tree);
    } catch (const std::bad_alloc&) {
        result = temporary_directory{empty_owner{}};  // removes whatever was made
        ec = detail::out_of_memory();
    }
    return result;
}

temporary_directory::temporary_directory(temporary_directory&& other) noexcept
    : path_(std::move(other.path_)),
      owned_(std::exchange(other.owned_, false)),
      remove_at_end_(std::exchange(other.remove_at_end_, false)),
      ignore_cleanup_errors_(other.ignore_cleanup_errors_),
      generation_(other.generation_),
      registration_(std::exchange(other.registration_, nullptr)) {
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
    generation_ = other.generation_;
    registration_ = std::exchange(other.registration_, nullptr);
    return *this;
}

temporary_directory::~temporary_directory() {
    destroy();
}

// Only the process that made the directory removes it at its end: a fork()ed
// child's copy leaves it to the parent.
void temporary_directory::destroy() noexcept {
    if (owned_ && remove_at_end_ && generation_ == detail::current_generation()) {
        std::error_code ignored;
        cleanup(ignored);
    }
    detail::unregister_owned(registration_);
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
    if (!owned_) return;                 // kept, cleaned already, or empty: nothing to do, not an error
    os::remove_tree(path_, ec, failed);  // a tree already removed by someone else is not an error
    if (ec) {
        // Something is left: still owned, so the next cleanup() or the
        // owner's end tries again, as Python's does while the directory exists.
        if (ignore_cleanup_errors_) ec.clear();
        return;
    }
    owned_ = false;
    detail::unregister_owned(registration_);
}

fs::path temporary_directory::keep() {
    owned_ = false;
    remove_at_end_ = false;
    detail::unregister_owned(registration_);
    return path_;
}

}  // namespace tempfile
