// SPDX-License-Identifier: MIT
// POSIX I/O on an open descriptor behind src/os.hpp: one system call each,
// retried only when a signal interrupted it.
#include "posix/io_posix.hpp"
#include "os.hpp"
#include "posix/unique_fd.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tempfile::detail::os {

std::size_t read(handle h, void* buf, std::size_t n, std::error_code& ec) noexcept {
    ec.clear();
    ssize_t got;
    do got = ::read(h, buf, n);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        ec = last_error();
        return 0;
    }
    return static_cast<std::size_t>(got);
}

std::size_t write(handle h, const void* buf, std::size_t n, std::error_code& ec) noexcept {
    ec.clear();
    ssize_t put;
    do put = ::write(h, buf, n);
    while (put < 0 && errno == EINTR);
    if (put < 0) {
        ec = last_error();
        return 0;
    }
    return static_cast<std::size_t>(put);
}

std::uint64_t seek(handle h, std::int64_t offset, origin from, std::error_code& ec) noexcept {
    ec.clear();
    int whence = from == origin::begin ? SEEK_SET : from == origin::current ? SEEK_CUR : SEEK_END;
    off_t at = ::lseek(h, static_cast<off_t>(offset), whence);
    if (at < 0) {
        ec = last_error();
        return 0;
    }
    return static_cast<std::uint64_t>(at);
}

std::uint64_t size(handle h, std::error_code& ec) noexcept {
    ec.clear();
    struct stat st;
    if (::fstat(h, &st) != 0) {
        ec = last_error();
        return 0;
    }
    return static_cast<std::uint64_t>(st.st_size);
}

void truncate(handle h, std::uint64_t size, std::error_code& ec) noexcept {
    ec.clear();
    int r;
    do r = ::ftruncate(h, static_cast<off_t>(size));
    while (r != 0 && errno == EINTR);
    if (r != 0) ec = last_error();
}

void sync(handle h, std::error_code& ec) noexcept {
    ec.clear();
#if TEMPFILE_LINUX
    // The data and the size, without the timestamps a temporary needs not keep.
    if (::fdatasync(h) != 0) ec = last_error();
#else
    if (const int err = sync_fully(h)) ec.assign(err, std::system_category());
#endif
}

bool fsync_may_replace_full_sync(int err) noexcept {
    return err == ENOTSUP || err == ENOTTY;
}

int full_sync(int fd, int (*full)(int), int (*plain)(int)) noexcept {
    int r;
    do r = full(fd);
    while (r != 0 && errno == EINTR);
    if (r == 0) return 0;
    const int err = errno;
    if (!fsync_may_replace_full_sync(err)) return err;
    do r = plain(fd);
    while (r != 0 && errno == EINTR);
    return r == 0 ? 0 : errno;
}

int sync_fully(int fd) noexcept {
#if TEMPFILE_MACOS
    // fsync on macOS stops at the drive's cache; F_FULLFSYNC reaches the
    // medium (Go and SQLite do the same).
    return full_sync(
        fd, [](int f) { return ::fcntl(f, F_FULLFSYNC); }, ::fsync);
#else
    int r;
    do r = ::fsync(fd);
    while (r != 0 && errno == EINTR);
    return r == 0 ? 0 : errno;
#endif
}

// Never retried on EINTR: Linux has closed the descriptor by then, and a
// retry could close one another thread has just opened.
std::error_code close(handle h) noexcept {
    if (::close(h) != 0 && errno != EINTR) return last_error();
    return {};
}

}  // namespace tempfile::detail::os
