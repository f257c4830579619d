// SPDX-License-Identifier: MIT
#pragma once
/// tempfile::spooled_temporary_file — memory until it grows, then a temporary_file.
#include <tempfile/export.hpp>
#include <tempfile/file.hpp>
#include <tempfile/names.hpp>
#include <tempfile/temporary_file.hpp>

#include <cstddef>
#include <cstdint>
#include <ios>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace tempfile {

/// Python's SpooledTemporaryFile: data is held in memory until it rolls over
/// into a temporary_file made with the stored options, keeping content and
/// position. It rolls over:
/// - after a write, when the position exceeds max_size (max_size 0: writes
///   never roll it over);
/// - on truncate(n) with n > max_size (with max_size 0 too, as in Python);
/// - on rollover() and native_handle().
/// The calls behave as file's, on memory or on the file alike; stream() is one
/// std::iostream that stays valid across the rollover.
class TEMPFILE_API spooled_temporary_file {
public:
    /// Makes nothing on disk yet; throws std::invalid_argument for a bad
    /// prefix or suffix (checked now, not at rollover).
    explicit spooled_temporary_file(std::size_t max_size = 0, const name_options& options = {},
                                    bool text = false);
    /// Never throws: on failure sets ec and returns an empty owner (!is_open()).
    static spooled_temporary_file create(std::size_t max_size, const name_options& options,
                                         std::error_code& ec);
    /// Takes over `other`'s data or file, position and stream; `other` is
    /// left empty (!is_open()).
    spooled_temporary_file(spooled_temporary_file&& other) noexcept;
    /// Closes what this object owned (memory freed, file gone), then takes `other`'s.
    spooled_temporary_file& operator=(spooled_temporary_file&& other) noexcept;
    spooled_temporary_file(const spooled_temporary_file&) = delete;
    spooled_temporary_file& operator=(const spooled_temporary_file&) = delete;
    /// As close(); never throws.
    ~spooled_temporary_file();

    // Every call below but is_open() and rolled_over() throws std::system_error
    // (EBADF) on a closed or empty owner, and otherwise fails as file's does.

    /// Reads up to n bytes at the position; returns 0 only at the end.
    std::size_t read(void* buf, std::size_t n);
    /// Writes all n bytes; may roll over (the rollover's filesystem_error
    /// propagates, and the data stays in memory then).
    void write(const void* buf, std::size_t n);
    /// As write(bytes.data(), bytes.size()).
    void write(std::string_view bytes);
    /// Everything from the position to the end; the position ends at the end.
    std::string read_all();
    /// Moves the position and returns it; past the end is allowed (a later
    /// write fills the gap with zero bytes). Before the start: EINVAL.
    std::uint64_t seek(std::int64_t offset, std::ios::seekdir from = std::ios::beg);
    /// The position, the stream's buffered data counted.
    std::uint64_t tell() const;
    /// The size in bytes, the stream's pending output included.
    std::uint64_t size() const;
    /// Sets the size (growing adds zero bytes); the position does not move.
    /// Rolls over first when size > max_size, with max_size 0 too (Python's rule).
    void truncate(std::uint64_t size);
    /// On disk: as file::sync(); in memory: flushes the stream only.
    void sync();
    /// One buffered std::iostream, valid across the rollover until close();
    /// it shares the one position with the raw calls, as file's does. Its
    /// writes count toward max_size when its buffer is flushed (flush(), a
    /// raw call, or a full buffer). Throws std::logic_error when closed.
    std::iostream& stream();
    /// Idempotent; output the stream still buffers is dropped (nobody can
    /// read it any more), the memory freed, the file closed (and so gone).
    /// Reports no error: whatever failed concerned data that is now gone.
    void close();
    /// False once closed, and for an empty or moved-from owner.
    bool is_open() const noexcept;

    /// True once the data lives in a temporary_file (false when closed).
    bool rolled_over() const noexcept;
    /// Moves the data to a temporary_file now (nothing if already there).
    /// Throws std::filesystem::filesystem_error as temporary_file does.
    void rollover();
    /// Forces the rollover, as Python's fileno() does, and returns the
    /// temporary_file's handle (still owned by this object).
    file::native_handle_type native_handle();

private:
    struct empty_tag {};
    explicit spooled_temporary_file(empty_tag) noexcept;  // owns nothing: create()'s failure
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace tempfile
