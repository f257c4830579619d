// SPDX-License-Identifier: MIT
// Opening a named file a second time, and only if it is still the same file
// (see src/os.hpp): named_temporary_file::reopen.
#include "os.hpp"
#include "posix/unique_fd.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tempfile::detail::os {
namespace {

file_id id_of(const struct stat& st) noexcept {
    file_id id;
    id.words[0] = static_cast<std::uint64_t>(st.st_dev);
    id.words[1] = static_cast<std::uint64_t>(st.st_ino);
    return id;
}

std::error_code not_the_file() noexcept {
    return {ENOENT, std::system_category()};
}

}  // namespace

void identify(handle h, file_id& out, std::error_code& ec) noexcept {
    ec.clear();
    struct stat st;
    if (::fstat(h, &st) != 0) {
        ec = last_error();
        return;
    }
    out = id_of(st);
}

handle reopen(const fs::path& path, const file_id& expected, std::error_code& ec) noexcept {
    ec.clear();
    int raw;
    do raw = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    while (raw < 0 && errno == EINTR);
    if (raw < 0) {
        // A symbolic link at the name (ELOOP; FreeBSD and NetBSD say EMLINK),
        // or nothing there: the name no longer leads to the file.
        ec = errno == ELOOP || errno == EMLINK || errno == ENOTDIR ? not_the_file() : last_error();
        return -1;
    }
    unique_fd fd(raw);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) {
        ec = last_error();
        return -1;
    }
    if (!S_ISREG(st.st_mode) || !(id_of(st) == expected)) {
        ec = not_the_file();  // another file was put at the name: it is not opened for the caller
        return -1;
    }
    // Ours, a regular file: O_NONBLOCK, there only against a FIFO, goes. No
    // other status flag was asked for, so 0 clears that one alone.
    if (::fcntl(fd.get(), F_SETFL, 0) != 0) {
        ec = last_error();
        return -1;
    }
    return fd.release();
}

}  // namespace tempfile::detail::os
