// SPDX-License-Identifier: MIT
// named_temporary_file: Python 3.12's NamedTemporaryFile with an owner in
// place of `with`. Create and destroy cost open, close and unlink, nothing more.
#include <tempfile/named_temporary_file.hpp>

#include "mode.hpp"
#include "names_internal.hpp"
#include "os.hpp"
#include "owner_registry.hpp"

#include <algorithm>
#include <new>
#include <utility>

namespace tempfile {
namespace os = detail::os;
namespace {

// Where the OS deletes at close (Windows' FILE_FLAG_DELETE_ON_CLOSE, asked
// for by create()), a file that is to stay must first lose that flag, else
// closing it deletes it whatever keep() or a rename said. `f` stays open at
// the same position, maybe on a new handle (see os::cancel_delete_on_close).
// On failure `path` is the name the file has now, maybe a second one.
void stop_os_deletion(file& f, fs::path& path, bool text, std::error_code& ec) {
    ec.clear();
    os::handle h = os::cancel_delete_on_close(f.release(), path, ec);
    if (h != file::invalid_handle()) f = file(h, text);
}

// The file has the name `now` since a failed cancel_delete_on_close: the
// owner, and the signal handler, follow it.
void follow_name(fs::path& path, detail::registry_entry*& registration, fs::path now) {
    if (now == path) return;
    path = std::move(now);
    detail::unregister_owned(registration);
    registration = detail::register_owned(path, detail::owned_kind::file);
}

}  // namespace

named_temporary_file::named_temporary_file(const named_file_options& options) {
    std::error_code ec;
    *this = create(options, ec);
    if (ec) detail::throw_error("named_temporary_file", detail::directory_for_error(options.dir), ec);
}

named_temporary_file named_temporary_file::create(const named_file_options& options, std::error_code& ec) {
    ec.clear();
    named_temporary_file result{empty_owner{}};
    try {
        // Only where the OS deletes at close (Windows) is the flag asked for, and
        // never for a file that close() must leave for another process to open.
        const bool os_deletes = options.delete_on_close && !options.keep && os::has_delete_on_close();
        const unsigned mode = detail::creation_mode(options.mode, 0600, ec);
        if (ec) return result;
        // The maker captures one reference: std::function keeps a lambda
        // of up to two pointers inline (libstdc++), with no allocation.
        struct {
            os::handle handle;
            bool os_deletes;
            unsigned mode;
        } made{file::invalid_handle(), os_deletes, mode};
        fs::path path = detail::create_unique(
            options.prefix, options.suffix, options.dir,
            [&made](const fs::path& candidate, std::error_code& e) {
                made.handle = os::create_exclusive(candidate, made.os_deletes, e, made.mode);
            },
            ec);
        if (ec) return result;
        result.file::operator=(file(made.handle, options.text));
        result.path_ = std::move(path);
        result.armed_ = !options.keep;
        result.delete_on_close_ = options.delete_on_close;
        result.generation_ = detail::current_generation();
        if (result.armed_)
            result.registration_ = detail::register_owned(result.path_, detail::owned_kind::file);
    } catch (const std::bad_alloc&) {
        result = named_temporary_file{empty_owner{}};  // deletes whatever was made
        ec = detail::out_of_memory();
    }
    if (ec || !options.lock) return result;
    result.take_lock(!options.delete_on_close || options.keep, ec);
    if (ec) {
        std::error_code ignored;
        result.remove(ignored);  // options.keep or not: a failed creation leaves nothing
        result = named_temporary_file{empty_owner{}};  // one object returned everywhere: no move at return
    }
    return result;
}

named_temporary_file::named_temporary_file(named_temporary_file&& other) noexcept
    : file(static_cast<file&&>(other)),  // only the base part: the members follow one by one
      path_(std::move(other.path_)),
      armed_(std::exchange(other.armed_, false)),
      delete_on_close_(other.delete_on_close_),
      generation_(other.generation_),
      registration_(std::exchange(other.registration_, nullptr)),
      locked_(std::exchange(other.locked_, false)),
      lock_(std::exchange(other.lock_, invalid_handle())),
      ending_(other.ending_),
      identified_(std::exchange(other.identified_, false)) {
    std::copy(std::begin(other.identity_), std::end(other.identity_), std::begin(identity_));
    other.path_.clear();
}

named_temporary_file& named_temporary_file::operator=(named_temporary_file&& other) noexcept {
    if (this == &other) return *this;
    destroy();
    file::operator=(static_cast<file&&>(other));  // only the base part
    path_ = std::move(other.path_);
    other.path_.clear();
    armed_ = std::exchange(other.armed_, false);
    delete_on_close_ = other.delete_on_close_;
    generation_ = other.generation_;
    registration_ = std::exchange(other.registration_, nullptr);
    locked_ = std::exchange(other.locked_, false);
    lock_ = std::exchange(other.lock_, invalid_handle());
    ending_ = other.ending_;
    identified_ = std::exchange(other.identified_, false);
    std::copy(std::begin(other.identity_), std::end(other.identity_), std::begin(identity_));
    return *this;
}

named_temporary_file::~named_temporary_file() {
    destroy();
}

// Only the process that made the file deletes it: a fork()ed child closes
// its copy of the descriptor and leaves the name to its parent.
void named_temporary_file::destroy() noexcept {
    if (generation_ != detail::current_generation()) armed_ = false;
    ending_ = true;  // nobody reopens it afterwards: close() notes nothing
    if (locked_ && armed_ && delete_on_close_ && !os::has_delete_on_close()) {
        // Unlinked while its handle still holds the lock, so that no reaper
        // meets it unlocked between the close and the unlink.
        std::error_code ignored;
        delete_now(ignored);
    }
    try {
        close();  // after_close() deletes when delete_on_close
    } catch (...) {
    }
    if (armed_) {
        std::error_code ignored;
        delete_now(ignored);
    }
    detail::unregister_owned(registration_);
    close_lock_handle();  // a fork()ed child closes its copy only: the parent's lock stays
}

// options.lock: the mark that tells reapers this file's owner lives.
void named_temporary_file::take_lock(bool outlive, std::error_code& ec) noexcept {
    lock_ = os::lock_file(native_handle(), outlive, ec);
    locked_ = !ec;
}

// keep(), persist(): what stays is no longer a temporary.
void named_temporary_file::drop_lock() noexcept {
    if (!locked_) return;
    os::unlock(lock_, native_handle());
    lock_ = invalid_handle();
    locked_ = false;
}

void named_temporary_file::close_lock_handle() noexcept {
    if (lock_ != invalid_handle()) (void)os::close(std::exchange(lock_, invalid_handle()));
}

// Only a file that outlives close() can be reopened afterwards, and only
// while its handle is open can its identity be read: noted here, at the
// cost of one fstat, by a close() of such a file alone.
void named_temporary_file::before_close() noexcept {
    if (ending_ || (armed_ && delete_on_close_)) return;
    os::file_id id;
    std::error_code ec;
    os::identify(native_handle(), id, ec);
    if (ec) return;  // reopen() will then say EBADF
    std::copy(std::begin(id.words), std::end(id.words), std::begin(identity_));
    identified_ = true;
}

void named_temporary_file::after_close() {
    if (!armed_ || !delete_on_close_ || generation_ != detail::current_generation()) return;
    if (os::has_delete_on_close()) {  // the OS deleted it as the handle closed
        armed_ = false;
        detail::unregister_owned(registration_);
        return;
    }
    std::error_code ec;
    delete_now(ec);
    if (ec) detail::throw_error("named_temporary_file::close", path_, ec);
}

void named_temporary_file::delete_now(std::error_code& ec) noexcept {
    if (os::lock_blocks_removal()) close_lock_handle();
    os::remove_file(path_, ec);  // already gone is not an error
    if (ec) return;              // still armed: the owner's end tries again
    armed_ = false;
    detail::unregister_owned(registration_);
    close_lock_handle();
}

const fs::path& named_temporary_file::path() const noexcept {
    return path_;
}

file named_temporary_file::reopen() const {
    std::error_code ec;
    file reopened = reopen(ec);
    if (ec) detail::throw_error("named_temporary_file::reopen", path_, ec);
    return reopened;
}

file named_temporary_file::reopen(std::error_code& ec) const {
    ec.clear();
    if (path_.empty() || (!is_open() && !identified_)) {
        ec = std::make_error_code(std::errc::bad_file_descriptor);
        return file();
    }
    os::file_id expected;
    if (is_open()) {
        try {
            settle_stream();  // the new handle sees what was written so far
        } catch (const std::system_error& e) {
            ec = e.code();
            return file();
        } catch (const std::bad_alloc&) {
            ec = detail::out_of_memory();
            return file();
        }
        os::identify(native_handle(), expected, ec);
        if (ec) return file();
    } else {
        std::copy(std::begin(identity_), std::end(identity_), std::begin(expected.words));
    }
    os::handle h = os::reopen(path_, expected, ec);
    if (ec) return file();
    return file(h, text_mode());
}

fs::path named_temporary_file::keep() {
    if (armed_ && delete_on_close_ && os::has_delete_on_close() && is_open()) {
        std::error_code ec;
        fs::path now = path_;
        const std::error_code lost = write_error();  // the new handle is the same file
        stop_os_deletion(*this, now, text_mode(), ec);
        note_write_error(lost);
        if (ec) {
            // Not kept: still owned, and deleted by name at the owner's end
            // (whether or not the OS still would at close), under the name
            // the file has now. The signal handler learns that name too.
            delete_on_close_ = false;
            follow_name(path_, registration_, std::move(now));
            detail::throw_error("named_temporary_file::keep", path_, ec);
        }
    }
    armed_ = false;
    detail::unregister_owned(registration_);
    drop_lock();
    return path_;
}

void named_temporary_file::persist(const fs::path& target, bool overwrite) {
    std::error_code ec;
    persist(target, overwrite, ec);
    if (ec) detail::throw_error("named_temporary_file::persist", path_, target, ec);
}

void named_temporary_file::persist(const fs::path& target, bool overwrite, std::error_code& ec) {
    ec.clear();
    if (path_.empty()) {
        ec = std::make_error_code(std::errc::bad_file_descriptor);
        return;
    }
    detail::check_path(target, ec);
    if (ec) return;
    fs::path absolute;
    try {
        absolute = fs::absolute(target, ec);
        if (ec) return;
        if (is_open()) settle_stream();  // whoever opens the new name sees what was written so far
    } catch (const std::system_error& e) {
        ec = e.code();
        return;
    } catch (const std::bad_alloc&) {
        ec = detail::out_of_memory();
        return;
    }
    // Content that lost bytes (a write failed, maybe only in the stream) is
    // not published under the target's name; the file stays ours to delete.
    ec = write_error();
    if (ec) return;
    if (is_open()) {
        // Windows would delete the file under its new name at close.
        if (armed_ && delete_on_close_ && os::has_delete_on_close()) {
            fs::path now = path_;
            stop_os_deletion(*this, now, text_mode(), ec);
            // Whether this failed or the rename below does, the owner's end
            // deletes the file by name (the OS may no longer), by the name it has.
            delete_on_close_ = false;
            follow_name(path_, registration_, std::move(now));
            if (ec) return;
        }
    }
    // What is persisted is no longer a temporary: the lock goes, after the
    // rename, or before it where its handle would forbid the rename
    // (Windows), to be taken again, if the file is still open, should the
    // rename fail.
    const bool was_locked = locked_;
    const bool outlive = lock_ != invalid_handle();
    if (os::lock_blocks_removal()) drop_lock();
    os::rename(path_, absolute, overwrite, false, ec);
    if (ec) {
        std::error_code ignored;
        if (was_locked && !locked_ && is_open()) take_lock(outlive, ignored);
        return;
    }
    drop_lock();
    path_ = std::move(absolute);
    armed_ = false;
    detail::unregister_owned(registration_);
}

void named_temporary_file::remove() {
    std::error_code ec;
    remove(ec);
    if (ec) detail::throw_error("named_temporary_file::remove", path_, ec);
}

void named_temporary_file::remove(std::error_code& ec) {
    ec.clear();
    const bool was_armed = armed_;
    armed_ = false;  // so that close() leaves the deletion to us: one unlink, not two
    ending_ = true;  // and notes nothing for a reopen()
    identified_ = false;
    std::error_code close_error;
    try {
        close();
    } catch (const std::system_error& e) {
        close_error = e.code();
    }
    // A failed write matters to whoever would read the file, and it is being deleted.
    if (close_error == write_error()) close_error.clear();
    if (os::lock_blocks_removal()) close_lock_handle();
    if (!path_.empty()) os::remove_file(path_, ec);  // already gone (a second remove()) is fine
    if (ec) {
        // Still there (Windows: held open by another process): still owned,
        // so a later remove() or the owner's end tries again.
        armed_ = was_armed;
        return;
    }
    detail::unregister_owned(registration_);
    close_lock_handle();
    ec = close_error;
}

}  // namespace tempfile
