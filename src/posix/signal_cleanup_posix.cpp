// SPDX-License-Identifier: MIT
// enable_signal_cleanup() on POSIX: a handler for SIGINT, SIGTERM and SIGHUP
// that removes every live owner's file and tree with async-signal-safe calls
// only (no allocation, no lock, no stdio, no opendir), then lets the signal
// do what it would have done.
//
// Linux walks trees with the getdents64 system call, since readdir and
// fdopendir allocate. The portable build has no signal-safe way to list a
// directory, so there the handler removes files and empty directories only:
// a directory that still holds entries stays (a known gap).
#include "os.hpp"
#include "owner_registry.hpp"

#include <tempfile/remove_tree.hpp>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <mutex>
#include <system_error>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#if TEMPFILE_LINUX
#include <dirent.h>
#include <sys/syscall.h>
#endif

namespace tempfile {
namespace {
using detail::owned_kind;
using detail::registry_entry;

constexpr int handled_signals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int signal_count = sizeof handled_signals / sizeof handled_signals[0];

// Written before our handler is installed for that signal, read only by it.
struct sigaction previous[signal_count];
bool installed[signal_count];  // guarded by enable_mutex
std::mutex enable_mutex;

// One handler at a time walks the registry: the tree walk below uses static
// buffers, since a signal handler may run on a small alternate stack.
// (atomic<bool>, not atomic_flag: ATOMIC_FLAG_INIT is deprecated in C++20,
// and a lock-free bool is as async-signal-safe.)
std::atomic<bool> walking{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the handler needs a lock-free flag");

#if TEMPFILE_LINUX
constexpr bool lists_directories = true;
constexpr int max_depth = 64;  // deeper parts of a tree stay: the handler is a last resort
struct level {
    int fd;
    long long resume;  // d_off after the entry we descended into
    char name[256];    // this level's directory name in its parent (NAME_MAX + 1)
};
level levels[max_depth];
alignas(8) char records[8192];

// The fixed part of a record as the kernel writes it (struct linux_dirent64).
struct record_header {
    unsigned long long ino;
    long long off;
    unsigned short reclen;
    unsigned char type;
};
constexpr std::size_t name_offset = offsetof(record_header, type) + 1;

bool is_dot_or_dot_dot(const char* n) noexcept {
    return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

void copy_name(char* out, const char* in) noexcept {
    std::size_t i = 0;
    for (; i < 255 && in[i] != '\0'; ++i) out[i] = in[i];
    out[i] = '\0';
}

int open_directory(int parent, const char* name) noexcept {
    int fd;
    do fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
}

// unlinkat, giving the directory its owner's w and x back once if they were
// what blocked it. Leaves errno as the last unlinkat set it.
bool remove_entry(int dir, const char* name, int flags) noexcept {
    if (::unlinkat(dir, name, flags) == 0 || errno == ENOENT) return true;
    if (errno != EACCES) return false;
    ::fchmod(dir, 0700);
    return ::unlinkat(dir, name, flags) == 0 || errno == ENOENT;
}

// Removes root and what it holds, never following a link: every step is
// relative to an open directory, opened with O_NOFOLLOW.
void remove_tree_in_handler(const char* root) noexcept {
    if (::rmdir(root) == 0 || errno == ENOENT) return;
    if (errno == ENOTDIR) {  // the directory was replaced by something else: remove only that
        ::unlink(root);
        return;
    }
    levels[0].fd = open_directory(AT_FDCWD, root);
    if (levels[0].fd < 0) return;
    int depth = 0;
    for (;;) {
        level& current = levels[depth];
        long got = ::syscall(SYS_getdents64, current.fd, records, sizeof records);
        if (got > 0) {
            for (long pos = 0; pos < got;) {
                const auto* header = reinterpret_cast<const record_header*>(records + pos);
                const char* name = records + pos + name_offset;
                pos += header->reclen;
                if (is_dot_or_dot_dot(name)) continue;
                if (header->type != DT_DIR && remove_entry(current.fd, name, 0)) continue;
                if (remove_entry(current.fd, name, AT_REMOVEDIR)) continue;
                if ((errno != ENOTEMPTY && errno != EEXIST) || depth + 1 == max_depth) continue;
                int child = open_directory(current.fd, name);
                if (child < 0) continue;
                current.resume = header->off;
                copy_name(levels[depth + 1].name, name);
                levels[++depth].fd = child;
                break;  // the rest of this batch is read again on the way back up
            }
            continue;
        }
        ::close(current.fd);  // the end of this directory, or an error reading it
        if (depth == 0) break;
        --depth;
        bool removed = remove_entry(levels[depth].fd, levels[depth + 1].name, AT_REMOVEDIR);
        // After a removal the directory is smaller, so reading it again from
        // the start ends, and sees what offsets shifted by the removals hid.
        ::lseek(levels[depth].fd, removed ? 0 : levels[depth].resume, SEEK_SET);
    }
    ::rmdir(root);
}
#else
constexpr bool lists_directories = false;
void remove_tree_in_handler(const char* root) noexcept {
    if (::rmdir(root) != 0 && errno == ENOTDIR) ::unlink(root);
}
#endif

void remove_registered() noexcept {
    detail::registry_readers.fetch_add(1);  // before any slot is read: see unregister_owned
    std::uint64_t generation = detail::os::fork_generation();
    for (auto& slot : detail::registry_slots) {
        const registry_entry* entry = slot.load();
        // A fork()ed child's copy of its parent's owners is not the child's to remove.
        if (entry == nullptr || entry->generation != generation) continue;
        if (entry->kind == owned_kind::file)
            ::unlink(entry->path);
        else
            remove_tree_in_handler(entry->path);
    }
    detail::registry_readers.fetch_sub(1);
}

// What the signal would have done without us.
void pass_on(int sig, int index, siginfo_t* info, void* context) noexcept {
    const struct sigaction& before = previous[index];
    if ((before.sa_flags & SA_SIGINFO) != 0) {
        if (before.sa_sigaction != nullptr) before.sa_sigaction(sig, info, context);
        return;
    }
    if (before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN) {
        before.sa_handler(sig);
        return;
    }
    // The default action: restore it and raise again. The signal is blocked
    // while this handler runs, so it is delivered, and ends the process,
    // as soon as the handler returns.
    ::sigaction(sig, &before, nullptr);
    (void)::raise(sig);
}

extern "C" void cleanup_on_signal(int sig, siginfo_t* info, void* context) {
    int saved_errno = errno;
    while (walking.exchange(true, std::memory_order_acquire)) ::sched_yield();  // another thread is walking
    remove_registered();
    walking.store(false, std::memory_order_release);
    for (int i = 0; i < signal_count; ++i)
        if (handled_signals[i] == sig) pass_on(sig, i, info, context);
    errno = saved_errno;
}

std::system_error sigaction_error() {
    return {errno, std::system_category(), "enable_signal_cleanup: sigaction"};
}

}  // namespace

namespace detail {
bool signal_handler_removes_whole_trees() noexcept {
    return lists_directories;
}
}  // namespace detail

void enable_signal_cleanup() {
    std::lock_guard<std::mutex> lock(enable_mutex);
    for (int i = 0; i < signal_count; ++i) {
        if (installed[i]) continue;
        struct sigaction before {};
        if (::sigaction(handled_signals[i], nullptr, &before) != 0) throw sigaction_error();
        // An ignored signal (nohup's SIGHUP) stays ignored: it ends nothing,
        // so it must remove nothing either.
        if ((before.sa_flags & SA_SIGINFO) == 0 && before.sa_handler == SIG_IGN) continue;
        previous[i] = before;
        struct sigaction ours {};
        ours.sa_sigaction = cleanup_on_signal;
        ours.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&ours.sa_mask);
        for (int s : handled_signals) sigaddset(&ours.sa_mask, s);
        if (::sigaction(handled_signals[i], &ours, nullptr) != 0) throw sigaction_error();
        installed[i] = true;
    }
}

}  // namespace tempfile
