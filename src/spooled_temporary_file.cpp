// SPDX-License-Identifier: MIT
// spooled_temporary_file: bytes in memory until Python's rollover rule moves
// them to a temporary_file. The stream's device dispatches to whichever holds
// the data, so one std::iostream serves before and after the rollover.
#include <tempfile/spooled_temporary_file.hpp>

#include "names_internal.hpp"
#include "os.hpp"
#include "stream_buffer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace tempfile {
namespace {

[[noreturn]] void fail(std::errc e, const char* what) {
    throw std::system_error(std::make_error_code(e), what);
}

// What the rollover would refuse, refused now: bad options create nothing, ever.
void check_options(const name_options& options, std::error_code& ec) noexcept {
    detail::check_affixes(options.prefix, options.suffix, ec);
    if (!ec) detail::check_path(options.dir, ec);
}

}  // namespace

struct spooled_temporary_file::state {
    // The stream's view of the data: the raw operations, without settling
    // the stream (it is the one calling).
    class spool_device final : public detail::device {
    public:
        explicit spool_device(state& s) noexcept : state_(s) {}
        std::size_t read(void* buf, std::size_t n) override { return state_.read(buf, n); }
        void write(const void* buf, std::size_t n) override { state_.write(buf, n); }
        std::uint64_t seek(std::int64_t offset, std::ios::seekdir from) override {
            return state_.seek(offset, from);
        }

    private:
        state& state_;
    };

    state(std::size_t max, const name_options& opts, bool txt) : max_size(max), options(opts), text(txt) {}

    std::size_t max_size;
    name_options options;
    bool text;
    std::string memory;          // the data until the rollover
    std::uint64_t position = 0;  // in memory; may lie past the end
    std::optional<temporary_file> disk;
    spool_device device{*this};
    std::unique_ptr<detail::buffered_stream> stream;  // after device: destroyed first

    bool rolls_over_at(std::uint64_t end) const noexcept { return max_size != 0 && end > max_size; }

    void settle() const {
        if (stream && !stream->buffer.idle()) stream->buffer.settle();
    }

    std::size_t read(void* buf, std::size_t n) {
        if (disk) return disk->read(buf, n);
        if (position >= memory.size()) return 0;
        std::size_t k = std::min<std::size_t>(n, memory.size() - static_cast<std::size_t>(position));
        std::memcpy(buf, memory.data() + position, k);
        position += k;
        return k;
    }

    void write(const void* buf, std::size_t n) {
        if (disk) return disk->write(buf, n);
        if (n > UINT64_MAX - position) fail(std::errc::file_too_large, "tempfile: write");
        if (position > memory.size() && rolls_over_at(position + n)) {
            // A write far past the end: roll over first, so the gap becomes
            // a hole on disk instead of zeros in memory.
            try {
                rollover();
            } catch (...) {
                try {
                    write_memory(buf, n);
                } catch (...) {
                    // Too big for memory: the rollover's error is the one to report.
                }
                throw;
            }
            return disk->write(buf, n);
        }
        write_memory(buf, n);
        if (rolls_over_at(position)) rollover();
    }

    void write_memory(const void* buf, std::size_t n) {
        if (n == 0) return;  // as write(2): nothing written, nothing grows, even past the end
        std::uint64_t end = position + n;
        if (end > memory.max_size()) fail(std::errc::file_too_large, "tempfile: write");
        if (end > memory.size()) memory.resize(static_cast<std::size_t>(end));  // zeros fill a gap
        std::memcpy(&memory[static_cast<std::size_t>(position)], buf, n);
        position = end;
    }

    std::uint64_t seek(std::int64_t offset, std::ios::seekdir from) {
        if (disk) return disk->seek(offset, from);
        std::int64_t base = from == std::ios::cur   ? static_cast<std::int64_t>(position)
                            : from == std::ios::end ? static_cast<std::int64_t>(memory.size())
                                                    : 0;
        // As lseek: EINVAL before the start (and on overflow).
        if ((offset < 0 && base + offset < 0) || (offset > 0 && base > INT64_MAX - offset))
            fail(std::errc::invalid_argument, "tempfile: seek");
        position = static_cast<std::uint64_t>(base + offset);
        return position;
    }

    void rollover() {
        if (disk) return;
        temporary_file f(options, text);
        if (!memory.empty()) f.write(memory);
        if (position != memory.size()) f.seek(static_cast<std::int64_t>(position));
        disk.emplace(std::move(f));
        std::string().swap(memory);
        position = 0;
    }
};

spooled_temporary_file::spooled_temporary_file(std::size_t max_size, const name_options& options, bool text) {
    std::error_code ec;
    check_options(options, ec);
    if (ec) detail::throw_error("spooled_temporary_file", options.dir, ec);
    state_ = std::make_unique<state>(max_size, options, text);
}

spooled_temporary_file::spooled_temporary_file(empty_tag) noexcept {}

spooled_temporary_file spooled_temporary_file::create(std::size_t max_size, const name_options& options,
                                                      std::error_code& ec) {
    ec.clear();
    check_options(options, ec);
    spooled_temporary_file made{empty_tag{}};
    if (ec) return made;
    try {
        made.state_ = std::make_unique<state>(max_size, options, false);
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
    }
    return made;
}

spooled_temporary_file::spooled_temporary_file(spooled_temporary_file&& other) noexcept = default;
spooled_temporary_file& spooled_temporary_file::operator=(spooled_temporary_file&& other) noexcept = default;
// As close(): the memory is freed, the temporary_file closes and so vanishes.
spooled_temporary_file::~spooled_temporary_file() = default;

namespace {

template <class State>
State& open_state(const std::unique_ptr<State>& s, const char* what) {
    if (!s) fail(std::errc::bad_file_descriptor, what);
    return *s;
}

}  // namespace

std::size_t spooled_temporary_file::read(void* buf, std::size_t n) {
    state& s = open_state(state_, "tempfile: read");
    s.settle();
    return s.read(buf, n);
}

void spooled_temporary_file::write(const void* buf, std::size_t n) {
    state& s = open_state(state_, "tempfile: write");
    s.settle();
    s.write(buf, n);
}

void spooled_temporary_file::write(std::string_view bytes) {
    write(bytes.data(), bytes.size());
}

std::string spooled_temporary_file::read_all() {
    state& s = open_state(state_, "tempfile: read");
    s.settle();
    if (s.disk) return s.disk->read_all();
    if (s.position >= s.memory.size()) return {};
    std::string rest = s.memory.substr(static_cast<std::size_t>(s.position));
    s.position = s.memory.size();
    return rest;
}

std::uint64_t spooled_temporary_file::seek(std::int64_t offset, std::ios::seekdir from) {
    state& s = open_state(state_, "tempfile: seek");
    if (s.stream) return s.stream->buffer.seek(offset, from);
    return s.seek(offset, from);
}

std::uint64_t spooled_temporary_file::tell() const {
    state& s = open_state(state_, "tempfile: tell");
    if (s.stream) return s.stream->buffer.seek(0, std::ios::cur);
    return s.disk ? s.disk->tell() : s.position;
}

std::uint64_t spooled_temporary_file::size() const {
    state& s = open_state(state_, "tempfile: size");
    if (s.stream) s.stream->buffer.flush_output();
    return s.disk ? s.disk->size() : s.memory.size();
}

void spooled_temporary_file::truncate(std::uint64_t size) {
    state& s = open_state(state_, "tempfile: truncate");
    s.settle();
    // Python rolls over for any size above max_size, max_size 0 included.
    if (size > s.max_size) s.rollover();
    if (s.disk) return s.disk->truncate(size);
    s.memory.resize(static_cast<std::size_t>(size));  // as a file: growing adds zeros
}

void spooled_temporary_file::sync() {
    state& s = open_state(state_, "tempfile: sync");
    if (s.stream) s.stream->buffer.flush_output();
    if (s.disk) s.disk->sync();
}

std::iostream& spooled_temporary_file::stream() {
    if (!state_) throw std::logic_error("tempfile: stream() of a closed spooled_temporary_file");
    if (!state_->stream)
        state_->stream = std::make_unique<detail::buffered_stream>(
            state_->device, state_->text && detail::os::has_text_newlines());
    return state_->stream->stream;
}

void spooled_temporary_file::close() {
    if (!state_) return;
    // Pending stream output is dropped, not flushed: nobody can read it any
    // more, and flushing could roll over only to delete the file at once.
    std::unique_ptr<state> s = std::move(state_);
    s->stream.reset();
    if (!s->disk) return;
    // The file vanishes at close: what its close() reports (a write that
    // failed, a delayed write error) concerns data nobody can read any more.
    try {
        s->disk->close();
    } catch (const std::system_error&) {
    }
}

bool spooled_temporary_file::is_open() const noexcept {
    return state_ != nullptr;
}

bool spooled_temporary_file::rolled_over() const noexcept {
    return state_ && state_->disk.has_value();
}

void spooled_temporary_file::rollover() {
    // The stream's buffer needs no settling: content and position carry over,
    // so its pending output and read-ahead stay true of the file.
    open_state(state_, "tempfile: rollover").rollover();
}

file::native_handle_type spooled_temporary_file::native_handle() {
    state& s = open_state(state_, "tempfile: native_handle");
    s.settle();  // the caller may use the handle directly: it must see everything
    s.rollover();
    return s.disk->native_handle();
}

}  // namespace tempfile
