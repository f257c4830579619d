// SPDX-License-Identifier: MIT
#pragma once
// Portable naming and creation shared by every maker of temporary things:
// the random part of a name, the checks on prefix and suffix, where a thing
// goes, and the bounded retry loop on name collisions.
#include <tempfile/names.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <system_error>

namespace tempfile::detail {
namespace fs = std::filesystem;

/// How many names are tried before giving up with EEXIST (Python: TMP_MAX).
inline constexpr int max_attempts = 10000;

/// Characters in the random part of a name.
inline constexpr std::size_t name_length = 8;

/// 8 characters of [a-z0-9_] from the OS's CSPRNG, uniformly drawn
/// (rejection sampling). Bytes are fetched in blocks, per thread, and the
/// block is thrown away in a fork()ed child so that names never repeat the
/// parent's. Sets ec only if the CSPRNG fails.
std::string random_name(std::error_code& ec);

/// errc::invalid_argument if prefix or suffix holds a path separator or NUL.
void check_affixes(const std::string& prefix, const std::string& suffix, std::error_code& ec) noexcept;

/// errc::invalid_argument if `path` holds a NUL character: the OS would read
/// the name only up to it and act on another path ("sub/new\0/x" is
/// "sub/new"). Every path the API takes passes here first, so that such a
/// path creates, renames and removes nothing. No system call, no allocation.
void check_path(const fs::path& path, std::error_code& ec) noexcept;

/// The directory where a thing goes: `dir` made absolute (without resolving
/// links), or gettempdir() when empty. Sets ec on failure (invalid_argument
/// for a NUL in `dir`, see check_path).
fs::path resolve_directory(const fs::path& dir, std::error_code& ec);

/// The default directory (set_tempdir's, else the first usable one) as
/// gettempdir() answers it, without a copy: after the first success no
/// system call, no lock and no allocation. The path stays valid for the
/// life of the process, also after a set_tempdir() (see tempdir.cpp).
/// Sets ec and returns nullptr when gettempdir() would fail; leaves ec
/// alone on success (the hot path's callers have it clear already).
const fs::path* default_directory(std::error_code& ec) noexcept;

/// resolve_directory() without a copy where none is needed: the default
/// directory and a `dir` that is already absolute and clean are used where
/// they are; only another `dir` is resolved into a path of its own.
class directory_view {
public:
    directory_view() = default;
    directory_view(const directory_view&) = delete;
    directory_view& operator=(const directory_view&) = delete;
    /// On failure sets ec, and path() is then not to be used; on success
    /// leaves ec alone.
    void resolve(const fs::path& dir, std::error_code& ec);
    /// The directory: absolute, no "." step (the default directory may end
    /// with a separator, as Windows' GetTempPath2W gives it). Valid while
    /// this view and the `dir` given to resolve() live.
    const fs::path& path() const noexcept { return *path_; }

private:
    const fs::path* path_ = &owned_;
    fs::path owned_;
};

/// The directory an error names in path1: `dir` resolved as creation would
/// (gettempdir() when empty), or `dir` itself if even that fails; when
/// gettempdir() fails, the candidate whose failure it reported.
fs::path directory_for_error(const fs::path& dir);

/// gettempdir(ec); when it fails (no usable candidate), `*failed` (if given)
/// receives the last candidate tried, the one whose error ec is.
/// errc::not_enough_memory when memory runs out; never throws.
fs::path gettempdir(std::error_code& ec, fs::path* failed) noexcept;

/// Checks the affixes, resolves the directory, then calls make(candidate) with
/// dir/prefix+random+suffix until it succeeds or fails with anything other
/// than errc::file_exists, at most max_attempts times (then EEXIST).
/// Returns the absolute path made; on failure sets ec and returns {}.
/// make() must create exclusively and report a collision as file_exists.
fs::path create_unique(const std::string& prefix, const std::string& suffix, const fs::path& dir,
                       const std::function<void(const fs::path&, std::error_code&)>& make,
                       std::error_code& ec);

/// What an error_code overload reports when memory runs out: it catches
/// std::bad_alloc (it promises not to throw) and sets this instead, after
/// undoing whatever it made.
inline std::error_code out_of_memory() noexcept {
    return std::make_error_code(std::errc::not_enough_memory);
}

/// Throws what the error_code overloads reported: std::invalid_argument for
/// errc::invalid_argument from the option checks, std::bad_alloc for
/// out_of_memory(), else std::filesystem::filesystem_error(what, path, ec).
[[noreturn]] void throw_error(const char* what, const fs::path& path, std::error_code ec);
/// As above, with two paths for the filesystem_error.
[[noreturn]] void throw_error(const char* what, const fs::path& path1, const fs::path& path2,
                              std::error_code ec);

/// The fork generation an owner records at creation (os::fork_generation()).
std::uint64_t current_generation() noexcept;

}  // namespace tempfile::detail
