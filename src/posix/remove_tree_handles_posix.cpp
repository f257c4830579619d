// SPDX-License-Identifier: MIT
// Handles and permission fixes for the POSIX tree removal: every call here is
// relative to a directory handle, so a name swapped for a symbolic link
// mid-walk can never redirect it.
#include "posix/remove_tree_posix.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace tempfile::detail::os::tree {

dir_stream& dir_stream::operator=(dir_stream&& other) noexcept {
    if (this != &other) {
        reset();
        dir_ = std::exchange(other.dir_, nullptr);
    }
    return *this;
}

bool dir_stream::adopt(unique_fd fd) noexcept {
    reset();
    dir_ = ::fdopendir(fd.get());
    if (dir_ == nullptr) return false;  // fd still owned, closed by its owner
    fd.release();
    return true;
}

void dir_stream::reset() noexcept {
    if (dir_ != nullptr) ::closedir(std::exchange(dir_, nullptr));
}

int open_directory_at(int dir_fd, const char* name) noexcept {
    int fd;
    do {
        fd = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

bool is_not_directory_error(int err) noexcept {
    // O_NOFOLLOW on a link: ELOOP (Linux, macOS), EMLINK (FreeBSD);
    // O_DIRECTORY on anything else: ENOTDIR.
    return err == ENOTDIR || err == ELOOP || err == EMLINK;
}

int open_parent_directory(const char* path) noexcept {
#if TEMPFILE_LINUX
    const int flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
#elif defined(O_SEARCH)
    const int flags = O_SEARCH | O_DIRECTORY | O_CLOEXEC;
#else
    // Needs read permission on the parent: a known gap where the OS offers
    // no search-only open.
    const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif
    int fd;
    do {
        fd = ::open(path, flags);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

namespace {
constexpr mode_t owner_rwx = S_IRWXU;

bool needs_owner_access(const struct stat& st) noexcept {
    return (st.st_mode & owner_rwx) != owner_rwx;
}
}  // namespace

bool grant_owner_access(int fd) noexcept {
    struct stat st;
    if (::fstat(fd, &st) != 0) return false;
    if (!needs_owner_access(st)) return false;
    return ::fchmod(fd, (st.st_mode & 07777) | owner_rwx) == 0;
}

bool grant_owner_access_at(int dir_fd, const char* name) noexcept {
#if TEMPFILE_LINUX
    // An O_PATH handle needs no permission on the directory itself and pins
    // the inode: chmod through /proc/self/fd reaches exactly that inode, and
    // O_NOFOLLOW|O_DIRECTORY refused a link (ENOTDIR).
    unique_fd pinned(::openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
    if (!pinned) return false;
    struct stat st;
    if (::fstat(pinned.get(), &st) != 0) return false;
    if (!needs_owner_access(st)) return false;
    const mode_t mode = (st.st_mode & 07777) | owner_rwx;
    char proc_path[40];
    (void)std::snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", pinned.get());
    if (::chmod(proc_path, mode) == 0) return true;
    if (errno != ENOENT) return false;
    // No /proc: glibc's fchmodat uses fchmodat2 where the kernel has it and
    // otherwise fails with EOPNOTSUPP rather than follow a link.
    return ::fchmodat(dir_fd, name, mode, AT_SYMLINK_NOFOLLOW) == 0;
#else
    struct stat st;
    if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return false;
    }
    if (!needs_owner_access(st)) return false;
    // macOS and the BSDs change a link itself here (lchmod), never its target.
    return ::fchmodat(dir_fd, name, (st.st_mode & 07777) | owner_rwx, AT_SYMLINK_NOFOLLOW) == 0;
#endif
}

#if defined(UF_IMMUTABLE) && defined(UF_APPEND)
#define TEMPFILE_FILE_FLAGS 1  // macOS and the BSDs: chflags(2)
namespace {
#ifdef UF_NOUNLINK
constexpr std::uint32_t blocking_flags = UF_IMMUTABLE | UF_APPEND | UF_NOUNLINK;
#else
constexpr std::uint32_t blocking_flags = UF_IMMUTABLE | UF_APPEND;
#endif
}  // namespace
#else
namespace {
// FreeBSD's values (UF_IMMUTABLE, UF_APPEND, UF_NOUNLINK), for the rule's tests.
constexpr std::uint32_t blocking_flags = 0x2 | 0x4 | 0x10;
}  // namespace
#endif

std::uint32_t flags_without_blockers(std::uint32_t flags) noexcept {
    return flags & ~blocking_flags;
}

bool clear_blocking_flags_at(int dir_fd, const char* name) noexcept {
#if TEMPFILE_FILE_FLAGS
    struct stat st;
    if (name == nullptr ? ::fstat(dir_fd, &st) != 0 : ::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return false;
    const auto flags = static_cast<std::uint32_t>(st.st_flags);
    if (flags_without_blockers(flags) == flags) {
        errno = EPERM;  // nothing of ours to clear: the original refusal stands
        return false;
    }
    if (name == nullptr) return ::fchflags(dir_fd, flags_without_blockers(flags)) == 0;
#if defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__DragonFly__)
    return ::chflagsat(dir_fd, name, flags_without_blockers(flags), AT_SYMLINK_NOFOLLOW) == 0;
#else
    // macOS and NetBSD have no chflagsat: through a handle that refused to
    // follow a link (a link itself keeps its flags, and the error stands).
    unique_fd fd(::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) return false;
    return ::fchflags(fd.get(), flags_without_blockers(flags)) == 0;
#endif
#else
    (void)dir_fd, (void)name;
    errno = ENOTSUP;
    return false;
#endif
}

}  // namespace tempfile::detail::os::tree
