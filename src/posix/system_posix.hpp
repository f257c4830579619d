// SPDX-License-Identifier: MIT
#pragma once
// What system_posix.cpp decides beyond src/os.hpp, declared for its tests.
#include <filesystem>

namespace tempfile::detail::os {

/// True where fork_generation() also notices a child made by a raw fork or
/// clone system call, which runs no pthread_atfork handler: a page the
/// kernel zeroes in every child (minherit MAP_INHERIT_ZERO on OpenBSD and
/// FreeBSD, madvise MADV_WIPEONFORK on Linux 4.14+). False elsewhere
/// (macOS, NetBSD, the portable build): pthread_atfork alone.
bool detects_fork_without_handlers() noexcept;

/// `text` as a directory path without its trailing slashes ("/" stays "/"):
/// macOS's confstr(_CS_DARWIN_USER_TEMP_DIR) ends in one.
std::filesystem::path directory_path(const char* text);

}  // namespace tempfile::detail::os
