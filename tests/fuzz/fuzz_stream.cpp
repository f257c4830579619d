// SPDX-License-Identifier: MIT
// file (a temporary_file) and spooled_temporary_file, raw calls and stream()
// mixed at random, against a std::string model with one position: what is
// read is what the model holds, tell() and size() agree with it, and a seek
// that fails (a negative position) moves nothing, through the raw call or
// the stream, whatever the stream had read ahead (issue 9, bug 2).
#include "fuzz_support.hpp"

#include <tempfile/tempfile.hpp>

#include <algorithm>
#include <optional>
#include <variant>

namespace {
namespace fs = std::filesystem;
using fuzz::check;

struct model {
    std::string content;
    std::uint64_t pos = 0;
    void write(const std::string& s) {
        if (s.empty()) return;  // writing nothing extends nothing, even past the end
        if (content.size() < pos + s.size()) content.resize(pos + s.size(), '\0');
        content.replace(pos, s.size(), s);
        pos += s.size();
    }
    std::string read(std::size_t n) {
        if (pos >= content.size()) return {};
        std::string s = content.substr(pos, n);
        pos += s.size();
        return s;
    }
    /// The target of a seek, or -1 when it is negative (the seek must fail).
    std::int64_t target(std::int64_t off, std::ios::seekdir dir) const {
        std::int64_t base = dir == std::ios::beg   ? 0
                            : dir == std::ios::cur ? static_cast<std::int64_t>(pos)
                                                   : static_cast<std::int64_t>(content.size());
        return base + off < 0 ? -1 : base + off;
    }
};

/// The object under test: the same calls on a file or on a spool.
template <typename F>
void run(F& f, fuzz::input& in, bool spooled) {
    model m;
    std::iostream& s = f.stream();
    for (int step = 0; step < 64 && !in.empty(); ++step) {
        const std::uint8_t op = in.byte() % 14;
        const std::string where = "step " + std::to_string(step) + " op " + std::to_string(op);
        switch (op) {
            case 0: {  // raw write
                std::string bytes = in.bytes(in.byte() & 1 ? 20000 : 64);
                f.write(bytes);
                m.write(bytes);
                break;
            }
            case 1: {  // raw read
                std::size_t n = in.u16() % 20000;
                std::string got(n, '\0');
                got.resize(f.read(got.data(), n));
                check(got == m.read(n), where + ": raw read differs from the model");
                break;
            }
            case 2:
            case 3: {  // raw seek, maybe to a negative position
                std::int64_t off = static_cast<std::int16_t>(in.u16());
                auto dir = static_cast<std::ios::seekdir>(in.byte() % 3);
                std::int64_t t = m.target(off, dir);
                bool threw = false;
                try {
                    check(f.seek(off, dir) == static_cast<std::uint64_t>(t),
                          where + ": seek returned another position");
                } catch (const std::system_error&) {
                    threw = true;
                }
                check(threw == (t < 0),
                      where + (t < 0 ? ": a seek before the start succeeded" : ": a valid seek failed"));
                if (t >= 0) m.pos = static_cast<std::uint64_t>(t);
                check(f.tell() == m.pos, where + ": tell() after a seek differs from the model");
                break;
            }
            case 4:
                check(f.tell() == m.pos, where + ": tell() differs from the model");
                break;
            case 5:
                check(f.size() == m.content.size(), where + ": size() differs from the model");
                break;
            case 6: {  // truncate: the position stays
                std::uint64_t n = in.u16() % 30000;
                f.truncate(n);
                m.content.resize(n, '\0');
                break;
            }
            case 7: {  // stream write
                std::string bytes = in.bytes(in.byte() & 1 ? 20000 : 64);
                s.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
                check(s.good(), where + ": stream write failed");
                m.write(bytes);
                break;
            }
            case 8: {  // stream read
                std::size_t n = in.u16() % 20000;
                std::string got(n, '\0');
                s.read(got.data(), static_cast<std::streamsize>(n));
                got.resize(static_cast<std::size_t>(s.gcount()));
                s.clear();
                check(got == m.read(n), where + ": stream read differs from the model");
                break;
            }
            case 9:
            case 10: {  // stream seek, maybe to a negative position
                std::int64_t off = static_cast<std::int16_t>(in.u16());
                auto dir = static_cast<std::ios::seekdir>(in.byte() % 3);
                std::int64_t t = m.target(off, dir);
                if (op == 9)
                    s.seekg(off, dir);
                else
                    s.seekp(off, dir);
                bool failed = s.fail();
                s.clear();
                check(failed == (t < 0), where + (t < 0 ? ": a stream seek before the start succeeded"
                                                        : ": a valid stream seek failed"));
                if (t >= 0) m.pos = static_cast<std::uint64_t>(t);
                check(f.tell() == m.pos, where + ": tell() after a stream seek differs from the model");
                break;
            }
            case 11:
                s.flush();
                check(s.good(), where + ": flush failed");
                break;
            case 12: {
                std::string rest = f.read_all();
                check(rest == m.read(m.content.size()), where + ": read_all differs from the model");
                break;
            }
            case 13:
                if constexpr (!std::is_same_v<F, tempfile::temporary_file>) {
                    f.rollover();
                    check(f.rolled_over(), where + ": rollover() did not roll over");
                }
                break;
        }
    }
    f.seek(0);
    check(f.read_all() == m.content, std::string(spooled ? "spooled" : "file") + ": final content differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fs::path& work = fuzz::work_dir();
    fuzz::input in(data, size);
    tempfile::name_options o;
    o.dir = work;
    const std::uint8_t kind = in.byte();
    if (kind & 1) {
        tempfile::spooled_temporary_file f((kind >> 1) * 256u, o);
        run(f, in, true);
    } else {
        tempfile::temporary_file f(o);
        run(f, in, false);
    }
    check(fuzz::entry_count(work) == 0, "a file was left behind");
    return 0;
}
