// SPDX-License-Identifier: MIT
// What reap_orphans asks of a POSIX system (see os.hpp): every look and
// every removal relative to one open handle of the directory, never
// following a link (fstatat AT_SYMLINK_NOFOLLOW, openat O_NOFOLLOW), and
// the owners' BSD locks (flock) tested with an exclusive one.
#include "os.hpp"
#include "posix/remove_tree_posix.hpp"
#include "posix/unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tempfile::detail::os {
namespace {

using kind = entry_status::kind;

std::chrono::nanoseconds since_epoch(const struct timespec& t) noexcept {
    return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

const struct timespec& modification_time(const struct stat& st) noexcept {
#if TEMPFILE_MACOS
    return st.st_mtimespec;
#else
    return st.st_mtim;
#endif
}

// Age against the same clock the file system stamps with (CLOCK_REALTIME).
entry_status status_of(const struct stat& st) noexcept {
    entry_status out;
    out.type = S_ISREG(st.st_mode) ? kind::file : S_ISDIR(st.st_mode) ? kind::directory : kind::other;
    out.owned = st.st_uid == ::geteuid();
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    out.age = since_epoch(now) - since_epoch(modification_time(st));
    out.identity[0] = static_cast<std::uint64_t>(st.st_dev);
    out.identity[1] = static_cast<std::uint64_t>(st.st_ino);
    return out;
}

// O_NOFOLLOW refused a link (ELOOP; FreeBSD EMLINK), O_DIRECTORY a
// non-directory (ENOTDIR), or the name is gone: nothing to lock.
bool means_gone(int err) noexcept {
    return err == ENOENT || tree::is_not_directory_error(err);
}

}  // namespace

handle open_directory(const fs::path& dir, std::error_code& ec) noexcept {
    ec.clear();
    int fd;
    do fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) ec = last_error();
    return fd;
}

std::vector<fs::path::string_type> list_names(handle dir, std::error_code& ec) {
    ec.clear();
    std::vector<fs::path::string_type> names;
    // A stream of its own: fdopendir would take `dir` over.
    tree::dir_stream stream;
    if (!stream.adopt(unique_fd(tree::open_directory_at(dir, ".")))) {
        ec = last_error();
        return names;
    }
    for (;;) {
        errno = 0;
        const dirent* e = ::readdir(stream.get());
        if (e == nullptr) break;
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
            names.emplace_back(e->d_name);
    }
    if (errno != 0) ec = last_error();
    return names;
}

bool status_at(handle dir, const fs::path::string_type& name, entry_status& out,
               std::error_code& ec) noexcept {
    ec.clear();
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) ec = last_error();
        return false;
    }
    out = status_of(st);
    return true;
}

handle lock_exclusive_at(handle dir, const fs::path::string_type& name, entry_status::kind type,
                         lock_state& state, entry_status& locked, std::error_code& ec) noexcept {
    ec.clear();
    state = lock_state::gone;
    const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
                      (type == kind::directory ? O_DIRECTORY : 0);
    unique_fd fd;
    do fd = unique_fd(::openat(dir, name.c_str(), flags));
    while (!fd && errno == EINTR);
    if (!fd) {
        if (!means_gone(errno)) ec = last_error();
        return -1;
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) {
        ec = last_error();
        return -1;
    }
    locked = status_of(st);
    if (locked.type != type) return -1;  // a FIFO or device swapped in: not ours to touch
    int rc;
    do rc = ::flock(fd.get(), LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        if (errno == EWOULDBLOCK)
            state = lock_state::busy;
        else
            ec = last_error();
        return -1;
    }
    state = lock_state::taken;
    return fd.release();
}

std::uintmax_t remove_locked_at(handle dir, const fs::path::string_type& name, handle /*locked*/,
                                entry_status::kind type, const fs::path& shown, std::error_code& ec,
                                fs::path& failed) noexcept {
    ec.clear();
    if (type == kind::directory) {
        // Most are empty (what a killed owner had not filled): one call.
        if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) == 0) return 1;
        if (errno == ENOENT) return 0;
        return tree::remove_tree_at(dir, name.c_str(), shown, ec, &failed);
    }
    if (::unlinkat(dir, name.c_str(), 0) == 0) return 1;
    if (errno != ENOENT) {
        ec = last_error();
        try {
            failed = shown;
        } catch (...) {  // out of memory for the name: the caller names the entry
        }
    }
    return 0;
}

}  // namespace tempfile::detail::os
