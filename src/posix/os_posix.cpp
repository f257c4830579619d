// SPDX-License-Identifier: MIT
// POSIX creation, removal, renaming and linking behind src/os.hpp.
// Linux-only calls sit under TEMPFILE_LINUX, macOS-only ones under
// TEMPFILE_MACOS; everything else is what the BSDs and the portable build run.
#include "os.hpp"
#include "posix/io_posix.hpp"
#include "posix/unique_fd.hpp"

#include <cerrno>
#include <cstdio>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#if TEMPFILE_LINUX
#include <sys/syscall.h>
#endif

namespace tempfile::detail::os {
namespace {

// open(2) may be interrupted by a signal on slow file systems (NFS, FUSE).
int open_retrying(const char* path, int flags, mode_t mode) noexcept {
    int fd;
    do fd = ::open(path, flags, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

std::error_code not_supported() noexcept {
    return {EOPNOTSUPP, std::system_category()};
}

// rename without replacing, for systems without an atomic call: the link
// fails with EEXIST if `to` exists, and until the unlink both names are the
// same file, so no reader ever sees `to` missing or foreign.
void link_then_unlink(const fs::path& from, const fs::path& to, std::error_code& ec) noexcept {
    if (::link(from.c_str(), to.c_str()) != 0) {
        ec = last_error();
        return;
    }
    // ENOENT: someone else removed `from` meanwhile; the file lives on as
    // `to`, which is what was asked, so undoing would lose its last name.
    if (::unlink(from.c_str()) != 0 && errno != ENOENT) {
        ec = last_error();
        ::unlink(to.c_str());  // undo: the caller still has `from`, as before the call
    }
}

#if TEMPFILE_LINUX
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
// Through syscall(), since C libraries before glibc 2.28 have no wrapper.
// Returns false when the kernel (ENOSYS, before 3.15) or the file system
// (EINVAL) cannot do it, so that the caller falls back.
bool rename_noreplace(const fs::path& from, const fs::path& to, std::error_code& ec) noexcept {
#ifdef SYS_renameat2
    if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
        return true;
    if (errno == ENOSYS || errno == EINVAL) return false;
    ec = last_error();
    return true;
#else
    (void)from, (void)to, (void)ec;
    return false;
#endif
}
#elif TEMPFILE_MACOS
bool rename_noreplace(const fs::path& from, const fs::path& to, std::error_code& ec) noexcept {
    if (::renamex_np(from.c_str(), to.c_str(), RENAME_EXCL) == 0) return true;
    if (errno == ENOTSUP || errno == EINVAL) return false;
    ec = last_error();
    return true;
}
#else
bool rename_noreplace(const fs::path&, const fs::path&, std::error_code&) noexcept {
    return false;
}
#endif

}  // namespace

// The umask can only remove permission bits, so 0600 and 0700 come out
// exact under every umask that leaves the owner's read and write alone
// (0, 022, 077, ...). No fchmod/chmod follows: it would cost a system call
// per creation for the one case of a umask that masks the owner's own bits,
// where the result is stricter, never wider, and the returned descriptor is
// read/write all the same. Python's mkstemp and mkdtemp do the same. A
// caller's mode (options.mode) goes through the umask likewise, as open(2)
// and mkdir(2) apply it to any program's (Rust's Builder::permissions).
handle create_exclusive(const fs::path& path, bool /*delete_on_close*/, std::error_code& ec,
                        unsigned mode) noexcept {
    ec.clear();
    int fd = open_retrying(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                           static_cast<mode_t>(mode));
    if (fd < 0) ec = last_error();
    return fd;
}

handle create_unnamed(const fs::path& dir, std::error_code& ec, unsigned mode) noexcept {
    ec.clear();
#if TEMPFILE_LINUX && defined(O_TMPFILE)
    // No O_EXCL, so that link_unnamed can still give it a name.
    int fd = open_retrying(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd >= 0) return fd;
    // EOPNOTSUPP: the file system has no O_TMPFILE; EISDIR: a kernel before
    // 3.11 saw O_DIRECTORY|O_RDWR; EINVAL: flags it does not know.
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
        ec = not_supported();
    else
        ec = last_error();
    return -1;
#else
    (void)dir, (void)mode;
    ec = not_supported();
    return -1;
#endif
}

bool has_delete_on_close() noexcept {
    return false;
}

void make_directory(const fs::path& path, std::error_code& ec, unsigned mode) noexcept {
    ec.clear();
    if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0)
        ec = last_error();  // the umask: see create_exclusive
}

void remove_file(const fs::path& path, std::error_code& ec) noexcept {
    ec.clear();
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) ec = last_error();
}

void rename(const fs::path& from, const fs::path& to, bool overwrite, bool /*write_through*/,
            std::error_code& ec) noexcept {
    ec.clear();
    if (overwrite) {
        if (::rename(from.c_str(), to.c_str()) != 0) ec = last_error();
        return;
    }
    if (rename_noreplace(from, to, ec)) return;
    link_then_unlink(from, to, ec);
}

void link_unnamed(handle h, const fs::path& target, std::error_code& ec) noexcept {
    ec.clear();
#if TEMPFILE_LINUX
    if (::linkat(h, "", AT_FDCWD, target.c_str(), AT_EMPTY_PATH) == 0) return;
    // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (EPERM, or ENOENT on kernels
    // that hide it); the /proc link of the descriptor needs no privilege.
    if (errno != EPERM && errno != ENOENT) {
        ec = last_error();
        return;
    }
    std::string proc = "/proc/self/fd/" + std::to_string(h);
    if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, target.c_str(), AT_SYMLINK_FOLLOW) != 0) ec = last_error();
#else
    (void)h, (void)target;
    ec = not_supported();
#endif
}

// macOS: F_FULLFSYNC, as for the data (see sync_fully), so that the rename
// is on the medium, not only in the drive's cache.
void sync_directory(const fs::path& dir, std::error_code& ec) noexcept {
    unique_fd fd(open_directory_for_sync(dir, ec));
    if (fd) sync_directory(fd.get(), ec);
}

handle open_directory_for_sync(const fs::path& dir, std::error_code& ec) noexcept {
    ec.clear();
    const int fd = open_retrying(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) ec = last_error();
    return fd;
}

void sync_directory(handle dir, std::error_code& ec) noexcept {
    ec.clear();
    if (dir < 0) return;
    if (const int err = sync_fully(dir)) ec.assign(err, std::system_category());
}

}  // namespace tempfile::detail::os
