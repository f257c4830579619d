#pragma once
// The one owner of a file descriptor inside the POSIX layer, so that no
// error path needs its own close().
#include <unistd.h>

namespace tempfile::detail::os {

/// Owns a descriptor (-1: nothing) and closes it at scope exit, errors
/// ignored: the descriptors it holds (directories to fsync, /dev/urandom)
/// carry no unwritten data.
class unique_fd {
public:
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_;
};

}  // namespace tempfile::detail::os
