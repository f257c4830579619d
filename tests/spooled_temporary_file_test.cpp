// SPDX-License-Identifier: MIT
// spooled_temporary_file: CPython's TestSpooledTemporaryFile
// (Lib/test/test_tempfile.py) ported, plus the stream across the rollover.
#include "harness.hpp"

#include <tempfile/spooled_temporary_file.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace {
namespace fs = std::filesystem;
using tempfile::spooled_temporary_file;
using tempfile_test::list_dir;
using tempfile_test::test_dir;

std::string read_n(spooled_temporary_file& f, std::size_t n) {
    std::string s(n, '\0');
    s.resize(f.read(&s[0], n));
    return s;
}

// Issue 9: with read-ahead in the stream, a failed seek used to leave the
// position at the end of the read-ahead, in memory and on disk alike.
TEST(SpooledTemporaryFile, FailedSeekWithStreamReadAheadMovesNothing) {
    for (bool on_disk : {false, true}) {
        for (std::ios::seekdir from : {std::ios::beg, std::ios::cur, std::ios::end}) {
            spooled_temporary_file f;  // max_size 0: stays in memory unless rolled over
            if (on_disk) f.rollover();
            f.write(std::string(100, 'x'));
            f.seek(0);
            char c;
            ASSERT_TRUE(f.stream().get(c));
            EXPECT_THROW(f.seek(-500, from), std::system_error);
            EXPECT_EQ(f.tell(), 1u);
            f.stream().seekg(-500, from);
            EXPECT_TRUE(f.stream().fail());
            f.stream().clear();
            EXPECT_EQ(f.tell(), 1u);
            f.write("Y");
            f.seek(0);
            EXPECT_EQ(f.read_all(),
                      "x"
                      "Y" +
                          std::string(98, 'x'));
            EXPECT_EQ(f.rolled_over(), on_disk);
        }
    }
}

TEST(SpooledTemporaryFile, StartsInMemoryAndMakesNothingOnDisk) {
    spooled_temporary_file a;
    EXPECT_FALSE(a.rolled_over());
    EXPECT_TRUE(a.is_open());
    spooled_temporary_file b(100, {"a", ".txt", {}});
    EXPECT_FALSE(b.rolled_over());
    b.write("some bytes");
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(SpooledTemporaryFile, RolledFileIsGoneAfterClose) {
    fs::path dir = test_dir() / "spool";
    fs::create_directory(dir);
    {
        spooled_temporary_file f(10, {"tmp", "", dir});
        EXPECT_FALSE(f.rolled_over());
        f.write("blat blat blat blat blat ");
        EXPECT_TRUE(f.rolled_over());
        f.close();
        EXPECT_TRUE(list_dir(dir).empty());
    }
    fs::remove(dir);
}

#ifndef _WIN32
bool descriptor_is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

TEST(SpooledTemporaryFile, DestroyingARolledFileClosesItsDescriptor) {
    int fd;
    {
        spooled_temporary_file f(2);
        f.write("foo");
        ASSERT_TRUE(f.rolled_over());
        fd = f.native_handle();
        EXPECT_TRUE(descriptor_is_open(fd));
    }
    EXPECT_FALSE(descriptor_is_open(fd));
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(SpooledTemporaryFile, NativeHandleRollsOverAndSeesWhatTheStreamBuffered) {
    spooled_temporary_file f(30);
    f.stream() << "abc";
    EXPECT_FALSE(f.rolled_over());
    int fd = f.native_handle();
    EXPECT_TRUE(f.rolled_over());
    EXPECT_GE(fd, 0);
    struct stat st;
    ASSERT_EQ(::fstat(fd, &st), 0);
    EXPECT_EQ(st.st_size, 3);
    EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 3);
    EXPECT_EQ(f.native_handle(), fd);  // once rolled over, the same file
}
#endif

TEST(SpooledTemporaryFile, RewritingWithinMaxSizeStaysInMemory) {
    spooled_temporary_file f(30);
    for (int i = 0; i < 5; ++i) {
        f.seek(0);
        f.write(std::string(20, 'x'));
    }
    EXPECT_FALSE(f.rolled_over());
}

TEST(SpooledTemporaryFile, HoldsExactlyMaxSizeThenRollsOver) {
    spooled_temporary_file f(30);
    f.write(std::string(20, 'x'));
    EXPECT_FALSE(f.rolled_over());
    f.write(std::string(10, 'x'));
    EXPECT_FALSE(f.rolled_over());
    f.write("x");
    EXPECT_TRUE(f.rolled_over());
    EXPECT_EQ(f.size(), 31u);
    EXPECT_EQ(f.tell(), 31u);
}

TEST(SpooledTemporaryFile, SuccessiveWritesReadBackWhole) {
    spooled_temporary_file f;
    for (const char* piece : {"x", "y", "z"}) f.write(piece);
    EXPECT_EQ(f.seek(0), 0u);
    EXPECT_EQ(f.read_all(), "xyz");
}

TEST(SpooledTemporaryFile, WritesSummingToMaxSizeThenOneMoreRollOver) {
    spooled_temporary_file f(35);
    f.write(std::string(20, 'x'));
    f.write(std::string(10, 'x'));
    f.write(std::string(5, 'x'));
    EXPECT_FALSE(f.rolled_over());
    f.write("x");
    EXPECT_TRUE(f.rolled_over());
}

TEST(SpooledTemporaryFile, WriteFarPastTheEndRollsOverAndFillsZeros) {
    spooled_temporary_file f(30);
    f.write("ab");
    EXPECT_EQ(f.seek(100), 100u);
    EXPECT_FALSE(f.rolled_over());
    f.write("x");
    EXPECT_TRUE(f.rolled_over());
    EXPECT_EQ(f.tell(), 101u);
    f.seek(0);
    EXPECT_EQ(f.read_all(), "ab" + std::string(98, '\0') + "x");
}

TEST(SpooledTemporaryFile, WritePastTheEndInMemoryFillsZeros) {
    spooled_temporary_file f;  // max_size 0: writes never roll over
    f.seek(5);
    f.write("x");
    EXPECT_FALSE(f.rolled_over());
    EXPECT_EQ(f.size(), 6u);
    f.seek(0);
    EXPECT_EQ(f.read_all(), std::string("\0\0\0\0\0x", 6));
}

// As write(2) on a file and Python's BytesIO: writing nothing past the end
// leaves the size alone, in memory as on disk.
TEST(SpooledTemporaryFile, EmptyWritePastTheEndDoesNotGrowIt) {
    spooled_temporary_file f(100);
    f.write("abc");
    f.seek(10);
    f.write("", 0);
    EXPECT_EQ(f.size(), 3u);
    EXPECT_EQ(f.tell(), 10u);
    f.rollover();
    EXPECT_EQ(f.size(), 3u);
    f.seek(0);
    EXPECT_EQ(f.read_all(), "abc");
}

TEST(SpooledTemporaryFile, MaxSizeZeroNeverRollsOverByWriting) {
    spooled_temporary_file f(0);
    f.write(std::string(1 << 20, 'm'));
    EXPECT_FALSE(f.rolled_over());
    EXPECT_EQ(f.size(), std::uint64_t{1} << 20);
}

TEST(SpooledTemporaryFile, CloseIsIdempotentBeforeRollover) {
    spooled_temporary_file f;
    f.write("abc\n");
    EXPECT_FALSE(f.rolled_over());
    f.close();
    f.close();
    f.close();
    EXPECT_FALSE(f.is_open());
}

TEST(SpooledTemporaryFile, CloseIsIdempotentAfterRollover) {
    spooled_temporary_file f(1);
    f.write("abc\n");
    EXPECT_TRUE(f.rolled_over());
    f.close();
    f.close();
    f.close();
    EXPECT_FALSE(f.is_open());
    EXPECT_FALSE(f.rolled_over());
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(SpooledTemporaryFile, CallsAfterCloseThrow) {
    spooled_temporary_file f(1);
    f.write("abc");
    f.close();
    char c;
    try {
        f.read(&c, 1);
        FAIL() << "read after close succeeded";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), std::errc::bad_file_descriptor);
    }
    EXPECT_THROW(f.write("x"), std::system_error);
    EXPECT_THROW(f.seek(0), std::system_error);
    EXPECT_THROW(f.rollover(), std::system_error);
    EXPECT_THROW(f.stream(), std::logic_error);
}

TEST(SpooledTemporaryFile, ReadsAcrossTheRolloverSeeEverything) {
    spooled_temporary_file f(30);
    f.write(std::string(35, 'a'));
    f.write(std::string(35, 'b'));
    f.seek(0);
    EXPECT_EQ(read_n(f, 70), std::string(35, 'a') + std::string(35, 'b'));
}

TEST(SpooledTemporaryFile, WritingMaxSizeStaysThenOneMoreByteRollsOver) {
    spooled_temporary_file f(10);
    f.write(std::string(10, 'x'));
    EXPECT_FALSE(f.rolled_over());
    f.write("x");
    EXPECT_TRUE(f.rolled_over());
}

TEST(SpooledTemporaryFile, TextModeStreamRoundTripsAcrossTheRollover) {
    spooled_temporary_file f(10, {}, true);
    std::iostream& s = f.stream();
    auto all = [&] {
        s.seekg(0);
        std::string text, line;
        while (std::getline(s, line)) text += line + "\n";
        s.clear();
        return text;
    };
    s << "abc\n";
    EXPECT_EQ(all(), "abc\n");
    s << "def\n";
    EXPECT_EQ(all(), "abc\ndef\n");
    EXPECT_FALSE(f.rolled_over());
    s << "xyzzy\n";
    EXPECT_EQ(all(), "abc\ndef\nxyzzy\n");
    s << "foo\x1a"
         "bar\n";  // Ctrl-Z is no end of file
    EXPECT_EQ(all(),
              "abc\ndef\nxyzzy\nfoo\x1a"
              "bar\n");
    EXPECT_TRUE(f.rolled_over());
}

TEST(SpooledTemporaryFile, ScopeEndBeforeRolloverLeavesNothing) {
    {
        spooled_temporary_file f(1);
        EXPECT_FALSE(f.rolled_over());
        EXPECT_TRUE(f.is_open());
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(SpooledTemporaryFile, SyncFlushesTheStreamWhichRollsOver) {
    spooled_temporary_file f(1);
    f.stream() << "abc\n";
    EXPECT_FALSE(f.rolled_over());  // still in the stream's buffer
    f.sync();
    EXPECT_TRUE(f.rolled_over());
    f.close();
    EXPECT_FALSE(f.is_open());
}

TEST(SpooledTemporaryFile, TruncateWithinMaxSizeStaysInMemory) {
    spooled_temporary_file f(10);
    f.write("abcdefg\n");
    f.seek(0);
    f.truncate(0);
    EXPECT_FALSE(f.rolled_over());
    EXPECT_EQ(f.size(), 0u);

    spooled_temporary_file g(10);
    g.write("abcdefg\n");
    g.truncate(4);
    EXPECT_FALSE(g.rolled_over());
    EXPECT_EQ(g.tell(), 8u);  // the position does not move
    g.seek(0);
    EXPECT_EQ(g.read_all(), "abcd");
}

TEST(SpooledTemporaryFile, TruncateAboveMaxSizeRollsOver) {
    spooled_temporary_file f(10);
    f.write("abcdefg\n");
    f.truncate(20);
    EXPECT_TRUE(f.rolled_over());
    EXPECT_EQ(f.size(), 20u);
    EXPECT_EQ(f.tell(), 8u);
}

TEST(SpooledTemporaryFile, TruncateWithMaxSizeZeroRollsOverForAnyPositiveSize) {
    spooled_temporary_file f(0);
    f.write("abc");
    f.truncate(0);
    EXPECT_FALSE(f.rolled_over());
    f.truncate(1);
    EXPECT_TRUE(f.rolled_over());
    EXPECT_EQ(f.size(), 1u);
}

TEST(SpooledTemporaryFile, TruncateGrowingInMemoryAddsZeros) {
    spooled_temporary_file f(10);
    f.write("ab");
    f.truncate(5);
    EXPECT_FALSE(f.rolled_over());
    f.seek(0);
    EXPECT_EQ(f.read_all(), std::string("ab\0\0\0", 5));
}

TEST(SpooledTemporaryFile, RolloverKeepsContentAndPosition) {
    spooled_temporary_file f(100);
    f.write("0123456789");
    f.seek(3);
    f.rollover();
    EXPECT_TRUE(f.rolled_over());
    EXPECT_EQ(f.tell(), 3u);
    EXPECT_EQ(f.read_all(), "3456789");
    f.rollover();  // nothing more to do
    EXPECT_EQ(f.size(), 10u);
}

TEST(SpooledTemporaryFile, RolloverKeepsAPositionPastTheEnd) {
    spooled_temporary_file f(100);
    f.write("abc");
    f.seek(8);
    f.rollover();
    EXPECT_EQ(f.tell(), 8u);
    EXPECT_EQ(f.size(), 3u);
}

TEST(SpooledTemporaryFile, NegativeSeekInMemoryFailsWithEinval) {
    spooled_temporary_file f;
    f.write("abc");
    try {
        f.seek(-4, std::ios::end);
        FAIL() << "seek before the start succeeded";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), std::errc::invalid_argument);
    }
    EXPECT_EQ(f.tell(), 3u);
}

TEST(SpooledTemporaryFile, StreamStaysValidAcrossTheRollover) {
    spooled_temporary_file f(16);
    std::iostream& s = f.stream();
    s << "hello " << std::flush;
    EXPECT_FALSE(f.rolled_over());
    s << std::string(20, 'x') << std::flush;
    EXPECT_TRUE(f.rolled_over());
    EXPECT_EQ(&f.stream(), &s);
    s.seekg(0);
    std::string line;
    std::getline(s, line);
    EXPECT_EQ(line, "hello " + std::string(20, 'x'));
}

TEST(SpooledTemporaryFile, StreamWritesCountWhenFlushed) {
    spooled_temporary_file f(4);
    f.stream() << "abcdef";
    EXPECT_FALSE(f.rolled_over());
    EXPECT_EQ(f.size(), 6u);  // a raw call flushes the stream, which rolls over
    EXPECT_TRUE(f.rolled_over());
}

TEST(SpooledTemporaryFile, StreamReadAheadSurvivesTheRollover) {
    spooled_temporary_file f(100);
    f.write("0123456789");
    f.seek(0);
    char c = 0;
    ASSERT_TRUE(f.stream().get(c));
    EXPECT_EQ(c, '0');
    f.rollover();
    ASSERT_TRUE(f.stream().get(c));
    EXPECT_EQ(c, '1');
    EXPECT_EQ(f.tell(), 2u);
    EXPECT_EQ(f.read_all(), "23456789");
}

TEST(SpooledTemporaryFile, RawWriteAfterStreamReadInMemoryLandsAtTheStreamsPosition) {
    spooled_temporary_file f;
    f.write("0123456789");
    f.seek(0);
    char buf[4];
    ASSERT_TRUE(f.stream().read(buf, 4));
    f.write("XY");
    f.seek(0);
    EXPECT_EQ(f.read_all(), "0123XY6789");
}

TEST(SpooledTemporaryFile, MoveKeepsTheStreamWorking) {
    spooled_temporary_file a(8);
    a.stream() << "x";
    spooled_temporary_file b(std::move(a));
    EXPECT_FALSE(a.is_open());
    b.stream() << "y";
    b.seek(0);
    EXPECT_EQ(b.read_all(), "xy");
    spooled_temporary_file c;
    c = std::move(b);
    c.stream() << std::string(10, 'z') << std::flush;
    EXPECT_TRUE(c.rolled_over());
}

TEST(SpooledTemporaryFile, CreateSetsInvalidArgumentForABadPrefix) {
    std::error_code ec;
    spooled_temporary_file f = spooled_temporary_file::create(0, {"a/b", "", {}}, ec);
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_FALSE(f.is_open());
    spooled_temporary_file g = spooled_temporary_file::create(5, {}, ec);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(g.is_open());
    g.write("123456");
    EXPECT_TRUE(g.rolled_over());
}

TEST(SpooledTemporaryFile, ConstructorRejectsABadSuffixAtOnce) {
    EXPECT_THROW(spooled_temporary_file(0, {"tmp", "x/y", {}}), std::invalid_argument);
    EXPECT_THROW(spooled_temporary_file(0, {std::string("a\0b", 3), "", {}}), std::invalid_argument);
}

// The directory is used only at the rollover, but a NUL in it is refused at
// once: a bad option never waits to create the wrong thing later.
TEST(SpooledTemporaryFile, NulInTheDirectoryIsRefusedAtConstruction) {
    const fs::path nul_dir = tempfile_test::path_with_nul(test_dir() / "a");
    EXPECT_THROW(spooled_temporary_file(0, {"tmp", "", nul_dir}), std::invalid_argument);
    std::error_code ec;
    EXPECT_FALSE(spooled_temporary_file::create(0, {"tmp", "", nul_dir}, ec).is_open());
    EXPECT_EQ(ec, std::errc::invalid_argument);
}

TEST(SpooledTemporaryFile, FailedRolloverKeepsTheDataInMemory) {
    spooled_temporary_file f(4, {"tmp", "", test_dir() / "missing"});
    EXPECT_THROW(f.write("abcdef"), fs::filesystem_error);
    EXPECT_FALSE(f.rolled_over());
    f.seek(0);
    EXPECT_EQ(f.read_all(), "abcdef");
}

}  // namespace
