// SPDX-License-Identifier: MIT
// The owner's mark on what it made (see os.hpp): a BSD lock, flock(2),
// shared, on an open file description that only the owner holds. The kernel
// drops it when the last descriptor on that description closes, so at any
// exit, SIGKILL included, and no process ID can be reused to fake it.
// systemd-tmpfiles skips a directory so locked; reap_orphans skips both.
#include "os.hpp"
#include "posix/unique_fd.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace tempfile::detail::os {
namespace {

// LOCK_NB: a shared lock waits only for an exclusive one, which only a
// reaper takes, and only on entries older than its 10-second floor; an
// owner that meets one is being reaped and says so instead of waiting.
bool lock_shared(int fd, std::error_code& ec) noexcept {
    int rc;
    do rc = ::flock(fd, LOCK_SH | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc == 0) return true;
    ec =
        errno == EWOULDBLOCK ? std::make_error_code(std::errc::resource_unavailable_try_again) : last_error();
    return false;
}

}  // namespace

handle lock_file(handle h, bool outlive, std::error_code& ec) noexcept {
    ec.clear();
    if (!lock_shared(h, ec)) return -1;
    if (!outlive) return -1;  // the lock lives in h's open file description
    // A dup shares the description, hence the lock, and keeps it after the
    // owner's user closes h: one call, where a second open would cost two
    // and could reach another file through a renamed path.
    const int lock = ::fcntl(h, F_DUPFD_CLOEXEC, 0);
    if (lock < 0) {
        ec = last_error();
        ::flock(h, LOCK_UN);
    }
    return lock;
}

handle lock_directory(const fs::path& path, std::error_code& ec) noexcept {
    ec.clear();
    unique_fd fd;
    do fd = unique_fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    while (!fd && errno == EINTR);
    if (!fd) {
        ec = last_error();
        return -1;
    }
    if (!lock_shared(fd.get(), ec)) return -1;
    return fd.release();
}

bool lock_blocks_removal() noexcept {
    return false;  // a BSD lock is advisory: unlink and rmdir ignore it
}

void unlock(handle lock, handle h) noexcept {
    const int fd = lock >= 0 ? lock : h;
    if (fd >= 0) ::flock(fd, LOCK_UN);
    if (lock >= 0) ::close(lock);
}

}  // namespace tempfile::detail::os
