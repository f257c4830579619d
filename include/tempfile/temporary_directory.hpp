// SPDX-License-Identifier: MIT
#pragma once
/// tempfile::temporary_directory — a private directory removed with all it holds.
#include <tempfile/export.hpp>
#include <tempfile/file.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

namespace tempfile {
namespace fs = std::filesystem;
namespace detail {
struct registry_entry;
}

/// Options of temporary_directory. Flat, as named_file_options.
struct directory_options {
    std::string prefix = "tmp";          ///< no path separator, no NUL
    std::string suffix{};                ///< same rule
    fs::path dir{};                      ///< empty: gettempdir(); relative: made absolute
    bool keep = false;                   ///< Python's delete=False: never removed for you
    bool ignore_cleanup_errors = false;  ///< cleanup removes all it can and reports nothing
    /// Mark the directory as a live owner's until the owner's end, so that
    /// reap_orphans() and systemd-tmpfiles never take it: POSIX
    /// flock(LOCK_SH) on an O_DIRECTORY handle the owner keeps, which the
    /// kernel drops at any exit, SIGKILL included; Windows a handle without
    /// FILE_SHARE_DELETE, so nobody can delete or rename the directory while
    /// it is open (the owner closes it just before its own cleanup). keep()
    /// takes the mark away. Costs open, flock and close (POSIX). See reap.hpp.
    bool lock = false;
    /// Unset: 0700. Set: created with exactly these bits, the umask applied
    /// as mkdir(2) applies it (Rust's Builder::permissions); bits outside
    /// 07777 are std::invalid_argument. POSIX only: Windows ignores it (the
    /// owner-only DACL stays).
    std::optional<fs::perms> mode{};
    /// The owner's end during stack unwinding (an exception thrown after the
    /// owner was made and not yet caught) keeps the directory, for a post-
    /// mortem, and writes one line, "tempfile: kept <path>", to stderr
    /// (pytest's retention of failed tests' directories). Decided by
    /// std::uncaught_exceptions() compared with its value when the owner was
    /// made, so an owner made while another exception was already in flight
    /// (in a destructor, in a catch handler) is removed when it ends normally.
    /// cleanup() called explicitly still removes; keep = true keeps silently.
    bool keep_on_failure = false;
};

/// Python's TemporaryDirectory: made as mkdtemp makes directories (0700;
/// Windows an owner-only DACL), removed with everything inside by
/// cleanup() or by the owner's end, through remove_tree(): never following
/// a symbolic link out of the tree, resetting permissions that block removal.
/// An empty directory costs one rmdir. Move-only; a moved-from or empty owner
/// removes nothing, and so does a copy destroyed in a fork()ed child.
/// With options.keep_on_failure, an end during stack unwinding keeps it.
class TEMPFILE_API temporary_directory {
public:
    /// Throws std::filesystem::filesystem_error (the parent directory in
    /// path1) or std::invalid_argument (a bad prefix or suffix).
    explicit temporary_directory(const directory_options& options = {});
    /// Never throws: on failure sets ec and returns an empty owner (empty path()).
    /// Out of memory: errc::not_enough_memory, with nothing made and no handle leaked.
    static temporary_directory create(const directory_options& options, std::error_code& ec);
    /// Takes over `other`'s directory and duty to remove it; `other` is left
    /// empty (empty path()) and removes nothing.
    temporary_directory(temporary_directory&& other) noexcept;
    /// Cleans up what this object owned (silently), then takes `other`'s.
    temporary_directory& operator=(temporary_directory&& other) noexcept;
    temporary_directory(const temporary_directory&) = delete;
    temporary_directory& operator=(const temporary_directory&) = delete;
    /// cleanup() unless kept, silently; with options.keep_on_failure and an
    /// exception unwinding past this owner, keeps the directory and says so
    /// on stderr instead.
    ~temporary_directory();

    /// Absolute. Empty for an empty owner. Stays valid after cleanup().
    const fs::path& path() const noexcept;
    /// path() / child.
    fs::path operator/(const fs::path& child) const;
    /// Removes the directory and its contents now: also with options.keep (as
    /// Python's cleanup() with delete=False), but not after keep().
    /// Idempotent: a second call, or a tree already removed by someone else,
    /// is not an error. Throws std::filesystem::filesystem_error naming the
    /// first entry that could not be removed, unless ignore_cleanup_errors.
    /// A cleanup that left something behind (reported or ignored) keeps
    /// ownership: the next cleanup(), or the owner's end, tries again, as
    /// Python's does while the directory exists.
    void cleanup();
    /// As above; never throws: sets ec (unless ignore_cleanup_errors) when
    /// something could not be removed. This object then still owns the
    /// directory, so a later cleanup() or its end tries again.
    void cleanup(std::error_code& ec) noexcept;
    /// Disarms removal for good (cleanup() then does nothing) and returns the
    /// path. Takes away the lock of options.lock: a kept directory keeps its
    /// temporary name, which a reaper takes once it is older than its min_age.
    fs::path keep();

private:
    // Not a default constructor: that would make `temporary_directory x;` ambiguous
    // with the public one whose options default to {}.
    struct empty_owner {};
    explicit temporary_directory(empty_owner) noexcept {}
    void destroy() noexcept;
    /// cleanup(ec), also telling which entry failed.
    void cleanup(std::error_code& ec, fs::path* failed) noexcept;
    void close_lock_handle() noexcept;

    fs::path path_;
    bool owned_ = false;          // cleanup() removes it: false once kept or cleaned
    bool remove_at_end_ = false;  // the destructor removes it: false with options.keep
    bool ignore_cleanup_errors_ = false;
    bool keep_on_failure_ = false;
    int uncaught_at_creation_ = 0;                    // std::uncaught_exceptions() then, with keep_on_failure
    std::uint64_t generation_ = 0;                    // fork generation that made it
    detail::registry_entry* registration_ = nullptr;  // what the signal handler would remove
    file::native_handle_type lock_ = file::invalid_handle();  // options.lock's handle, held to the end
};

}  // namespace tempfile
