// SPDX-License-Identifier: MIT
#pragma once
// The buffered std::streambuf behind file::stream() and
// spooled_temporary_file::stream(). It works on an abstract device so that
// one class serves a file descriptor, a spool in memory, and a spool that
// rolls over to disk in the middle of its life.
#include <cstddef>
#include <cstdint>
#include <ios>
#include <istream>
#include <memory>
#include <streambuf>
#include <string>
#include <vector>

namespace tempfile::detail {

/// What a stream_buffer reads from and writes to: raw bytes at one position.
/// Each call throws std::system_error on failure.
class device {
public:
    virtual ~device() = default;
    /// Up to n bytes at the position; 0 only at the end.
    virtual std::size_t read(void* buf, std::size_t n) = 0;
    /// All n bytes at the position.
    virtual void write(const void* buf, std::size_t n) = 0;
    /// Moves the position, returns the new one.
    virtual std::uint64_t seek(std::int64_t offset, std::ios::seekdir from) = 0;
};

/// A buffered streambuf over a device, either reading or writing at a time.
///
/// The device's position is the truth: the buffer holds either output not
/// yet written (put area) or read-ahead not yet consumed (get area), and
/// settle() hands either back, so that raw calls on the device see one
/// position. Device errors propagate as std::system_error (the iostream
/// turns them into badbit, or rethrows them if its exceptions() ask).
/// Output that failed to be written is dropped, so an error is reported once.
///
/// `translate_newlines`: the stream writes "\n" as "\r\n" and reads "\r\n"
/// as "\n" (Windows text mode); positions stay device byte offsets.
class stream_buffer : public std::streambuf {
public:
    static constexpr std::size_t default_size = 8192;

    stream_buffer(device& dev, bool translate_newlines, std::size_t size = default_size);

    /// True when nothing is buffered, so that settle() would cost nothing.
    bool idle() const noexcept { return pptr() == pbase() && gptr() == egptr() && carry_ == 0; }
    /// Writes pending output (no read-ahead is touched).
    void flush_output();
    /// How many device bytes the read-ahead holds (read but not consumed).
    std::uint64_t unread_input() const noexcept;
    /// Forgets the read-ahead and returns unread_input(); the device is not moved.
    std::uint64_t drop_input() noexcept;
    /// Writes pending output and gives back read-ahead by seeking the device
    /// back; afterwards the device's position is the stream's position.
    void settle();
    /// Writes pending output, then moves the device in one seek (read-ahead
    /// is folded into a relative offset) and forgets the read-ahead. If the
    /// seek fails, nothing moves: the device stays where it stood and the
    /// read-ahead stays valid, so the stream's position is unchanged.
    std::uint64_t seek(std::int64_t offset, std::ios::seekdir from);

protected:
    int_type underflow() override;
    int_type overflow(int_type c) override;
    int sync() override;
    pos_type seekoff(off_type off, std::ios::seekdir dir, std::ios::openmode which) override;
    pos_type seekpos(pos_type pos, std::ios::openmode which) override;
    std::streamsize xsgetn(char* s, std::streamsize n) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;

private:
    void enter_write_mode();
    void write_translated(const char* s, std::size_t n);
    std::size_t fill_translated();

    device& device_;
    bool translate_;
    std::vector<char> buffer_;
    // Text mode only: raw bytes read from the device, where in the get area
    // a "\r\n" was collapsed to '\n' (sorted offsets), and a trailing '\r'
    // held back until the next byte tells whether it starts a "\r\n".
    std::vector<char> raw_;
    std::vector<std::size_t> collapsed_;
    std::size_t carry_ = 0;
};

/// A stream_buffer and the std::iostream over it, kept together.
struct buffered_stream {
    buffered_stream(device& dev, bool translate_newlines)
        : buffer(dev, translate_newlines), stream(&buffer) {}
    stream_buffer buffer;
    std::iostream stream;
};

}  // namespace tempfile::detail
