// SPDX-License-Identifier: MIT
// What atomic_file asks of POSIX (see src/os.hpp): links read one step at a
// time, the replaced file's mode, owner and group, and the rename itself.
#include "os.hpp"
#include "posix/unique_fd.hpp"

#include <cerrno>
#include <climits>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tempfile::detail::os {

bool read_link(const fs::path& path, fs::path& target, std::error_code& ec) {
    ec.clear();
    // Most targets are no link: one readlink into the stack, no allocation.
    char local[PATH_MAX];
    ssize_t n = ::readlink(path.c_str(), local, sizeof local);
    if (n < 0) {
        // EINVAL: not a link; ENOENT, ENOTDIR: nothing there, which the
        // creation beside it reports better (naming the directory).
        if (errno != EINVAL && errno != ENOENT && errno != ENOTDIR) ec = last_error();
        return false;
    }
    if (static_cast<std::size_t>(n) < sizeof local) {
        target = fs::path(std::string(local, static_cast<std::size_t>(n)));
        return true;
    }
    // As long as the buffer: maybe cut. Some systems allow links longer
    // than PATH_MAX; grow until one fits.
    std::string text(sizeof local * 2, '\0');
    for (;;) {
        n = ::readlink(path.c_str(), &text[0], text.size());
        if (n < 0) {
            if (errno != EINVAL && errno != ENOENT && errno != ENOTDIR) ec = last_error();
            return false;  // replaced by something else meanwhile
        }
        if (static_cast<std::size_t>(n) < text.size()) break;
        text.resize(text.size() * 2);
    }
    text.resize(static_cast<std::size_t>(n));
    target = fs::path(std::move(text));
    return true;
}

void status_of_target(const fs::path& path, target_status& out, std::error_code& ec) noexcept {
    ec.clear();
    out = target_status{};
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) ec = last_error();
        return;
    }
    out.exists = true;
    out.directory = S_ISDIR(st.st_mode);
    // Permission bits only: setuid, setgid and sticky stay with the old file
    // (the new one belongs to whoever writes it, and a setuid bit carried
    // over would hand the old owner's rights to the new content).
    out.mode = static_cast<unsigned>(st.st_mode & 0777);
    out.owner = static_cast<std::int64_t>(st.st_uid);
    out.group = static_cast<std::int64_t>(st.st_gid);
}

handle create_replacement(const fs::path& path, unsigned mode, std::error_code& ec) noexcept {
    ec.clear();
    int fd;
    do
        fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    static_cast<mode_t>(mode));
    while (fd < 0 && errno == EINTR);
    if (fd < 0) ec = last_error();
    return fd;
}

// The new file's group is not always the creator's (a setgid directory, and
// on the BSDs and macOS always the directory's), so it is set whenever it
// may be, rather than guessed. EPERM (a group the process is not in, an
// owner it may not give away) and EINVAL (an ID this user namespace cannot
// map) mean "may not": the file keeps the creator's, as QSaveFile's would.
void copy_owner(handle h, const target_status& like, std::error_code& ec) noexcept {
    ec.clear();
    if (!like.exists) return;
    const uid_t me = ::geteuid();
    const auto owner = static_cast<uid_t>(like.owner);
    const auto group = static_cast<gid_t>(like.group);
    int result;
    if (me == 0)
        result = ::fchown(h, owner, group);
    else if (owner == me)
        result = ::fchown(h, static_cast<uid_t>(-1), group);
    else
        return;  // another user's file: only root could give the new one to them
    if (result != 0 && errno != EPERM && errno != EINVAL) ec = last_error();
}

void set_mode(handle h, unsigned mode, std::error_code& ec) noexcept {
    ec.clear();
    if (::fchmod(h, static_cast<mode_t>(mode)) != 0) ec = last_error();
}

void replace(const fs::path& from, const fs::path& to, bool /*write_through*/, std::error_code& ec) noexcept {
    ec.clear();
    if (::rename(from.c_str(), to.c_str()) != 0) ec = last_error();
}

}  // namespace tempfile::detail::os
