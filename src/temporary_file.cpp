// SPDX-License-Identifier: MIT
// temporary_file: an open file without a name. O_TMPFILE where the directory's
// file system has it, else a name that is unlinked at once.
#include <tempfile/temporary_file.hpp>

#include "mode.hpp"
#include "names_internal.hpp"
#include "os.hpp"

#include <atomic>
#include <mutex>
#include <new>
#include <set>
#include <utility>

namespace tempfile {
namespace {
namespace os = detail::os;

// Directories where O_TMPFILE failed: the next file there goes straight to
// the fallback instead of paying for a refused open() every time.
//
// The lock is constant-initialized, and the set is made on first use under
// it, so that no other static's order matters. fork() takes the lock first
// (as gettempdir's, see tempdir.cpp): a child never inherits it held.
// Most processes never meet such a directory: until one is added, a check
// is one atomic load, no lock (`any_refusal`).
std::mutex refusals_lock;
std::atomic<bool> any_refusal{false};

std::set<fs::path::string_type>& refusing_directories() {  // call with refusals_lock held
    static std::set<fs::path::string_type> dirs;           // resolved directories, compared as text
    return dirs;
}

void lock_refusals_before_fork() {
    refusals_lock.lock();
}
void unlock_refusals_after_fork() {
    refusals_lock.unlock();
}
// The set is made here, at start-up, rather than at the first refusal: its
// one-time guard costs a system call with libc++abi (gettid), which the
// first refused directory would otherwise pay on top of its own calls.
[[maybe_unused]] const bool fork_handlers =
    (static_cast<void>(refusing_directories()),
     os::at_fork(lock_refusals_before_fork, unlock_refusals_after_fork, unlock_refusals_after_fork));

bool refuses_unnamed_files(const fs::path& dir) {
    if (!any_refusal.load(std::memory_order_acquire)) return false;
    std::lock_guard<std::mutex> lock(refusals_lock);
    return refusing_directories().count(dir.native()) != 0;
}

void remember_refusal(const fs::path& dir) {
    std::lock_guard<std::mutex> lock(refusals_lock);
    refusing_directories().insert(dir.native());
    any_refusal.store(true, std::memory_order_release);
}

struct made_file {
    os::handle handle = file::invalid_handle();
    bool linkable = false;
};

// The fallback: a fresh name, then (where the OS cannot delete at close) the
// name goes at once, so the file lives on only through the handle.
made_file make_named_then_unlinked(const name_options& options, unsigned mode, const fs::path& dir,
                                   std::error_code& ec) {
    // The maker captures one reference, as named_temporary_file's does: a
    // lambda of up to two pointers stays inside std::function, unallocated.
    struct {
        os::handle handle;
        bool os_deletes;
        unsigned mode;
    } making{file::invalid_handle(), os::has_delete_on_close(), mode};
    fs::path path = detail::create_unique(
        options.prefix, options.suffix, dir,
        [&making](const fs::path& candidate, std::error_code& e) {
            making.handle = os::create_exclusive(candidate, making.os_deletes, e, making.mode);
        },
        ec);
    made_file made{making.handle, false};
    if (ec || making.os_deletes) return made;
    os::remove_file(path, ec);
    if (ec) {
        os::close(made.handle);
        made.handle = file::invalid_handle();
    }
    return made;
}

// `where` ends up naming the directory used (for an error message).
made_file make(const name_options& options, detail::directory_view& where, std::error_code& ec) {
    detail::check_affixes(options.prefix, options.suffix, ec);  // also when O_TMPFILE needs no name
    if (ec) return {};
    const unsigned mode = detail::creation_mode(options.mode, 0600, ec);
    if (ec) return {};
    where.resolve(options.dir, ec);  // no copy for the default directory or a clean absolute dir
    if (ec) return {};
    const fs::path& dir = where.path();
    if (!refuses_unnamed_files(dir)) {
        made_file made{os::create_unnamed(dir, ec, mode), true};
        if (!ec) return made;
        if (ec == std::errc::operation_not_supported) {
            remember_refusal(dir);
        } else if (ec != std::errc::no_such_file_or_directory) {
            return made;  // EACCES, ENOTDIR...: the directory's fault, the fallback would fail alike
        }
        // ENOENT: usually a missing directory, which the fallback reports
        // again; but some file systems answer O_TMPFILE so, and the directory
        // may appear later, so it is not remembered.
        ec.clear();
    }
    return make_named_then_unlinked(options, mode, dir, ec);
}

}  // namespace

temporary_file::temporary_file(const name_options& options, bool text) {
    std::error_code ec;
    detail::directory_view where;
    made_file made = make(options, where, ec);
    if (ec) detail::throw_error("temporary_file", detail::directory_for_error(options.dir), ec);
    file::operator=(file(made.handle, text));
    linkable_ = made.linkable;
}

temporary_file temporary_file::create(const name_options& options, std::error_code& ec) {
    return create(options, false, ec);
}

temporary_file temporary_file::create(const name_options& options, bool text, std::error_code& ec) {
    ec.clear();
    temporary_file result{empty_owner{}};
    try {
        detail::directory_view where;
        made_file made = make(options, where, ec);
        if (ec) return result;
        result.file::operator=(file(made.handle, text));
        result.linkable_ = made.linkable;
    } catch (const std::bad_alloc&) {
        result = temporary_file{empty_owner{}};  // closes whatever was made
        ec = detail::out_of_memory();
    }
    return result;
}

void temporary_file::persist(const fs::path& target) {
    std::error_code ec;
    persist(target, ec);
    if (!ec) return;
    // Named already: a filesystem_error, not the std::invalid_argument of a bad path.
    if (persisted_ && ec == std::errc::invalid_argument)
        throw fs::filesystem_error("temporary_file::persist: the file has a name already", target, ec);
    detail::throw_error("temporary_file::persist", target, ec);
}

void temporary_file::persist(const fs::path& target, std::error_code& ec) {
    ec.clear();
    if (!is_open()) {
        ec = std::make_error_code(std::errc::bad_file_descriptor);
        return;
    }
    if (persisted_) {
        ec = std::make_error_code(std::errc::invalid_argument);  // no second link: one name is what was asked
        return;
    }
    detail::check_path(target, ec);
    if (ec) return;
    fs::path absolute;
    try {
        absolute = fs::absolute(target, ec);
        if (ec) return;
        settle_stream();  // whoever opens the new name sees what was written so far
    } catch (const std::system_error& e) {
        ec = e.code();
        return;
    } catch (const std::bad_alloc&) {
        ec = detail::out_of_memory();
        return;
    }
    ec = write_error();  // content that lost bytes is not given a name
    if (ec) return;
    if (!linkable_) {
        ec = std::make_error_code(std::errc::operation_not_supported);
        return;
    }
    os::link_unnamed(native_handle(), absolute, ec);
    if (!ec) persisted_ = true;
}

}  // namespace tempfile
