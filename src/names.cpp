// SPDX-License-Identifier: MIT
// The random part of every name, the checks on prefix and suffix, and the
// bounded retry loop that turns a collision into another try.
#include "names_internal.hpp"
#include "os.hpp"

#include <new>
#include <stdexcept>

namespace tempfile::detail {
namespace {

constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
constexpr unsigned alphabet_size = sizeof alphabet - 1;  // 37
// The largest multiple of 37 that fits in a byte: bytes from here up would
// favour the first letters, so they are skipped (rejection sampling).
constexpr unsigned accept_below = 256 / alphabet_size * alphabet_size;  // 222
constexpr std::size_t name_length = 8;

// One CSPRNG call serves about 27 names. The bytes are per thread, so no
// lock; and they are tied to the fork generation that fetched them, since a
// fork()ed child holds a copy of its parent's and would repeat its names.
struct random_pool {
    unsigned char bytes[256];
    std::size_t next = sizeof bytes;  // all used
    std::uint64_t generation = 0;

    bool draw(unsigned char& out, std::error_code& ec) {
        std::uint64_t now = os::fork_generation();
        if (next == sizeof bytes || generation != now) {
            os::random_bytes(bytes, sizeof bytes, ec);
            if (ec) return false;
            next = 0;
            generation = now;
        }
        out = bytes[next++];
        return true;
    }
};

thread_local random_pool pool;

}  // namespace

std::string random_name(std::error_code& ec) {
    ec.clear();
    std::string name;
    name.reserve(name_length);
    while (name.size() < name_length) {
        unsigned char b;
        if (!pool.draw(b, ec)) return {};
        if (b < accept_below) name += alphabet[b % alphabet_size];
    }
    return name;
}

void check_affixes(const std::string& prefix, const std::string& suffix, std::error_code& ec) noexcept {
    ec.clear();
    for (const std::string* affix : {&prefix, &suffix})
        for (char c : *affix)
            if (os::is_separator(c)) {
                // generic_category: how throw_error tells a bad option from an OS error.
                ec = std::make_error_code(std::errc::invalid_argument);
                return;
            }
}

void check_path(const fs::path& path, std::error_code& ec) noexcept {
    ec.clear();
    // generic_category, as check_affixes: a bad argument, not an OS error.
    if (path.native().find(fs::path::value_type()) != fs::path::string_type::npos)
        ec = std::make_error_code(std::errc::invalid_argument);
}

namespace {

bool is_separator_unit(fs::path::value_type c) noexcept {
    return c == '/' || c == fs::path::preferred_separator;
}

// Whether an absolute path has a "." step, a doubled separator or a trailing
// one, which resolve_directory drops. Most have none, and they are returned
// as they are: no walk over the steps (libc++'s path iterator allocates in a
// noexcept function, so that out of memory there would end the process).
bool has_steps_to_drop(const fs::path::string_type& p) noexcept {
    // From 1: a leading double separator is a network name on Windows.
    for (std::size_t i = 1; i < p.size(); ++i) {
        if (!is_separator_unit(p[i - 1])) continue;
        if (is_separator_unit(p[i])) return true;
        if (p[i] == '.' && (i + 1 == p.size() || is_separator_unit(p[i + 1]))) return true;
    }
    return p.size() > 1 && is_separator_unit(p.back());
}

}  // namespace

fs::path resolve_directory(const fs::path& dir, std::error_code& ec) {
    ec.clear();
    if (dir.empty()) return gettempdir(ec, nullptr);
    check_path(dir, ec);
    if (ec) return {};
    // absolute(), not canonical(): the caller's symbolic links are theirs to
    // keep. Only "." steps are dropped (".", "a/./b", "a/"), as Python's abspath
    // would; ".." stays, since "link/.." is not always where "link" is.
    fs::path absolute = fs::absolute(dir, ec);
    if (ec || !has_steps_to_drop(absolute.native())) return absolute;
    fs::path resolved;
    for (const fs::path& step : absolute)
        if (!step.empty() && step != ".") resolved /= step;
    return resolved;
}

fs::path directory_for_error(const fs::path& dir) {
    std::error_code ignored;
    if (dir.empty()) {
        fs::path failed;
        fs::path where = gettempdir(ignored, &failed);
        return ignored ? failed : where;
    }
    fs::path where = resolve_directory(dir, ignored);
    return where.empty() ? dir : where;
}

fs::path create_unique(const std::string& prefix, const std::string& suffix, const fs::path& dir,
                       const std::function<void(const fs::path&, std::error_code&)>& make,
                       std::error_code& ec) {
    check_affixes(prefix, suffix, ec);
    if (ec) return {};
    fs::path where = resolve_directory(dir, ec);
    if (ec) return {};
    for (int attempt = 0; attempt < max_attempts; ++attempt) {
        std::string name = prefix;
        name += random_name(ec);
        if (ec) return {};
        name += suffix;
        fs::path candidate = where / os::native_name(std::move(name));
        make(candidate, ec);
        if (!ec) return candidate;
        if (ec != std::errc::file_exists) return {};
    }
    // ec is still the last make()'s own EEXIST (ERROR_FILE_EXISTS on Windows).
    return {};
}

namespace {

// The option and path checks report a bad argument in the generic category;
// the OS's own EINVAL comes in the system category and stays a filesystem_error.
void throw_if_bad_argument(const char* what, std::error_code ec) {
    if (ec == out_of_memory()) throw std::bad_alloc();  // as the throwing forms would have
    if (ec.category() == std::generic_category() && ec == std::errc::invalid_argument)
        throw std::invalid_argument(std::string(what) +
                                    ": invalid argument (a NUL in a path, a separator or NUL in "
                                    "prefix or suffix, or a path that names no entry)");
}

}  // namespace

void throw_error(const char* what, const fs::path& path, std::error_code ec) {
    throw_if_bad_argument(what, ec);
    throw fs::filesystem_error(what, path, ec);
}

void throw_error(const char* what, const fs::path& path1, const fs::path& path2, std::error_code ec) {
    throw_if_bad_argument(what, ec);
    throw fs::filesystem_error(what, path1, path2, ec);
}

std::uint64_t current_generation() noexcept {
    return os::fork_generation();
}

}  // namespace tempfile::detail
