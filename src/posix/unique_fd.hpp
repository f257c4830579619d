// SPDX-License-Identifier: MIT
#pragma once
// The one owner of a file descriptor inside the POSIX layer, so that no
// error path needs its own close(); and the one way to turn errno into an
// error_code.
#include <cerrno>
#include <system_error>
#include <utility>

#include <unistd.h>

namespace tempfile::detail::os {

/// errno as an error_code of the system category: the OS's own error, never a guess.
inline std::error_code last_error() noexcept {
    return {errno, std::system_category()};
}

/// Owns a descriptor (-1: nothing) and closes it at scope exit, errors
/// ignored: the descriptors it holds (directories being walked or synced,
/// /dev/urandom) carry no unwritten data. Move-only.
class unique_fd {
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    /// Gives the descriptor to the caller; this object is then empty.
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

}  // namespace tempfile::detail::os
