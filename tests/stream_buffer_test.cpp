// SPDX-License-Identifier: MIT
// The portable streambuf on a device in memory: newline translation forced
// on (as Windows text mode has it), and what settling costs the device.
#include "stream_buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <istream>
#include <string>
#include <system_error>

namespace {
using tempfile::detail::buffered_stream;
using tempfile::detail::device;
using tempfile::detail::stream_buffer;

// Bytes in memory, with a count of every call the stream makes.
class memory_device : public device {
public:
    std::string bytes;
    std::uint64_t position = 0;
    int reads = 0, writes = 0, seeks = 0;

    std::size_t read(void* buf, std::size_t n) override {
        ++reads;
        if (position >= bytes.size()) return 0;
        std::size_t k = std::min<std::size_t>(n, bytes.size() - position);
        std::memcpy(buf, bytes.data() + position, k);
        position += k;
        return k;
    }
    void write(const void* buf, std::size_t n) override {
        ++writes;
        if (bytes.size() < position + n) bytes.resize(position + n);
        std::memcpy(&bytes[position], buf, n);
        position += n;
    }
    std::uint64_t seek(std::int64_t offset, std::ios::seekdir from) override {
        ++seeks;
        std::int64_t base = from == std::ios::beg   ? 0
                            : from == std::ios::cur ? static_cast<std::int64_t>(position)
                                                    : static_cast<std::int64_t>(bytes.size());
        if (base + offset < 0) throw std::system_error(std::make_error_code(std::errc::invalid_argument));
        position = static_cast<std::uint64_t>(base + offset);
        return position;
    }
    int calls() const { return reads + writes + seeks; }
};

std::string read_everything(std::istream& in) {
    std::string all;
    char c;
    while (in.get(c)) all.push_back(c);
    return all;
}

TEST(StreamBuffer, TranslationWritesNewlinesAsCrLf) {
    memory_device dev;
    buffered_stream s(dev, true);
    s.stream << "one\ntwo\n\nend";
    s.buffer.settle();
    EXPECT_EQ(dev.bytes, "one\r\ntwo\r\n\r\nend");
}

TEST(StreamBuffer, TranslationReadsCrLfAsNewlineAndKeepsLoneCr) {
    memory_device dev;
    dev.bytes = "a\r\nb\rc\n\r\r\nd\r";
    buffered_stream s(dev, true);
    EXPECT_EQ(read_everything(s.stream), "a\nb\rc\n\r\nd\r");
}

TEST(StreamBuffer, TranslationJoinsACrLfSplitAcrossTwoReads) {
    memory_device dev;
    dev.bytes = "abc\r\ndef\r\r\n";  // with 4-byte reads, each "\r\n" straddles a read
    stream_buffer buf(dev, true, 4);
    std::istream in(&buf);
    EXPECT_EQ(read_everything(in), "abc\ndef\r\n");
}

TEST(StreamBuffer, TranslationGivesBackReadAheadInDeviceBytes) {
    memory_device dev;
    dev.bytes = "l1\r\nl2\r\nl3\r\n";
    buffered_stream s(dev, true);
    std::string line;
    ASSERT_TRUE(std::getline(s.stream, line));
    EXPECT_EQ(line, "l1");
    s.buffer.settle();
    EXPECT_EQ(dev.position, 4u);  // "l1\r\n" consumed, the rest given back
    EXPECT_EQ(s.stream.tellg(), std::streampos(4));
    ASSERT_TRUE(std::getline(s.stream, line));
    EXPECT_EQ(line, "l2");
}

TEST(StreamBuffer, TranslationCountsAHeldBackCrAsUnread) {
    memory_device dev;
    dev.bytes = "abc\r\nx";
    stream_buffer buf(dev, true, 4);  // the first read ends on '\r', held back
    std::istream in(&buf);
    char c;
    ASSERT_TRUE(in.get(c));
    buf.settle();
    EXPECT_EQ(dev.position, 1u);
}

TEST(StreamBuffer, SettlingAnIdleBufferCostsNoDeviceCall) {
    memory_device dev;
    buffered_stream s(dev, false);
    EXPECT_TRUE(s.buffer.idle());
    s.buffer.settle();
    s.buffer.flush_output();
    EXPECT_EQ(dev.calls(), 0);
    s.stream << "x";
    s.buffer.settle();
    EXPECT_EQ(dev.writes, 1);
    EXPECT_TRUE(s.buffer.idle());
    s.buffer.settle();
    EXPECT_EQ(dev.calls(), 1);
}

TEST(StreamBuffer, SeekFoldsReadAheadIntoOneDeviceSeek) {
    memory_device dev;
    dev.bytes = "0123456789";
    buffered_stream s(dev, false);
    char c;
    ASSERT_TRUE(s.stream.get(c));
    int before = dev.seeks;
    EXPECT_EQ(s.buffer.seek(2, std::ios::cur), 3u);
    EXPECT_EQ(dev.seeks, before + 1);
    EXPECT_EQ(s.buffer.seek(0, std::ios::cur), 3u);
}

// A failed seek from any origin moves nothing: the read-ahead stays valid,
// so the next byte read and the device's settled position are as before.
TEST(StreamBuffer, FailedSeekFromAnyOriginMovesNothing) {
    for (bool translate : {false, true}) {
        for (std::ios::seekdir from : {std::ios::beg, std::ios::cur, std::ios::end}) {
            memory_device dev;
            dev.bytes = "0123456789";
            buffered_stream s(dev, translate);
            char c;
            ASSERT_TRUE(s.stream.get(c));
            ASSERT_TRUE(s.stream.get(c));
            EXPECT_THROW(s.buffer.seek(-50, from), std::system_error);
            ASSERT_TRUE(s.stream.get(c));
            EXPECT_EQ(c, '2');
            s.buffer.settle();
            EXPECT_EQ(dev.position, 3u);
        }
    }
}

TEST(StreamBuffer, WriteAfterReadGoesToTheReadPosition) {
    memory_device dev;
    dev.bytes = "abcdef";
    buffered_stream s(dev, false);
    char c;
    ASSERT_TRUE(s.stream.get(c));
    s.stream << "XY";
    s.buffer.settle();
    EXPECT_EQ(dev.bytes, "aXYdef");
    EXPECT_EQ(dev.position, 3u);
}

TEST(StreamBuffer, AFailedWriteIsReportedOnceAndDropped) {
    struct failing_device : memory_device {
        void write(const void*, std::size_t) override {
            throw std::system_error(std::make_error_code(std::errc::no_space_on_device));
        }
    } dev;
    buffered_stream s(dev, false);
    s.stream << "lost";
    EXPECT_THROW(s.buffer.flush_output(), std::system_error);
    EXPECT_TRUE(s.buffer.idle());
    EXPECT_NO_THROW(s.buffer.flush_output());
}

}  // namespace
