// SPDX-License-Identifier: MIT
// POSIX randomness, fork generations and the environment behind src/os.hpp.
#include "os.hpp"
#include "posix/unique_fd.hpp"

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#if TEMPFILE_LINUX
#include <sys/random.h>
#endif

namespace tempfile::detail::os {
namespace {

// The portable source: every POSIX system has /dev/urandom.
void read_urandom(unsigned char* out, std::size_t n, std::error_code& ec) noexcept {
    int raw;
    do raw = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    while (raw < 0 && errno == EINTR);
    unique_fd fd(raw);
    if (!fd) {
        ec = last_error();
        return;
    }
    while (n > 0) {
        ssize_t got = ::read(fd.get(), out, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            ec = got < 0 ? last_error() : std::error_code(EIO, std::system_category());
            return;
        }
        out += got;
        n -= static_cast<std::size_t>(got);
    }
}

std::atomic<std::uint64_t> generation{0};

void on_fork_child() noexcept {
    generation.fetch_add(1, std::memory_order_relaxed);
}

// Registered once: the function-local static makes the first caller, on
// whatever thread, register it exactly once.
bool ensure_fork_handler() noexcept {
    static const bool registered = ::pthread_atfork(nullptr, nullptr, on_fork_child) == 0;
    return registered;
}

// Also at load time, so that a fork() before the first name or owner is
// counted too.
[[maybe_unused]] const bool fork_handler_at_load = ensure_fork_handler();

}  // namespace

void random_bytes(void* buf, std::size_t n, std::error_code& ec) noexcept {
    ec.clear();
    auto* out = static_cast<unsigned char*>(buf);
#if TEMPFILE_LINUX
    while (n > 0) {
        // Reads of up to 256 bytes are never short once the pool is
        // initialised; longer ones may be, and any may see EINTR.
        ssize_t got = ::getrandom(out, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOSYS) return read_urandom(out, n, ec);  // kernel before 3.17
            ec = last_error();
            return;
        }
        out += got;
        n -= static_cast<std::size_t>(got);
    }
#elif TEMPFILE_MACOS || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) || \
    defined(__DragonFly__)
    ::arc4random_buf(out, n);  // cannot fail
#else
    read_urandom(out, n, ec);
#endif
}

std::uint64_t fork_generation() noexcept {
    ensure_fork_handler();
    return generation.load(std::memory_order_relaxed);
}

fs::path environment_path(const char* name) {
    const char* value = std::getenv(name);
    return value ? fs::path(value) : fs::path();
}

std::vector<fs::path> platform_temp_directories() {
    std::vector<fs::path> dirs;
#if TEMPFILE_MACOS
    // The per-user, per-boot directory that $TMPDIR normally names; used when
    // the environment lost it (launchd jobs, sudo).
    char buf[1024];
    std::size_t n = ::confstr(_CS_DARWIN_USER_TEMP_DIR, buf, sizeof buf);
    if (n > 0 && n <= sizeof buf) dirs.emplace_back(buf);
#endif
    dirs.emplace_back("/tmp");
    dirs.emplace_back("/var/tmp");
    dirs.emplace_back("/usr/tmp");
    return dirs;
}

bool is_separator(char c) noexcept {
    return c == '/' || c == '\0';
}

}  // namespace tempfile::detail::os
