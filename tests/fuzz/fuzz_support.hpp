// SPDX-License-Identifier: MIT
#pragma once
// What every fuzz target shares: reading the input as a stream of choices,
// a private working directory, and a check that aborts (so libFuzzer keeps
// the input that broke a promise, and the CI step fails).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace fuzz {
namespace fs = std::filesystem;

/// Reads the fuzzer's bytes as choices; past the end every choice is 0.
class input {
public:
    input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool empty() const noexcept { return pos_ >= size_; }
    std::uint8_t byte() noexcept { return pos_ < size_ ? data_[pos_++] : 0; }
    std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(byte() | (byte() << 8)); }
    /// Up to max bytes, the length chosen first.
    std::string bytes(std::size_t max) {
        std::size_t n = max == 0 ? 0 : u16() % (max + 1);
        std::string s;
        while (n-- > 0 && !empty()) s.push_back(static_cast<char>(byte()));
        return s;
    }
    /// Bytes up to the next `end` byte (not included) or the end of the input.
    std::string until(std::uint8_t end) {
        std::string s;
        while (!empty()) {
            std::uint8_t b = byte();
            if (b == end) break;
            s.push_back(static_cast<char>(b));
        }
        return s;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

/// A promise was broken: say which, and abort so that libFuzzer saves the input.
[[noreturn]] inline void broken(const std::string& what) {
    std::fprintf(stderr, "\nBROKEN PROMISE: %s\n", what.c_str());
    std::abort();
}
inline void check(bool condition, const std::string& what) {
    if (!condition) broken(what);
}

/// A directory of this process's own, made once in $TMPDIR (scripts/fuzz.sh
/// points it inside the sandbox); the working directory is moved there.
inline const fs::path& work_dir() {
    static const fs::path dir = [] {
        const char* base = std::getenv("TMPDIR");
        std::string templ = std::string(base && *base ? base : "/tmp") + "/fuzz.XXXXXX";
        if (::mkdtemp(templ.data()) == nullptr) broken("cannot make a work directory in $TMPDIR");
        fs::path p = fs::canonical(templ);
        fs::current_path(p);
        return p;
    }();
    return dir;
}

/// Names of the entries directly in dir, for "nothing left behind" checks.
inline std::size_t entry_count(const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        ++n;
    return n;
}

}  // namespace fuzz
