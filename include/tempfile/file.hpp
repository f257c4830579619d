// SPDX-License-Identifier: MIT
#pragma once
/// tempfile::file — an open file that is owned: closed, never deleted, when
/// its owner ends. Every owner of a temporary file derives from it.
#include <tempfile/export.hpp>

#include <cstddef>
#include <cstdint>
#include <ios>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace tempfile {

namespace detail {
struct stream_state;
}

/// An open file descriptor (POSIX) or HANDLE (Windows), owned.
///
/// Move-only. Destruction closes the handle and never throws; it never
/// deletes anything (the owners that delete derive from this class).
/// Every failing call throws std::system_error with the OS's error code
/// (errno / GetLastError) and names the operation.
///
/// One position: stream() and the raw calls share one file position. A raw
/// call first hands whatever the stream has buffered to the OS (pending
/// writes are written, read-ahead is given back by seeking), so tell(),
/// size() and read() see the file as if the stream had been flushed.
class TEMPFILE_API file {
public:
#ifdef _WIN32
    using native_handle_type = void*;  ///< a HANDLE
#else
    using native_handle_type = int;  ///< a file descriptor
#endif
    /// A handle value that owns nothing: -1, or INVALID_HANDLE_VALUE.
    static native_handle_type invalid_handle() noexcept;

    /// An empty file: !is_open().
    file() noexcept;
    /// Adopts `handle` (closed by this object from now on). `text`: the
    /// stream translates "\n" to the platform's newline (only Windows has one).
    explicit file(native_handle_type handle, bool text = false) noexcept;
    /// Takes `other`'s handle and stream (streams already handed out stay
    /// valid and now belong to this object); `other` is left empty
    /// (!is_open()) and closes nothing.
    file(file&& other) noexcept;
    /// Closes what this object owned (the stream flushed, errors ignored; as
    /// in the destructor, after_close() is not called: an owner that deletes
    /// handles its own end), then takes `other`'s, stream included.
    file& operator=(file&& other) noexcept;
    file(const file&) = delete;
    file& operator=(const file&) = delete;
    virtual ~file();

    /// Reads up to n bytes at the position; returns 0 only at end of file.
    /// Retries EINTR; a short read means the end of the file was reached.
    std::size_t read(void* buf, std::size_t n);
    /// Writes all n bytes (partial writes and EINTR are retried).
    void write(const void* buf, std::size_t n);
    /// Writes all of `bytes`, as write(bytes.data(), bytes.size()).
    void write(std::string_view bytes);
    /// Everything from the position to the end of the file; the position
    /// ends at the end.
    std::string read_all();
    /// Moves the position; returns the new one. Seeking past the end is
    /// allowed (a later write leaves a hole of zero bytes).
    std::uint64_t seek(std::int64_t offset, std::ios::seekdir from = std::ios::beg);
    /// The position (the stream's, if it has buffered data). Throws
    /// std::system_error when closed (EBADF) or if pending output cannot be written.
    std::uint64_t tell() const;
    /// The size in bytes, pending stream output included (it is written first).
    std::uint64_t size() const;
    /// Sets the size; the position does not move (as Python's truncate(n)).
    void truncate(std::uint64_t size);
    /// Flushes the stream, then makes the data durable: fdatasync/fsync
    /// (macOS F_FULLFSYNC, Windows FlushFileBuffers).
    void sync();
    /// A buffered std::iostream over this file, made on first use and valid
    /// until close(), release() or this object's end (a move keeps it valid).
    /// It shares the one position with the raw calls (see the class comment).
    /// A failed write sets badbit (or throws, as its exceptions() ask) and the
    /// failed bytes are dropped; the file remembers the failure whatever
    /// happens to the stream's state (see close()). Throws std::logic_error
    /// when closed.
    std::iostream& stream();
    /// Flushes the stream and closes the handle. Idempotent: a second call
    /// does nothing. Owners that delete on close (named_temporary_file) do so here.
    /// Throws std::system_error with the first write on this file that ever
    /// failed (a raw write() or the stream's, reported or not, even if the
    /// stream's state was cleared since: bytes were lost), else with what the
    /// OS reported at close (NFS reports failed delayed writes there); or
    /// std::filesystem::filesystem_error if an owner's deletion failed. The
    /// handle is closed, and the owner's file deleted, all the same.
    void close();
    /// False once closed or released, for an empty or moved-from file.
    bool is_open() const noexcept;
    /// The handle, still owned by this object; invalid_handle() when closed.
    /// Raw I/O on it bypasses the stream's buffer (call stream().flush() first).
    native_handle_type native_handle() const noexcept;
    /// Gives the handle to the caller, who closes it from now on; the stream's
    /// pending data is written first (errors ignored). This object is then empty.
    native_handle_type release() noexcept;

protected:
    /// Called by close() after the handle is closed, so that an owner can
    /// delete its file; never from the destructor of file itself.
    virtual void after_close() {}
    /// Hands the stream's buffered state to the OS (see the class comment).
    void settle_stream() const;
    /// Whether this file was opened in text mode (newline translation in the
    /// stream, Windows only), so that an owner can reopen or roll over alike.
    bool text_mode() const noexcept {
        return text_;
    }
    /// The first write on this file that failed, through write() or the
    /// stream (its flushes included); empty if none did. Kept until this
    /// object is given another file; an owner refuses to publish the content
    /// (atomic_file::commit, persist) once it is set.
    const std::error_code& write_error() const noexcept {
        return write_error_;
    }
    /// Records `ec` as a failed write, unless one is recorded already (an
    /// owner that moves to a new handle on the same file keeps the old failure).
    void note_write_error(const std::error_code& ec) noexcept {
        if (!write_error_) write_error_ = ec;
    }

private:
    void close_handle() noexcept;

    native_handle_type handle_;
    bool text_ = false;
    std::error_code write_error_;  // the first failed write; the stream's device points here
    std::unique_ptr<detail::stream_state> stream_;
};

}  // namespace tempfile
