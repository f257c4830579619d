// SPDX-License-Identifier: MIT
#include "rows.hpp"

#include <tempfile/tempfile.hpp>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace fault {
namespace {

const std::string big(65536, 'n');  // past EFBIG's 4 KiB limit and a stream buffer

tempfile::name_options names_in(const fs::path& dir) {
    tempfile::name_options o;
    o.dir = dir;
    return o;
}
tempfile::named_file_options named_in(const fs::path& dir) {
    tempfile::named_file_options o;
    o.dir = dir;
    return o;
}
tempfile::directory_options directory_in(const fs::path& dir) {
    tempfile::directory_options o;
    o.dir = dir;
    return o;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Calls an error_code form: it must not throw, and its error becomes `reported`.
template <typename F>
void ec_form(context& c, F call) {
    std::error_code ec;
    c.under_fault([&] {
        try {
            call(ec);
        } catch (const std::exception& e) {
            throw broken(std::string("the error_code form threw: ") + e.what());
        } catch (...) {
            throw broken("the error_code form threw");
        }
    });
    if (ec) throw reported(ec);
}

/// Runs the write-and-commit of an atomic_file, then checks that the target
/// holds the new content after a success and the old one after a failure.
void atomic_commit(context& c, const std::string& content,
                   const std::function<void(tempfile::atomic_file&)>& body) {
    c.fixture("target");
    fs::path target = c.dir() / "target";
    std::optional<tempfile::atomic_file> a(std::in_place, target);
    try {
        c.under_fault([&] { body(*a); });
    } catch (...) {
        a.reset();
        std::string now = read_text(target);
        expect(now == "old",
               "a failed commit changed the target to " + std::to_string(now.size()) + " bytes");
        throw;
    }
    std::string now = read_text(target);
    expect(now == content, "commit succeeded but the target holds " + std::to_string(now.size()) + " bytes");
}

void make_tree(context& c) {
    c.fixture("tree/");
    c.fixture("tree/sub/");
    c.fixture("tree/sub/deeper/");
    c.fixture("tree/a");
    c.fixture("tree/sub/b");
    c.fixture("tree/sub/deeper/c");
}

const std::vector<row> rows = {
    {"gettempdir()",
     [](context& c) {
         c.make_dir_the_only_temp_candidate();
         tempfile::set_tempdir({});
         fs::path p;
         c.under_fault([&] { p = tempfile::gettempdir(); });
         expect(p == c.dir(), "gettempdir() gave " + p.string());
     }},
    {"gettempdir(ec)",
     [](context& c) {
         c.make_dir_the_only_temp_candidate();
         tempfile::set_tempdir({});
         fs::path p;
         ec_form(c, [&](std::error_code& ec) { p = tempfile::gettempdir(ec); });
         expect(p == c.dir(), "gettempdir(ec) gave " + p.string());
     }},
    {"mkstemp",
     [](context& c) {
         const auto o = names_in(c.dir());
         tempfile::created_file f;
         c.under_fault([&] { f = tempfile::mkstemp(o); });
         f.handle.close();
         expect(f.path.parent_path() == c.dir(), "made outside dir");
         fs::remove(f.path);
     }},
    {"mkstemp(ec)",
     [](context& c) {
         const auto o = names_in(c.dir());
         tempfile::created_file f;
         ec_form(c, [&](std::error_code& ec) { f = tempfile::mkstemp(o, false, ec); });
         f.handle.close();
         fs::remove(f.path);
     }},
    {"mkdtemp",
     [](context& c) {
         const auto o = names_in(c.dir());
         fs::path p;
         c.under_fault([&] { p = tempfile::mkdtemp(o); });
         expect(fs::is_directory(p), "no directory");
         fs::remove(p);
     }},
    {"mkdtemp(ec)",
     [](context& c) {
         const auto o = names_in(c.dir());
         fs::path p;
         ec_form(c, [&](std::error_code& ec) { p = tempfile::mkdtemp(o, ec); });
         fs::remove(p);
     }},
    {"mktemp",
     [](context& c) {
         const auto o = names_in(c.dir());
         fs::path p;
         c.under_fault([&] { p = tempfile::mktemp(o); });  // deprecated: still tested
         expect(!p.empty() && !fs::exists(p), "mktemp gave an existing or empty name");
     }},
    {"temporary_file()",
     [](context& c) {
         const auto o = names_in(c.dir());
         std::optional<tempfile::temporary_file> f;
         c.under_fault([&] { f.emplace(o); });
     }},
    {"temporary_file::create(ec)",
     [](context& c) {
         const auto o = names_in(c.dir());
         std::optional<tempfile::temporary_file> g;
         ec_form(c, [&](std::error_code& ec) { g.emplace(tempfile::temporary_file::create(o, ec)); });
     }},
    {"temporary_file write 64 KiB",
     [](context& c) {
         tempfile::temporary_file f(names_in(c.dir()));
         c.under_fault([&] { f.write(big); });
         f.seek(0);
         expect(f.read_all() == big, "read back something else");
     }},
    {"temporary_file::persist",
     [](context& c) {
         tempfile::temporary_file f(names_in(c.dir()));
         f.write("new");
         const fs::path to = c.dir() / "persisted";
         c.under_fault([&] { f.persist(to); });
         expect(read_text(c.dir() / "persisted") == "new", "persisted file has other content");
         fs::remove(c.dir() / "persisted");
     }},
    {"file::truncate to 1 MiB",
     [](context& c) {
         tempfile::temporary_file f(names_in(c.dir()));
         c.under_fault([&] { f.truncate(1 << 20); });
         expect(f.size() == (1u << 20), "size differs");
     }},
    {"named_temporary_file()",
     [](context& c) {
         const auto o = named_in(c.dir());
         std::optional<tempfile::named_temporary_file> f;
         c.under_fault([&] { f.emplace(o); });
     }},
    {"named_temporary_file::create(ec)",
     [](context& c) {
         const auto o = named_in(c.dir());
         std::optional<tempfile::named_temporary_file> f;
         ec_form(c, [&](std::error_code& ec) { f.emplace(tempfile::named_temporary_file::create(o, ec)); });
     }},
    {"named_temporary_file stream + close()",
     [](context& c) {
         auto o = named_in(c.dir());
         o.delete_on_close = false;
         tempfile::named_temporary_file f(o);
         c.under_fault([&] {
             f.stream() << big;
             f.close();
         });
         expect(read_text(f.path()) == big, "closed file holds other content");
     }},
    {"named_temporary_file::persist",
     [](context& c) {
         tempfile::named_temporary_file f(named_in(c.dir()));
         f.write("new");
         const fs::path to = c.dir() / "persisted";
         c.under_fault([&] { f.persist(to, false); });
         expect(read_text(c.dir() / "persisted") == "new", "persisted file has other content");
         f.close();
         fs::remove(c.dir() / "persisted");
     }},
    {"named_temporary_file::remove()",
     [](context& c) {
         tempfile::named_temporary_file f(named_in(c.dir()));
         c.under_fault([&] { f.remove(); });
         expect(!fs::exists(f.path()), "still there");
     }},
    {"temporary_directory()",
     [](context& c) {
         const auto o = directory_in(c.dir());
         std::optional<tempfile::temporary_directory> d;
         c.under_fault([&] { d.emplace(o); });
     }},
    {"temporary_directory::create(ec)",
     [](context& c) {
         const auto o = directory_in(c.dir());
         std::optional<tempfile::temporary_directory> d;
         ec_form(c, [&](std::error_code& ec) { d.emplace(tempfile::temporary_directory::create(o, ec)); });
     }},
    {"temporary_directory::cleanup()",
     [](context& c) {
         tempfile::temporary_directory d(directory_in(c.dir()));
         fs::create_directory(d / "sub");
         std::ofstream(d / "sub" / "file") << "x";
         c.under_fault([&] { d.cleanup(); });
         expect(!fs::exists(d.path()), "still there");
     }},
    {"atomic_file(target)",
     [](context& c) {
         c.fixture("target");
         const fs::path target = c.dir() / "target";
         std::optional<tempfile::atomic_file> a;
         c.under_fault([&] { a.emplace(target); });
     }},
    {"atomic_file::create(ec)",
     [](context& c) {
         c.fixture("target");
         const fs::path target = c.dir() / "target";
         std::optional<tempfile::atomic_file> a;
         ec_form(c, [&](std::error_code& ec) { a.emplace(tempfile::atomic_file::create(target, ec)); });
     }},
    {"atomic_file write 64 KiB + commit()",
     [](context& c) {
         atomic_commit(c, big, [](tempfile::atomic_file& a) {
             a.write(big);
             a.commit();
         });
     }},
    {"atomic_file stream 64 KiB + commit()",
     [](context& c) {
         atomic_commit(c, big, [](tempfile::atomic_file& a) {
             a.stream() << big;
             a.commit();
         });
     }},
    {"atomic_file::commit()",
     [](context& c) {
         c.fixture("target");
         tempfile::atomic_file a(c.dir() / "target");
         a.write("new");
         try {
             c.under_fault([&] { a.commit(); });
         } catch (...) {
             expect(read_text(c.dir() / "target") == "old", "a failed commit changed the target");
             throw;
         }
         expect(read_text(c.dir() / "target") == "new", "target not replaced");
     }},
    {"spooled_temporary_file write (rollover)",
     [](context& c) {
         tempfile::spooled_temporary_file s(16, names_in(c.dir()));
         c.under_fault([&] { s.write(big); });
         expect(s.rolled_over(), "did not roll over");
         s.seek(0);
         expect(s.read_all() == big, "read back something else");
     }},
    {"spooled_temporary_file::rollover()",
     [](context& c) {
         tempfile::spooled_temporary_file s(0, names_in(c.dir()));
         s.write("data");
         c.under_fault([&] { s.rollover(); });
         s.seek(0);
         expect(s.read_all() == "data", "content lost in the rollover");
     }},
    {"spooled_temporary_file::create(ec)",
     [](context& c) {
         const auto o = names_in(c.dir());
         std::optional<tempfile::spooled_temporary_file> s;
         ec_form(
             c, [&](std::error_code& ec) { s.emplace(tempfile::spooled_temporary_file::create(16, o, ec)); });
     }},
    {"remove_tree",
     [](context& c) {
         make_tree(c);
         const fs::path tree = c.dir() / "tree";
         c.under_fault([&] { tempfile::remove_tree(tree); });
         expect(!fs::exists(c.dir() / "tree"), "tree still there");
     }},
    {"remove_tree(ec)",
     [](context& c) {
         make_tree(c);
         const fs::path tree = c.dir() / "tree";
         ec_form(c, [&](std::error_code& ec) { tempfile::remove_tree(tree, ec); });
         expect(!fs::exists(c.dir() / "tree"), "tree still there");
     }},
    {"enable_signal_cleanup()", [](context& c) { c.under_fault([] { tempfile::enable_signal_cleanup(); }); }},
};

}  // namespace

const std::vector<row>& all_rows() {
    return rows;
}

}  // namespace fault
