// SPDX-License-Identifier: MIT
// The tree walk of enable_signal_cleanup()'s handler (see
// signal_remove_tree_posix.hpp for what it guarantees).
//
// Linux lists directories with the getdents64 system call, since readdir
// and fdopendir allocate. The walk holds two descriptors at most besides
// the root's: the directory it reads, and briefly its child or its "..".
// It keeps a ring of the last `window` levels: each level's identity
// (st_dev, st_ino) and where to resume reading it. Coming back up, ".." is
// opened from the child and used only if it is the directory the walk came
// down from, as remove_tree_posix.cpp checks it; a ".." that is not (the
// child was moved, even out of the tree), or a level the ring no longer
// holds, starts the walk over from the root. Starting over never loses
// ground: what a pass emptied on its way back up is gone. The emptied child
// is then found again in its parent by its identity, so no name is kept.
//
// The portable build has no signal-safe way to list a directory, so there
// the handler removes files and empty directories only (a known gap).
#include "posix/signal_remove_tree_posix.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#if TEMPFILE_LINUX
#include <cstddef>

#include <dirent.h>
#include <sys/syscall.h>
#endif

namespace tempfile::detail::os::signal_safe {

#if TEMPFILE_LINUX
namespace {

/// Levels whose identity is kept (48 KiB, untouched until a signal walks a
/// tree deeper than a few levels). A tree d levels deep costs about
/// d / window walks from the root.
constexpr long window = 2048;
/// Walks over one tree before giving up: a tree 16 million levels deep, or
/// one refilled faster than it is emptied, does not hold the process forever.
constexpr long max_passes = 65536;

struct level {
    dev_t dev;  // identity, to check ".." on the way back up
    ino_t ino;
    long long resume;  // d_off just after the child being walked
};
level ring[window];  // level d (d >= 1; the root is 0) in ring[(d - 1) % window]
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

void close_keeping_errno(int fd) noexcept {
    int saved = errno;
    ::close(fd);
    errno = saved;
}

int open_at(int dir, const char* name, int flags) noexcept {
    int fd;
    do fd = ::openat(dir, name, flags | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
}

constexpr int read_directory_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK;

/// Adds u+rwx to the open directory `fd`, keeping its other bits. False if
/// they were there already (nothing to fix) or fchmod failed.
bool grant_owner_access(int fd) noexcept {
    struct stat st;
    if (::fstat(fd, &st) != 0 || (st.st_mode & S_IRWXU) == S_IRWXU) return false;
    return ::fchmod(fd, (st.st_mode & 07777) | S_IRWXU) == 0;
}

/// chmod of exactly the inode an O_PATH handle pins (fchmod refuses O_PATH
/// handles): through /proc/self/fd/N, else fchmodat2(AT_EMPTY_PATH) where
/// the headers know it. The path is built by hand: no snprintf in a handler.
bool chmod_pinned(int pinned, mode_t mode) noexcept {
    char path[32] = "/proc/self/fd/";
    std::size_t end = 14;
    char digits[12];
    int count = 0;
    for (unsigned value = static_cast<unsigned>(pinned); count == 0 || value != 0; value /= 10)
        digits[count++] = static_cast<char>('0' + value % 10);
    while (count > 0) path[end++] = digits[--count];
    path[end] = '\0';
    if (::chmod(path, mode) == 0) return true;
#ifdef SYS_fchmodat2
    if (errno == ENOENT) return ::syscall(SYS_fchmodat2, pinned, "", mode, AT_EMPTY_PATH) == 0;
#endif
    return false;
}

/// Opens the directory `name` in `dir` for reading, never following a
/// link. When its permissions refuse (no r, or no x), gives it its owner's
/// rwx through an O_PATH handle that pins its inode, so that a link swapped
/// in meanwhile is never changed. (`dir` itself has had its owner's rwx
/// given back already if it lacked them: the walk tries rmdir on `name`
/// first, and remove_entry fixes `dir` on EACCES.) -1 with errno on failure.
int open_directory(int dir, const char* name) noexcept {
    int fd = open_at(dir, name, read_directory_flags);
    if (fd >= 0 || errno != EACCES) return fd;
    int pinned = open_at(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    if (pinned < 0) return -1;
    struct stat st;
    fd = -1;
    errno = EACCES;
    if (::fstat(pinned, &st) == 0 && (st.st_mode & S_IRWXU) != S_IRWXU &&
        chmod_pinned(pinned, (st.st_mode & 07777) | S_IRWXU))
        fd = open_at(pinned, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK);
    close_keeping_errno(pinned);
    return fd;
}

/// unlinkat, giving `dir` its owner's rwx back once if permissions were
/// what refused. Leaves errno as the last unlinkat set it.
bool remove_entry(int dir, const char* name, int flags) noexcept {
    if (::unlinkat(dir, name, flags) == 0 || errno == ENOENT) return true;
    if (errno != EACCES && errno != EPERM) return false;
    int refused = errno;
    if (!grant_owner_access(dir)) {
        errno = refused;
        return false;
    }
    return ::unlinkat(dir, name, flags) == 0 || errno == ENOENT;
}

/// Removes the (by now, most likely empty) directory of `dir` whose
/// identity is `child`'s, found by reading `dir` from the start. False if it
/// is not there any more or cannot be removed. Reuses `records`.
bool remove_child(int dir, const level& child) noexcept {
    ::lseek(dir, 0, SEEK_SET);
    long got;
    while ((got = ::syscall(SYS_getdents64, dir, records, sizeof records)) > 0) {
        for (long pos = 0; pos < got;) {
            const auto* header = reinterpret_cast<const record_header*>(records + pos);
            const char* name = records + pos + name_offset;
            pos += header->reclen;
            if ((header->type != DT_DIR && header->type != DT_UNKNOWN) || is_dot_or_dot_dot(name)) continue;
            struct stat st;
            if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == child.dev &&
                st.st_ino == child.ino)
                return remove_entry(dir, name, AT_REMOVEDIR);
        }
    }
    return false;
}

/// One walk from the root down and back. Sets `progress` when it removed
/// anything; returns false when it had to stop to start over.
class pass {
public:
    explicit pass(int root_fd) noexcept : root_fd_(root_fd) {}
    bool run(bool& progress) noexcept;

private:
    bool descend(const char* name, long long resume) noexcept;
    bool climb() noexcept;
    level& at(long depth) noexcept { return ring[(depth - 1) % window]; }
    long long& resume_of(long depth) noexcept { return depth == 0 ? root_resume_ : at(depth).resume; }

    const int root_fd_;
    long long root_resume_ = 0;
    int fd_ = -1;  // the directory being read
    long depth_ = 0;
    long lowest_kept_ = 1;  // the shallowest level the ring still holds (the root needs none)
};

bool pass::run(bool& progress) noexcept {
    fd_ = root_fd_;
    ::lseek(root_fd_, 0, SEEK_SET);
    for (;;) {
        long got = ::syscall(SYS_getdents64, fd_, records, sizeof records);
        if (got <= 0) {  // the end of this directory, or an error reading it
            if (depth_ == 0) return true;
            const level child = at(depth_);
            if (!climb()) return false;
            bool removed = remove_child(fd_, child);
            progress = progress || removed;
            // After a removal the directory is smaller, so reading it again
            // from the start ends, and sees what offsets shifted by the
            // removals hid; else go on after the child that stays.
            ::lseek(fd_, removed ? 0 : resume_of(depth_), SEEK_SET);
            continue;
        }
        for (long pos = 0; pos < got;) {
            const auto* header = reinterpret_cast<const record_header*>(records + pos);
            const char* name = records + pos + name_offset;
            pos += header->reclen;
            if (is_dot_or_dot_dot(name)) continue;
            if ((header->type != DT_DIR && remove_entry(fd_, name, 0)) ||
                remove_entry(fd_, name, AT_REMOVEDIR)) {
                progress = true;
                continue;
            }
            if (errno != ENOTEMPTY && errno != EEXIST) continue;  // stays: nothing more to try
            // The rest of this batch is read again on the way back up.
            if (descend(name, header->off)) break;
        }
    }
}

// Into the directory `name` of the current one, noting what the way back
// needs. False (and nothing changed) if it cannot be opened.
bool pass::descend(const char* name, long long resume) noexcept {
    int child = open_directory(fd_, name);
    if (child < 0) return false;
    struct stat st;
    if (::fstat(child, &st) != 0) {
        ::close(child);
        return false;
    }
    resume_of(depth_) = resume;
    const long next = depth_ + 1;
    // Its slot held level next - window, which the ring no longer keeps now.
    if (next - window >= lowest_kept_) lowest_kept_ = next - window + 1;
    level& entered = at(next);
    entered.dev = st.st_dev;
    entered.ino = st.st_ino;
    if (fd_ != root_fd_) ::close(fd_);
    fd_ = child;
    depth_ = next;
    return true;
}

// Back to the parent of the current directory: the root's own handle, or a
// ".." that is the directory the walk came down from. False (the current
// directory closed) when the walk must start over.
bool pass::climb() noexcept {
    const long up = depth_ - 1;
    int parent = root_fd_;
    if (up > 0) {
        parent = up >= lowest_kept_ ? open_at(fd_, "..", O_RDONLY | O_DIRECTORY | O_NONBLOCK) : -1;
        struct stat st;
        if (parent >= 0 &&
            (::fstat(parent, &st) != 0 || st.st_dev != at(up).dev || st.st_ino != at(up).ino)) {
            ::close(parent);
            parent = -1;
        }
    }
    ::close(fd_);
    fd_ = parent;
    depth_ = up;
    return parent >= 0;
}

}  // namespace

bool removes_whole_trees() noexcept {
    return true;
}

void remove_tree(const char* root) noexcept {
    if (::rmdir(root) == 0 || errno == ENOENT) return;
    if (errno == ENOTDIR) {  // the directory was replaced by something else: remove only that
        ::unlink(root);
        return;
    }
    int root_fd = open_directory(AT_FDCWD, root);
    if (root_fd < 0) return;
    for (long passes = 0; passes < max_passes; ++passes) {
        bool progress = false;
        if (pass(root_fd).run(progress) || !progress) break;
    }
    ::close(root_fd);
    ::rmdir(root);
}

#else

bool removes_whole_trees() noexcept {
    return false;
}

void remove_tree(const char* root) noexcept {
    if (::rmdir(root) != 0 && errno == ENOTDIR) ::unlink(root);
}

#endif

}  // namespace tempfile::detail::os::signal_safe
