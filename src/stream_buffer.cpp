// SPDX-License-Identifier: MIT
#include "stream_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

namespace tempfile::detail {

stream_buffer::stream_buffer(device& dev, bool translate_newlines, std::size_t size)
    : device_(dev), translate_(translate_newlines), buffer_(size) {
    if (translate_) raw_.resize(size);
    // Neither area is set: the first read goes through underflow(), the
    // first write through overflow(), which pick the mode.
    setg(nullptr, nullptr, nullptr);
    setp(nullptr, nullptr);
}

void stream_buffer::flush_output() {
    if (pptr() == pbase()) return;
    const char* begin = pbase();
    std::size_t n = static_cast<std::size_t>(pptr() - pbase());
    // Emptied before the write, so that a failed write is reported once and
    // not again at every later flush (the bytes are lost either way).
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    if (translate_)
        write_translated(begin, n);
    else
        device_.write(begin, n);
}

std::uint64_t stream_buffer::unread_input() const noexcept {
    std::uint64_t unread = static_cast<std::uint64_t>(egptr() - gptr());
    if (translate_ && eback() != nullptr) {
        // Each '\n' that stood for "\r\n" on the device hides one more byte.
        auto consumed = static_cast<std::size_t>(gptr() - eback());
        unread += static_cast<std::uint64_t>(
            collapsed_.end() - std::lower_bound(collapsed_.begin(), collapsed_.end(), consumed));
    }
    return unread + carry_;
}

std::uint64_t stream_buffer::drop_input() noexcept {
    std::uint64_t unread = unread_input();
    carry_ = 0;
    collapsed_.clear();
    setg(nullptr, nullptr, nullptr);
    return unread;
}

void stream_buffer::settle() {
    flush_output();
    std::uint64_t unread = drop_input();
    if (unread != 0) device_.seek(-static_cast<std::int64_t>(unread), std::ios::cur);
}

std::uint64_t stream_buffer::seek(std::int64_t offset, std::ios::seekdir from) {
    flush_output();
    // The read-ahead is forgotten only once the device has moved, so that a
    // failed seek (EINVAL before the start, an overflow) leaves everything
    // as it was: the device where it stood and the read-ahead still valid.
    const auto unread = static_cast<std::int64_t>(unread_input());
    if (from == std::ios::cur && unread != 0) {
        // The device stands `unread` bytes past the stream's position.
        if (offset < std::numeric_limits<std::int64_t>::min() + unread)
            throw std::system_error(std::make_error_code(std::errc::invalid_argument), "tempfile: seek");
        offset -= unread;
    }
    const std::uint64_t at = device_.seek(offset, from);
    drop_input();
    return at;
}

void stream_buffer::enter_write_mode() {
    std::uint64_t unread = drop_input();
    if (unread != 0) device_.seek(-static_cast<std::int64_t>(unread), std::ios::cur);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
}

stream_buffer::int_type stream_buffer::underflow() {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    flush_output();
    // The buffer now serves reading; output must come through overflow().
    setp(nullptr, nullptr);
    std::size_t n;
    if (translate_) {
        n = fill_translated();
    } else {
        n = device_.read(buffer_.data(), buffer_.size());
        setg(buffer_.data(), buffer_.data(), buffer_.data() + n);
    }
    if (n == 0) {
        setg(nullptr, nullptr, nullptr);
        return traits_type::eof();
    }
    return traits_type::to_int_type(*gptr());
}

stream_buffer::int_type stream_buffer::overflow(int_type c) {
    if (pbase() == nullptr)
        enter_write_mode();
    else if (pptr() == epptr() || traits_type::eq_int_type(c, traits_type::eof()))
        flush_output();
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
    return c;
}

int stream_buffer::sync() {
    settle();
    return 0;
}

stream_buffer::pos_type stream_buffer::seekoff(off_type off, std::ios::seekdir dir, std::ios::openmode) {
    flush_output();  // a write error is the stream's bad(), not a failed seek
    try {
        return pos_type(static_cast<off_type>(seek(static_cast<std::int64_t>(off), dir)));
    } catch (const std::system_error&) {
        return pos_type(off_type(-1));  // as filebuf: the stream sets failbit
    }
}

stream_buffer::pos_type stream_buffer::seekpos(pos_type pos, std::ios::openmode which) {
    return seekoff(off_type(pos), std::ios::beg, which);
}

std::streamsize stream_buffer::xsgetn(char* s, std::streamsize n) {
    std::streamsize done = 0;
    while (done < n) {
        std::streamsize avail = egptr() - gptr();
        if (avail > 0) {
            std::streamsize k = std::min(avail, n - done);
            std::memcpy(s + done, gptr(), static_cast<std::size_t>(k));
            gbump(static_cast<int>(k));
            done += k;
            continue;
        }
        auto left = static_cast<std::size_t>(n - done);
        if (!translate_ && left >= buffer_.size()) {
            // A large read goes straight to the caller's memory.
            flush_output();
            setp(nullptr, nullptr);
            setg(nullptr, nullptr, nullptr);
            std::size_t got = device_.read(s + done, left);
            if (got == 0) break;
            done += static_cast<std::streamsize>(got);
        } else if (traits_type::eq_int_type(underflow(), traits_type::eof())) {
            break;
        }
    }
    return done;
}

std::streamsize stream_buffer::xsputn(const char* s, std::streamsize n) {
    if (n <= 0) return 0;
    if (pbase() == nullptr) enter_write_mode();
    if (!translate_ && static_cast<std::size_t>(n) >= buffer_.size()) {
        // A large write goes straight to the device, after what is pending.
        flush_output();
        device_.write(s, static_cast<std::size_t>(n));
        return n;
    }
    std::streamsize done = 0;
    while (done < n) {
        if (pptr() == epptr()) flush_output();
        std::streamsize k = std::min<std::streamsize>(epptr() - pptr(), n - done);
        std::memcpy(pptr(), s + done, static_cast<std::size_t>(k));
        pbump(static_cast<int>(k));
        done += k;
    }
    return done;
}

void stream_buffer::write_translated(const char* s, std::size_t n) {
    std::string out;
    out.reserve(n + n / 8);
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] == '\n') out.push_back('\r');
        out.push_back(s[i]);
    }
    device_.write(out.data(), out.size());
}

std::size_t stream_buffer::fill_translated() {
    collapsed_.clear();
    for (;;) {
        std::size_t have = carry_;
        if (carry_ != 0) raw_[0] = '\r';
        carry_ = 0;
        std::size_t got = device_.read(raw_.data() + have, raw_.size() - have);
        have += got;
        if (have == 0) {
            setg(nullptr, nullptr, nullptr);
            return 0;
        }
        // A final '\r' may begin a "\r\n" split across two reads: hold it
        // back until the next byte is known (at the end, it is a plain '\r').
        if (got != 0 && raw_[have - 1] == '\r') {
            carry_ = 1;
            --have;
        }
        if (have == 0) continue;
        std::size_t out = 0;
        for (std::size_t i = 0; i < have; ++i) {
            if (raw_[i] == '\r' && i + 1 < have && raw_[i + 1] == '\n') {
                collapsed_.push_back(out);
                ++i;
            }
            buffer_[out++] = raw_[i];
        }
        setg(buffer_.data(), buffer_.data(), buffer_.data() + out);
        return out;
    }
}

}  // namespace tempfile::detail
