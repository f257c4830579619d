// SPDX-License-Identifier: MIT
// tempfile::file: an owned handle, the raw calls on it, and the buffered
// stream that shares its one position.
#include <tempfile/file.hpp>

#include "os.hpp"
#include "stream_buffer.hpp"

#include <cstdint>
#include <new>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

namespace tempfile {
namespace detail {
namespace {

[[noreturn]] void fail(std::error_code ec, const char* what) {
    throw std::system_error(ec, what);
}

os::origin to_origin(std::ios::seekdir from) noexcept {
    if (from == std::ios::cur) return os::origin::current;
    if (from == std::ios::end) return os::origin::end;
    return os::origin::begin;
}

std::uint64_t seek_handle(os::handle h, std::int64_t offset, std::ios::seekdir from) {
    std::error_code ec;
    std::uint64_t at = os::seek(h, offset, to_origin(from), ec);
    if (ec) fail(ec, "tempfile: seek");
    return at;
}

std::size_t read_handle(os::handle h, void* buf, std::size_t n) {
    std::error_code ec;
    std::size_t got = os::read(h, buf, n, ec);
    if (ec) fail(ec, "tempfile: read");
    return got;
}

// Writes all n bytes; a failure is noted in `first_error` (unless one is
// there already) before it is thrown, so that the file remembers it even
// when the stream that called swallows it into badbit.
void write_handle(os::handle h, const void* buf, std::size_t n, std::error_code& first_error) {
    auto* bytes = static_cast<const char*>(buf);
    while (n != 0) {
        std::error_code ec;
        std::size_t put = os::write(h, bytes, n, ec);
        // A regular file never accepts nothing; guard the loop all the same.
        if (!ec && put == 0) ec = std::make_error_code(std::errc::io_error);
        if (ec) {
            if (!first_error) first_error = ec;
            fail(ec, "tempfile: write");
        }
        bytes += put;
        n -= put;
    }
}

// The stream's device: the handle by value, and where to note a failed
// write: the file's own record, re-pointed when the file moves.
class handle_device final : public device {
public:
    handle_device(os::handle h, std::error_code* write_error) noexcept
        : handle_(h), write_error_(write_error) {}
    std::size_t read(void* buf, std::size_t n) override { return read_handle(handle_, buf, n); }
    void write(const void* buf, std::size_t n) override { write_handle(handle_, buf, n, *write_error_); }
    std::uint64_t seek(std::int64_t offset, std::ios::seekdir from) override {
        return seek_handle(handle_, offset, from);
    }
    void rebind(std::error_code* write_error) noexcept { write_error_ = write_error; }

private:
    os::handle handle_;
    std::error_code* write_error_;
};

// -1 for a descriptor, INVALID_HANDLE_VALUE ((HANDLE)-1) for a HANDLE.
template <class Handle>
Handle minus_one() noexcept {
    if constexpr (std::is_pointer_v<Handle>)
        return reinterpret_cast<Handle>(static_cast<std::intptr_t>(-1));
    else
        return static_cast<Handle>(-1);
}

}  // namespace

struct stream_state {
    stream_state(os::handle h, bool text, std::error_code* write_error)
        : device(h, write_error), stream(device, text && os::has_text_newlines()) {}
    handle_device device;
    buffered_stream stream;  // after device: destroyed first
};

}  // namespace detail

namespace {

void require_open(bool open, const char* what) {
    if (!open) throw std::system_error(std::make_error_code(std::errc::bad_file_descriptor), what);
}

}  // namespace

file::native_handle_type file::invalid_handle() noexcept {
    return detail::minus_one<native_handle_type>();
}

file::file() noexcept : handle_(invalid_handle()) {}

file::file(native_handle_type handle, bool text) noexcept : handle_(handle), text_(text) {}

file::file(file&& other) noexcept
    : handle_(std::exchange(other.handle_, invalid_handle())),
      text_(other.text_),
      write_error_(std::exchange(other.write_error_, {})),
      stream_(std::move(other.stream_)) {
    if (stream_) stream_->device.rebind(&write_error_);
}

file& file::operator=(file&& other) noexcept {
    if (this != &other) {
        close_handle();
        handle_ = std::exchange(other.handle_, invalid_handle());
        text_ = other.text_;
        write_error_ = std::exchange(other.write_error_, {});
        stream_ = std::move(other.stream_);
        if (stream_) stream_->device.rebind(&write_error_);
    }
    return *this;
}

file::~file() {
    close_handle();
}

void file::close_handle() noexcept {
    if (stream_) {
        try {
            stream_->stream.buffer.flush_output();
        } catch (...) {
            // Destructors stay silent; close() is where this error is seen.
        }
        stream_.reset();
    }
    if (is_open()) detail::os::close(std::exchange(handle_, invalid_handle()));
}

void file::settle_stream() const {
    if (stream_ && !stream_->stream.buffer.idle()) stream_->stream.buffer.settle();
}

std::size_t file::read(void* buf, std::size_t n) {
    require_open(is_open(), "tempfile: read");
    settle_stream();
    return detail::read_handle(handle_, buf, n);
}

void file::write(const void* buf, std::size_t n) {
    require_open(is_open(), "tempfile: write");
    settle_stream();
    detail::write_handle(handle_, buf, n, write_error_);
}

void file::write(std::string_view bytes) {
    write(bytes.data(), bytes.size());
}

std::string file::read_all() {
    require_open(is_open(), "tempfile: read");
    settle_stream();
    // Read into a growing string until the end: two reads for a small file,
    // no fstat/lseek to size it first.
    std::string all;
    std::size_t used = 0;
    std::size_t chunk = 8192;
    for (;;) {
        all.resize(used + chunk);
        std::size_t got = detail::read_handle(handle_, &all[used], chunk);
        if (got == 0) break;
        used += got;
        if (got == chunk && chunk < (std::size_t{1} << 24)) chunk *= 2;
    }
    all.resize(used);
    return all;
}

std::uint64_t file::seek(std::int64_t offset, std::ios::seekdir from) {
    require_open(is_open(), "tempfile: seek");
    // The stream folds its read-ahead into the one lseek.
    if (stream_) return stream_->stream.buffer.seek(offset, from);
    return detail::seek_handle(handle_, offset, from);
}

std::uint64_t file::tell() const {
    require_open(is_open(), "tempfile: tell");
    if (stream_) return stream_->stream.buffer.seek(0, std::ios::cur);
    return detail::seek_handle(handle_, 0, std::ios::cur);
}

std::uint64_t file::size() const {
    require_open(is_open(), "tempfile: size");
    // Pending output may grow the file; read-ahead stays valid and stays.
    if (stream_) stream_->stream.buffer.flush_output();
    std::error_code ec;
    std::uint64_t n = detail::os::size(handle_, ec);
    if (ec) detail::fail(ec, "tempfile: size");
    return n;
}

void file::truncate(std::uint64_t size) {
    require_open(is_open(), "tempfile: truncate");
    settle_stream();  // read-ahead may hold bytes the truncation removes
    std::error_code ec;
    detail::os::truncate(handle_, size, ec);
    if (ec) detail::fail(ec, "tempfile: truncate");
}

void file::sync() {
    require_open(is_open(), "tempfile: sync");
    if (stream_) stream_->stream.buffer.flush_output();
    std::error_code ec;
    detail::os::sync(handle_, ec);
    if (ec) detail::fail(ec, "tempfile: sync");
}

std::iostream& file::stream() {
    if (!is_open()) throw std::logic_error("tempfile: stream() of a closed file");
    if (!stream_) stream_ = std::make_unique<detail::stream_state>(handle_, text_, &write_error_);
    return stream_->stream.stream;
}

void file::close() {
    if (!is_open()) return;
    if (stream_) {
        try {
            stream_->stream.buffer.flush_output();
        } catch (const std::system_error&) {
            // Noted in write_error_ by the device.
        } catch (const std::bad_alloc&) {
            note_write_error(std::make_error_code(std::errc::not_enough_memory));  // text translation
        }
        stream_.reset();
    }
    std::error_code close_error = detail::os::close(std::exchange(handle_, invalid_handle()));
    after_close();
    // Bytes lost earlier matter more than how the close went.
    if (write_error_) detail::fail(write_error_, "tempfile: close: an earlier write to this file failed");
    if (close_error) detail::fail(close_error, "tempfile: close");
}

bool file::is_open() const noexcept {
    return handle_ != invalid_handle();
}

file::native_handle_type file::native_handle() const noexcept {
    return handle_;
}

file::native_handle_type file::release() noexcept {
    if (stream_) {
        try {
            stream_->stream.buffer.settle();  // the caller's handle is at the stream's position
        } catch (...) {
        }
        stream_.reset();
    }
    return std::exchange(handle_, invalid_handle());
}

}  // namespace tempfile
