// SPDX-License-Identifier: MIT
// mkstemp, mkdtemp and mktemp: one exclusive creation each, through the
// shared retry loop; what they make belongs to the caller.
#include "names_internal.hpp"
#include "os.hpp"

#include <new>

namespace tempfile {
namespace {
namespace os = detail::os;

// Only looks: a name is free when nothing, not even a dangling symbolic
// link, has it. As Python's, a missing directory is no error here.
// Both overloads call this, since calling a deprecated one warns.
fs::path free_name(const name_options& options, std::error_code& ec) {
    auto check = [](const fs::path& candidate, std::error_code& e) {
        fs::file_status st = fs::symlink_status(candidate, e);
        if (st.type() == fs::file_type::not_found)
            e.clear();
        else if (!e)
            e = std::make_error_code(std::errc::file_exists);  // no OS call failed: generic
    };
    return detail::create_unique(options.prefix, options.suffix, options.dir, check, ec);
}

}  // namespace

// Nothing allocates once the file or directory exists (create_unique
// returns its path by move), so a std::bad_alloc leaves nothing to undo.
created_file mkstemp(const name_options& options, bool text, std::error_code& ec) {
    try {
        os::handle h = file::invalid_handle();
        fs::path path = detail::create_unique(
            options.prefix, options.suffix, options.dir,
            [&h](const fs::path& candidate, std::error_code& e) {
                h = os::create_exclusive(candidate, false, e);
            },
            ec);
        if (ec) return {};
        return {file(h, text), std::move(path)};
    } catch (const std::bad_alloc&) {
        ec = detail::out_of_memory();
        return {};
    }
}

created_file mkstemp(const name_options& options, bool text) {
    std::error_code ec;
    created_file made = mkstemp(options, text, ec);
    if (ec) detail::throw_error("mkstemp", detail::directory_for_error(options.dir), ec);
    return made;
}

fs::path mkdtemp(const name_options& options, std::error_code& ec) {
    try {
        return detail::create_unique(options.prefix, options.suffix, options.dir, os::make_directory, ec);
    } catch (const std::bad_alloc&) {
        ec = detail::out_of_memory();
        return {};
    }
}

fs::path mkdtemp(const name_options& options) {
    std::error_code ec;
    fs::path made = mkdtemp(options, ec);
    if (ec) detail::throw_error("mkdtemp", detail::directory_for_error(options.dir), ec);
    return made;
}

fs::path mktemp(const name_options& options, std::error_code& ec) {
    try {
        return free_name(options, ec);
    } catch (const std::bad_alloc&) {
        ec = detail::out_of_memory();
        return {};
    }
}

fs::path mktemp(const name_options& options) {
    std::error_code ec;
    fs::path name = free_name(options, ec);
    if (ec) detail::throw_error("mktemp", detail::directory_for_error(options.dir), ec);
    return name;
}

}  // namespace tempfile
