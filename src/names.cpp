// SPDX-License-Identifier: MIT
// The random part of every name, the checks on prefix and suffix, and the
// bounded retry loop that turns a collision into another try.
#include "names_internal.hpp"
#include "os.hpp"

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

fs::path resolve_directory(const fs::path& dir, std::error_code& ec) {
    ec.clear();
    if (dir.empty()) return gettempdir(ec);
    // absolute(), not canonical(): the caller's symbolic links are theirs to
    // keep. Only "." steps are dropped (".", "a/./b", "a/"), as Python's abspath
    // would; ".." stays, since "link/.." is not always where "link" is.
    fs::path absolute = fs::absolute(dir, ec);
    if (ec) return {};
    fs::path resolved;
    for (const fs::path& step : absolute)
        if (!step.empty() && step != ".") resolved /= step;
    return resolved;
}

fs::path directory_for_error(const fs::path& dir) {
    std::error_code ignored;
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

void throw_error(const char* what, const fs::path& path, std::error_code ec) {
    if (ec.category() == std::generic_category() && ec == std::errc::invalid_argument)
        throw std::invalid_argument(std::string(what) + ": " + ec.message());
    throw fs::filesystem_error(what, path, ec);
}

std::uint64_t current_generation() noexcept {
    return os::fork_generation();
}

}  // namespace tempfile::detail
