// SPDX-License-Identifier: MIT
// POSIX randomness, fork generations and the environment behind src/os.hpp.
#include "posix/system_posix.hpp"
#include "os.hpp"
#include "posix/unique_fd.hpp"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <new>
#include <string_view>

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#if TEMPFILE_LINUX
#include <sys/random.h>
#endif

namespace tempfile::detail::os {
namespace {

#if !TEMPFILE_ARC4RANDOM
// The portable source: every POSIX system has /dev/urandom. Compiled only
// where something calls it, so that -Werror builds of every branch pass.
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
#endif

std::atomic<std::uint64_t> generation{0};

// pthread_atfork handlers run only when fork() goes through the C library: a
// raw fork or clone system call skips them. Where the kernel can zero a page
// in every child however it was made (OpenBSD and FreeBSD minherit with
// MAP_INHERIT_ZERO, as LibreSSL's arc4random does; Linux 4.14+ madvise with
// MADV_WIPEONFORK), that page holds 1 in a process that knows its
// generation, and 0 in a child nobody told. Reading it costs a load.
// Null where the kernel cannot.
std::atomic<std::atomic<int>*> sentinel{nullptr};

std::atomic<int>* make_sentinel() noexcept {
#if defined(MAP_INHERIT_ZERO) || (TEMPFILE_LINUX && defined(MADV_WIPEONFORK))
    const long page_size = ::sysconf(_SC_PAGESIZE);
    const std::size_t size = page_size > 0 ? static_cast<std::size_t>(page_size) : 4096;
    void* page = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return nullptr;
#if defined(MAP_INHERIT_ZERO)
    const int marked = ::minherit(page, size, MAP_INHERIT_ZERO);
#else
    const int marked = ::madvise(page, size, MADV_WIPEONFORK);  // EINVAL before Linux 4.14
#endif
    if (marked != 0) {
        ::munmap(page, size);
        return nullptr;
    }
    return new (page) std::atomic<int>(1);  // never unmapped: it lives as long as the process
#else
    return nullptr;
#endif
}

void on_fork_child() noexcept {
    generation.fetch_add(1, std::memory_order_relaxed);
    // Told: the zeroed page must not count this child a second time.
    if (std::atomic<int>* s = sentinel.load(std::memory_order_relaxed))
        s->store(1, std::memory_order_relaxed);
}

// Set up once: the function-local static makes the first caller, on
// whatever thread, map the page and register the handler exactly once (the
// page first, so that the handler never waits for this initialisation).
bool ensure_fork_watch() noexcept {
    static const bool registered = [] {
        sentinel.store(make_sentinel(), std::memory_order_relaxed);
        return ::pthread_atfork(nullptr, nullptr, on_fork_child) == 0;
    }();
    return registered;
}

// Also at load time, so that a fork() before the first name or owner is
// counted too.
[[maybe_unused]] const bool fork_watch_at_load = ensure_fork_watch();

}  // namespace

void random_bytes(void* buf, std::size_t n, std::error_code& ec) noexcept {
    ec.clear();
    auto* out = static_cast<unsigned char*>(buf);
#if TEMPFILE_ARC4RANDOM        // macOS, the BSDs, or TEMPFILE_FORCE_ARC4RANDOM (set by the build)
    ::arc4random_buf(out, n);  // cannot fail
#elif TEMPFILE_LINUX
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
#else
    read_urandom(out, n, ec);
#endif
}

std::uint64_t fork_generation() noexcept {
    ensure_fork_watch();
    if (std::atomic<int>* s = sentinel.load(std::memory_order_relaxed)) {
        int zeroed = 0;
        // One thread of the child counts it; the others then see 1.
        if (s->load(std::memory_order_relaxed) == 0 && s->compare_exchange_strong(zeroed, 1))
            generation.fetch_add(1, std::memory_order_relaxed);
    }
    return generation.load(std::memory_order_relaxed);
}

bool detects_fork_without_handlers() noexcept {
    ensure_fork_watch();
    return sentinel.load(std::memory_order_relaxed) != nullptr;
}

fs::path directory_path(const char* text) {
    std::string_view dir(text);
    while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
    return fs::path(dir);
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
    // It ends in a slash ("/var/folders/xy/abc/T/"): trimmed, as $TMPDIR is,
    // so that gettempdir() is the same path whichever way it was found.
    if (n > 0 && n <= sizeof buf) dirs.push_back(directory_path(buf));
#endif
    dirs.emplace_back("/tmp");
    dirs.emplace_back("/var/tmp");
    dirs.emplace_back("/usr/tmp");
    return dirs;
}

fs::path::string_type native_name(std::string utf8) {
    return utf8;
}

bool is_separator(char c) noexcept {
    return c == '/' || c == '\0';
}

}  // namespace tempfile::detail::os
