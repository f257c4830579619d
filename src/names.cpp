// SPDX-License-Identifier: MIT
// The random part of every name, the checks on prefix and suffix, and the
// bounded retry loop that turns a collision into another try.
#include "names_internal.hpp"
#include "os.hpp"

#include <algorithm>
#include <array>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace tempfile::detail {
namespace {

constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
constexpr unsigned alphabet_size = sizeof alphabet - 1;  // 37
// The largest multiple of 37 that fits in a byte: bytes from here up would
// favour the first letters, so they are skipped (rejection sampling).
constexpr unsigned accept_below = 256 / alphabet_size * alphabet_size;  // 222

// A byte's character, or 0 for a byte that rejection sampling skips.
constexpr std::array<char, 256> character_of = [] {
    std::array<char, 256> table{};
    for (unsigned b = 0; b < accept_below; ++b) table[b] = alphabet[b % alphabet_size];
    return table;
}();

// One CSPRNG call serves about 27 names. The bytes are per thread, so no
// lock; and they are tied to the fork generation that fetched them, since a
// fork()ed child holds a copy of its parent's and would repeat its names.
struct random_pool {
    unsigned char bytes[256];
    std::size_t next = sizeof bytes;  // all used
    std::uint64_t generation = 0;

    // Writes name_length characters at out. The generation is checked once
    // per name, not per byte: a name is drawn by one thread, which no fork()
    // interrupts halfway.
    template <class Char>
    bool fill_name(Char* out, std::error_code& ec) {
        if (generation != os::fork_generation()) next = sizeof bytes;
        for (std::size_t drawn = 0; drawn < name_length;) {
            if (next == sizeof bytes) {
                os::random_bytes(bytes, sizeof bytes, ec);
                if (ec) return false;
                next = 0;
                generation = os::fork_generation();
            }
            if (const char c = character_of[bytes[next++]]) out[drawn++] = static_cast<Char>(c);
        }
        return true;
    }
};

thread_local random_pool pool;

using string_type = fs::path::string_type;
using char_type = fs::path::value_type;

constexpr bool is_directory_separator(char_type c) noexcept {
    return c == '/' || c == fs::path::preferred_separator;
}

// A prefix or suffix (UTF-8) appended to a native path string: the bytes
// themselves on POSIX; Windows converts them to UTF-16 (os::native_name).
// (A template, so that only the branch for this OS's characters is compiled.)
template <class String>
void append_affix(String& out, const std::string& affix) {
    if constexpr (std::is_same_v<typename String::value_type, char>)
        out.append(affix);
    else
        out.append(os::native_name(affix));
}

// Appends the steps of `relative` to `out`, one separator before each, and
// leaves out the empty ("a//b", "a/") and "." steps. ".." stays: "link/.."
// is not always where "link" is.
void append_steps(string_type& out, const string_type& relative) {
    for (std::size_t begin = 0; begin < relative.size();) {
        std::size_t end = begin;
        while (end < relative.size() && !is_directory_separator(relative[end])) ++end;
        const std::size_t length = end - begin;
        if (length != 0 && !(length == 1 && relative[begin] == '.')) {
            if (out.empty() || !is_directory_separator(out.back()))
                out.push_back(fs::path::preferred_separator);
            out.append(relative, begin, length);
        }
        begin = end + 1;
    }
}

}  // namespace

std::string random_name(std::error_code& ec) {
    ec.clear();
    std::string name(name_length, '\0');
    if (!pool.fill_name(&name[0], ec)) return {};
    return name;
}

namespace {

bool has_separator(const std::string& affix) noexcept {
    for (char c : affix)
        // Every separator of every OS ("/", "\\", ":", NUL) sorts at or
        // below '\\': letters and most punctuation skip the OS's check.
        if (static_cast<unsigned char>(c) <= '\\' && os::is_separator(c)) return true;
    return false;
}

}  // namespace

void check_affixes(const std::string& prefix, const std::string& suffix, std::error_code& ec) noexcept {
    // generic_category: how throw_error tells a bad option from an OS error.
    if (has_separator(prefix) || has_separator(suffix))
        ec = std::make_error_code(std::errc::invalid_argument);
    else
        ec.clear();
}

void check_path(const fs::path& path, std::error_code& ec) noexcept {
    ec.clear();
    // generic_category, as check_affixes: a bad argument, not an OS error.
    if (path.native().find(fs::path::value_type()) != fs::path::string_type::npos)
        ec = std::make_error_code(std::errc::invalid_argument);
}

namespace {

// Whether an absolute path has a "." step, a doubled separator or a trailing
// one, which resolve_directory drops. Most have none, and they are returned
// as they are: no walk over the steps (libc++'s path iterator allocates in a
// noexcept function, so that out of memory there would end the process).
bool has_steps_to_drop(const fs::path::string_type& p) noexcept {
    // From 1: a leading double separator is a network name on Windows.
    for (std::size_t i = 1; i < p.size(); ++i) {
        if (!is_directory_separator(p[i - 1])) continue;
        if (is_directory_separator(p[i])) return true;
        if (p[i] == '.' && (i + 1 == p.size() || is_directory_separator(p[i + 1]))) return true;
    }
    return p.size() > 1 && is_directory_separator(p.back());
}

// An absolute path already in the form resolve_directory gives (no "." or
// empty step), without a NUL: such a `dir` is used as it is, without a copy.
bool is_clean_absolute(const fs::path& dir) noexcept {
    const fs::path::string_type& text = dir.native();
    return dir.is_absolute() && !has_steps_to_drop(text) &&
           text.find(fs::path::value_type()) == fs::path::string_type::npos;
}

}  // namespace

fs::path resolve_directory(const fs::path& dir, std::error_code& ec) {
    ec.clear();
    if (dir.empty()) return gettempdir(ec, nullptr);
    check_path(dir, ec);
    if (ec) return {};
    if (is_clean_absolute(dir)) return dir;
    // absolute(), not canonical(): the caller's symbolic links are theirs to
    // keep. Only "." steps are dropped (".", "a/./b", "a/"), as Python's abspath
    // would; ".." stays, since "link/.." is not always where "link" is.
    if constexpr (fs::path::preferred_separator == '/') {
        if (dir.is_relative()) {  // POSIX: the working directory, then dir's steps, in one string
            string_type text = fs::current_path(ec).native();
            if (ec) return {};
            append_steps(text, dir.native());
            return fs::path(std::move(text));
        }
    }
    // The general way: Windows' absolute() (GetFullPathNameW knows drive-
    // relative paths, and resolves ".." by the text, as the OS does), or an
    // absolute dir with "." or empty steps.
    fs::path absolute = fs::absolute(dir, ec);
    if (ec || !has_steps_to_drop(absolute.native())) return absolute;
    fs::path resolved;
    for (const fs::path& step : absolute)
        if (!step.empty() && step != ".") resolved /= step;
    return resolved;
}

void directory_view::resolve(const fs::path& dir, std::error_code& ec) {
    if (dir.empty()) {
        const fs::path* cached = default_directory(ec);
        if (ec) return;
        path_ = cached;
    } else if (is_clean_absolute(dir)) {
        path_ = &dir;
    } else {
        owned_ = resolve_directory(dir, ec);
        path_ = &owned_;
    }
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

namespace {

// dir + separator + prefix + 8 random characters + suffix, as one string
// made at its final size: one allocation, later moved into the path. Where
// it fits (the usual case) it is put together on the stack first and the
// string constructed from it at once (libstdc++'s assign() to an empty
// string costs a hundred instructions more). Affixes in UTF-8 are at least
// as long as in UTF-16, so the room reserved suffices everywhere. Empty,
// with ec set, when the random source fails.
// (A template, so that the stack branch is compiled only where paths are char.)
template <class String>
String build_candidate(const String& directory, bool needs_separator, const std::string& prefix,
                       const std::string& suffix, std::error_code& ec) {
    const std::size_t length =
        directory.size() + (needs_separator ? 1 : 0) + prefix.size() + name_length + suffix.size();
    if constexpr (std::is_same_v<typename String::value_type, char>) {
        char buffer[512];
        if (length <= sizeof buffer) {
            char* p = std::copy(directory.begin(), directory.end(), buffer);
            if (needs_separator) *p++ = fs::path::preferred_separator;
            p = std::copy(prefix.begin(), prefix.end(), p);
            if (!pool.fill_name(p, ec)) return String();
            p = std::copy(suffix.begin(), suffix.end(), p + name_length);
            return String(buffer, static_cast<std::size_t>(p - buffer));
        }
    }
    String out;
    out.reserve(length);
    out.append(directory);
    if (needs_separator) out.push_back(fs::path::preferred_separator);
    append_affix(out, prefix);
    char_type name[name_length];
    if (!pool.fill_name(name, ec)) return String();
    out.append(name, name_length);
    append_affix(out, suffix);
    return out;
}

}  // namespace

fs::path create_unique(const std::string& prefix, const std::string& suffix, const fs::path& dir,
                       const std::function<void(const fs::path&, std::error_code&)>& make,
                       std::error_code& ec) {
    check_affixes(prefix, suffix, ec);
    if (ec) return {};
    directory_view where;
    where.resolve(dir, ec);
    if (ec) return {};
    const string_type& directory = where.path().native();
    const bool needs_separator = directory.empty() || !is_directory_separator(directory.back());
    for (int attempt = 0; attempt < max_attempts; ++attempt) {
        if (attempt != 0) ec.clear();  // the collision before: clear since check_affixes
        fs::path candidate(build_candidate(directory, needs_separator, prefix, suffix, ec));
        if (ec) return {};
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
