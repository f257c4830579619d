// SPDX-License-Identifier: MIT
// reap_orphans: the order of the checks is the whole point, and it lives
// here, once for every OS; the OS layer only answers (status_at), locks
// (lock_exclusive_at) and removes (remove_locked_at), each relative to one
// open handle of the directory.
//
//   1. the name, the type, the owner and the age, from a stat that does not
//      follow links: cheap, and never touches a young entry, whose owner may
//      be about to take its lock;
//   2. an exclusive lock, without waiting: refused while an owner lives;
//   3. holding it, the name must still lead to what was locked, which must
//      still be what step 1 saw: else someone replaced it meanwhile, and it
//      is left for another round;
//   4. the removal.
#include <tempfile/reap.hpp>

#include "names_internal.hpp"
#include "os.hpp"

#include <tempfile/file.hpp>

#include <algorithm>
#include <new>
#include <utility>

namespace tempfile {
namespace os = detail::os;
namespace {

using name_string = fs::path::string_type;
using kind = os::entry_status::kind;

/// Closes an OS handle at scope exit.
class handle_guard {
public:
    explicit handle_guard(os::handle h) noexcept : h_(h) {}
    handle_guard(const handle_guard&) = delete;
    handle_guard& operator=(const handle_guard&) = delete;
    ~handle_guard() {
        if (h_ != file::invalid_handle()) (void)os::close(h_);
    }
    os::handle get() const noexcept { return h_; }

private:
    os::handle h_;
};

bool is_name_character(name_string::value_type c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/// prefix + exactly 8 characters of [a-z0-9_] + suffix, as names.cpp makes them.
bool is_temporary_name(const name_string& name, const name_string& prefix, const name_string& suffix) {
    constexpr std::size_t random_length = 8;
    if (name.size() != prefix.size() + random_length + suffix.size()) return false;
    if (name.compare(0, prefix.size(), prefix) != 0) return false;
    if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
    const auto first = name.begin() + static_cast<std::ptrdiff_t>(prefix.size());
    return std::all_of(first, first + random_length, is_name_character);
}

bool same_entry(const os::entry_status& a, const os::entry_status& b) noexcept {
    return a.type == b.type &&
           std::equal(std::begin(a.identity), std::end(a.identity), std::begin(b.identity));
}

class reaper {
public:
    reaper(const reap_options& options, reap_result& result) : options_(options), result_(result) {}

    void run(std::error_code& ec, fs::path& failed);

private:
    void consider(const name_string& name);
    void note(std::error_code ec, const fs::path& where);
    bool old_enough(const os::entry_status& st) const noexcept { return st.age >= min_age_; }

    const reap_options& options_;
    reap_result& result_;
    fs::path dir_;
    os::handle dir_handle_ = file::invalid_handle();
    name_string prefix_;
    name_string suffix_;
    std::chrono::nanoseconds min_age_{};
    std::error_code first_error_;
    fs::path first_error_path_;
};

void reaper::run(std::error_code& ec, fs::path& failed) {
    detail::check_affixes(options_.prefix, options_.suffix, ec);
    if (ec) return;
    dir_ = detail::resolve_directory(options_.dir, ec);
    if (ec) {
        failed = options_.dir;
        return;
    }
    prefix_ = os::native_name(options_.prefix);
    suffix_ = os::native_name(options_.suffix);
    // Ages are compared in nanoseconds, which hold about 292 years: a
    // longer min_age means never.
    constexpr auto longest =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::nanoseconds::max());
    min_age_ = options_.min_age >= longest
                   ? std::chrono::nanoseconds::max()
                   : std::max<std::chrono::nanoseconds>(options_.min_age, reap_min_age_floor);
    handle_guard dir(os::open_directory(dir_, ec));
    if (ec) {
        failed = dir_;
        return;
    }
    dir_handle_ = dir.get();
    const std::vector<name_string> names = os::list_names(dir_handle_, ec);
    if (ec) {
        failed = dir_;
        return;
    }
    for (const name_string& name : names)
        if (is_temporary_name(name, prefix_, suffix_)) consider(name);
    ec = first_error_;
    failed = std::move(first_error_path_);
}

void reaper::consider(const name_string& name) {
    const fs::path path = dir_ / name;
    std::error_code ec;
    os::entry_status seen;
    if (!os::status_at(dir_handle_, name, seen, ec)) return note(ec, path);  // gone: no error
    if (seen.type == kind::other || !seen.owned || !old_enough(seen)) return;

    os::lock_state state = os::lock_state::gone;
    os::entry_status locked;
    handle_guard lock(os::lock_exclusive_at(dir_handle_, name, seen.type, state, locked, ec));
    if (ec) return note(ec, path);
    if (state == os::lock_state::busy) {
        result_.alive.push_back(path);
        return;
    }
    // What was locked must be what was judged (an entry touched meanwhile is
    // younger now), and the name must still lead to it.
    if (state == os::lock_state::gone || !same_entry(locked, seen) || !old_enough(locked)) return;
    os::entry_status now;
    if (!os::status_at(dir_handle_, name, now, ec)) return note(ec, path);
    if (!same_entry(now, locked)) return;

    if (options_.dry_run) {
        result_.removed.push_back(path);
        return;
    }
    fs::path failed;
    const std::uintmax_t removed =
        os::remove_locked_at(dir_handle_, name, lock.get(), locked.type, path, ec, failed);
    result_.entries += removed;
    if (ec) {
        result_.failed.push_back(path);
        if (!first_error_) {
            first_error_ = ec;
            first_error_path_ = failed.empty() ? path : failed;
        }
        return;
    }
    if (removed == 0) return;  // gone meanwhile: someone else's doing, not ours
    result_.removed.push_back(path);
}

void reaper::note(std::error_code ec, const fs::path& where) {
    if (!ec) return;
    result_.failed.push_back(where);
    if (first_error_) return;
    first_error_ = ec;
    first_error_path_ = where;
}

reap_result reap(const reap_options& options, std::error_code& ec, fs::path& failed) noexcept {
    ec.clear();
    reap_result result;
    try {
        reaper(options, result).run(ec, failed);
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
    }
    return result;
}

}  // namespace

reap_result reap_orphans(const reap_options& options, std::error_code& ec) {
    fs::path failed;
    return reap(options, ec, failed);
}

reap_result reap_orphans(const reap_options& options) {
    std::error_code ec;
    fs::path failed;
    reap_result result = reap(options, ec, failed);
    if (ec) detail::throw_error("reap_orphans", failed.empty() ? options.dir : failed, ec);
    return result;
}

}  // namespace tempfile
