// SPDX-License-Identifier: MIT
// Option and name validation. A prefix or suffix holding a separator or a
// NUL, and any path the API takes with a NUL inside (dir, atomic_file's
// target, persist's target, remove_tree's path), is refused with
// std::errc::invalid_argument and creates, replaces or removes nothing.
// Any other options either make dir/prefix<8 of [a-z0-9_]>suffix, or fail
// with the OS's error; the error_code forms never throw.
#include "fuzz_support.hpp"

#include <tempfile/tempfile.hpp>

#include <fstream>
#include <functional>

namespace {
namespace fs = std::filesystem;
using fuzz::check;

bool has_nul(const std::string& s) {
    return s.find('\0') != std::string::npos;
}
bool bad_part(const std::string& s) {
    return s.find('/') != std::string::npos || has_nul(s);
}

/// The fixtures the NUL paths point at: they must survive every input.
void make_fixtures(const fs::path& work) {
    fs::create_directories(work / "sub");
    fs::create_directories(work / "victim");
    std::ofstream(work / "victim" / "content") << "keep";
}
void check_fixtures(const fs::path& work, const std::string& after) {
    check(fs::is_directory(work / "sub") && fs::exists(work / "victim" / "content"),
          "a fixture was removed after " + after);
    check(fuzz::entry_count(work / "sub") == 0, "something was left in sub/ after " + after);
    check(fuzz::entry_count(work) == 2, "something was left in the work directory after " + after);
}

/// A name made from these options is prefix + 8 of [a-z0-9_] + suffix.
void check_name(const fs::path& p, const tempfile::name_options& o, const std::string& what) {
    std::string name = p.filename().string();
    check(name.size() == o.prefix.size() + 8 + o.suffix.size(), what + ": name of the wrong length");
    check(name.compare(0, o.prefix.size(), o.prefix) == 0, what + ": name does not start with the prefix");
    check(name.compare(name.size() - o.suffix.size(), o.suffix.size(), o.suffix) == 0,
          what + ": name does not end with the suffix");
    for (std::size_t i = o.prefix.size(); i < o.prefix.size() + 8; ++i) {
        char c = name[i];
        check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_',
              what + ": random part outside [a-z0-9_]");
    }
    check(p.is_absolute(), what + ": path not absolute");
}

/// Runs an error_code form: it must not throw; a refused option must say EINVAL.
void ec_call(const std::string& what, bool refused, const std::function<void(std::error_code&)>& call) {
    std::error_code ec;
    try {
        call(ec);
    } catch (const std::exception& e) {
        fuzz::broken(what + " threw from its error_code form: " + e.what());
    }
    if (refused)
        check(ec == std::errc::invalid_argument,
              what + ": bad input not refused with EINVAL: " + ec.message());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fs::path& work = fuzz::work_dir();
    static const bool made = (make_fixtures(work), true);
    (void)made;
    fuzz::input in(data, size);
    const std::uint8_t choice = in.byte();
    tempfile::name_options o;
    o.prefix = in.until(0xFF);
    o.suffix = in.until(0xFF);
    std::string tail = in.until(0xFF);
    switch (choice % 4) {
        case 0:
            o.dir = work / "sub";
            break;
        case 1:
            o.dir = fs::path((work / "sub").string() + tail);
            break;  // a NUL, or a missing directory
        case 2:
            o.dir = fs::path("sub" + tail);
            break;  // relative to the working directory
        default:
            break;  // gettempdir(): $TMPDIR is work/sub
    }
    ::setenv("TMPDIR", (work / "sub").c_str(), 1);
    tempfile::set_tempdir({});
    const bool refused = bad_part(o.prefix) || bad_part(o.suffix) || has_nul(o.dir.string());

    ec_call("mkstemp", refused, [&](std::error_code& ec) {
        tempfile::created_file f = tempfile::mkstemp(o, false, ec);
        if (ec) return;
        check_name(f.path, o, "mkstemp");
        f.handle.close();
        fs::remove(f.path);
    });
    ec_call("mkdtemp", refused, [&](std::error_code& ec) {
        fs::path p = tempfile::mkdtemp(o, ec);
        if (ec) return;
        check_name(p, o, "mkdtemp");
        check(fs::is_directory(p), "mkdtemp made no directory");
        fs::remove(p);
    });
    ec_call("mktemp", refused, [&](std::error_code& ec) {
        fs::path p = tempfile::mktemp(o, ec);
        if (!ec) check_name(p, o, "mktemp");
    });
    ec_call("temporary_file::create", refused,
            [&](std::error_code& ec) { tempfile::temporary_file::create(o, ec); });
    tempfile::named_file_options n;
    n.prefix = o.prefix;
    n.suffix = o.suffix;
    n.dir = o.dir;
    ec_call("named_temporary_file::create", refused, [&](std::error_code& ec) {
        tempfile::named_temporary_file f = tempfile::named_temporary_file::create(n, ec);
        if (!ec) check_name(f.path(), o, "named_temporary_file");
    });
    tempfile::directory_options d;
    d.prefix = o.prefix;
    d.suffix = o.suffix;
    d.dir = o.dir;
    ec_call("temporary_directory::create", refused, [&](std::error_code& ec) {
        tempfile::temporary_directory t = tempfile::temporary_directory::create(d, ec);
        if (!ec) check_name(t.path(), o, "temporary_directory");
    });
    ec_call("spooled_temporary_file::create", bad_part(o.prefix) || bad_part(o.suffix),
            [&](std::error_code& ec) { tempfile::spooled_temporary_file::create(0, o, ec); });
    try {
        tempfile::created_file f = tempfile::mkstemp(o);
        check(!refused, "mkstemp accepted bad options");
        f.handle.close();
        fs::remove(f.path);
    } catch (const std::invalid_argument&) {
        check(refused, "mkstemp refused good options with invalid_argument");
    } catch (const fs::filesystem_error& e) {
        check(!refused, std::string("mkstemp refused bad options with an OS error: ") + e.what());
    }
    check_fixtures(work, "creating with these options");

    if (choice & 0x80) {
        // Paths with a NUL inside, each pointing (up to the NUL) at something real.
        const std::string nul_tail = std::string(1, '\0') + tail;
        const fs::path victim((work / "victim").string() + nul_tail);
        const fs::path fresh((work / "persisted").string() + nul_tail);
        ec_call("remove_tree", true, [&](std::error_code& ec) { tempfile::remove_tree(victim, ec); });
        check_fixtures(work, "remove_tree of a path with a NUL");
        ec_call("atomic_file::create", true, [&](std::error_code& ec) {
            tempfile::atomic_file a = tempfile::atomic_file::create(fresh, ec);
            if (!ec) a.commit(ec);
        });
        check_fixtures(work, "atomic_file of a path with a NUL");
        ec_call("named_temporary_file::persist", true, [&](std::error_code& ec) {
            tempfile::named_file_options in_sub;
            in_sub.dir = work / "sub";
            tempfile::named_temporary_file f(in_sub);
            f.persist(fresh, true, ec);
        });
        check_fixtures(work, "named_temporary_file::persist to a path with a NUL");
        ec_call("temporary_file::persist", true, [&](std::error_code& ec) {
            tempfile::temporary_file f;
            f.persist(fresh, ec);
        });
        check_fixtures(work, "temporary_file::persist to a path with a NUL");
    }
    return 0;
}
