// SPDX-License-Identifier: MIT
// atomic_file: write beside the target, then replace it whole. The temporary
// lives in the target's directory, since a rename is atomic only within one
// file system.
#include <tempfile/atomic_file.hpp>

#include "names_internal.hpp"
#include "os.hpp"
#include "owner_registry.hpp"

#include <new>
#include <utility>

namespace tempfile {
namespace os = detail::os;
namespace {

// The longest file name the OS takes: NAME_MAX is 255 bytes on Linux, macOS
// (APFS) and the BSDs, and Windows takes 255 UTF-16 units: 255 units of the
// native string either way.
constexpr std::size_t name_max = 255;
// ".<name>.<8 random>.tmp": what the temporary's name adds to the target's.
constexpr std::size_t decoration = 1 + 1 + 8 + 4;

// True for a unit that continues a character: a UTF-8 continuation byte
// (10xxxxxx), or a UTF-16 low surrogate. A cut just before one would split
// the character and leave an invalid name.
template <class Char>
bool continues_a_character(Char c) noexcept {
    if constexpr (sizeof(Char) == 1)
        return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
    else
        return c >= 0xDC00 && c <= 0xDFFF;
}

// The part of the target's name the temporary copies: all of it when it
// fits, else its longest prefix that fits and ends on a character boundary,
// so that every valid target name (up to 255) gets a valid temporary name.
fs::path copied_part(const fs::path& name) {
    const fs::path::string_type& units = name.native();
    std::size_t keep = name_max - decoration;
    if (units.size() <= keep) return name;
    while (keep > 0 && continues_a_character(units[keep])) --keep;
    return fs::path(units.substr(0, keep));
}

// create_unique takes the prefix as UTF-8 on every platform; path::string()
// would be the ANSI code page on Windows, and lose what it cannot spell.
std::string utf8(const fs::path& p) {
    const auto bytes = p.u8string();  // std::string in C++17, std::u8string in C++20
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace

atomic_file::atomic_file(const fs::path& target) {
    std::error_code ec;
    *this = create(target, ec);
    if (ec) {
        // A target that is a directory is named itself; else its directory,
        // where creating the temporary failed.
        std::error_code ignored;
        fs::path absolute = fs::absolute(target, ignored);
        fs::path where = ec == std::errc::is_a_directory ? absolute : absolute.parent_path();
        detail::throw_error("atomic_file", where.empty() ? target : where, ec);
    }
}

atomic_file atomic_file::create(const fs::path& target, std::error_code& ec) {
    ec.clear();
    atomic_file result;
    try {
        detail::check_path(target, ec);
        if (ec) return result;
        fs::path absolute = fs::absolute(target, ec);
        if (ec) return result;
        const fs::path name = absolute.filename();
        std::error_code ignored;  // a target that cannot be looked at fails below, naming its directory
        if (name.empty() || name == "." || name == ".." || fs::is_directory(fs::status(absolute, ignored))) {
            // "dir/", ".", an existing directory (or a link to one): no file can
            // replace it, so fail now rather than at commit(), after the writing.
            ec = std::make_error_code(std::errc::is_a_directory);
            return result;
        }
        // Hidden, and recognisably ours: ".<name>.<8 random>.tmp", the name cut
        // short if need be. It holds no separator, so it passes create_unique's
        // prefix check.
        os::handle handle = file::invalid_handle();
        fs::path temporary = detail::create_unique(
            "." + utf8(copied_part(name)) + ".", ".tmp", absolute.parent_path(),
            [&](const fs::path& candidate, std::error_code& e) {
                handle = os::create_exclusive(candidate, false, e);
            },
            ec);
        if (ec) return result;
        result.file::operator=(file(handle));
        result.target_ = std::move(absolute);
        result.temporary_ = std::move(temporary);
        result.generation_ = detail::current_generation();
        result.registration_ = detail::register_owned(result.temporary_, detail::owned_kind::file);
        // Replacing a file must not change who may read it.
        os::copy_permissions(result.target_, result.native_handle(), ec);
        if (ec) result.discard();
    } catch (const std::bad_alloc&) {
        result.discard();  // deletes whatever was made
        ec = detail::out_of_memory();
    }
    return result;
}

atomic_file::atomic_file(atomic_file&& other) noexcept
    : file(static_cast<file&&>(other)),  // only the base part: the members follow one by one
      target_(std::move(other.target_)),
      temporary_(std::move(other.temporary_)),
      generation_(other.generation_),
      registration_(std::exchange(other.registration_, nullptr)) {
    other.target_.clear();
    other.temporary_.clear();
}

atomic_file& atomic_file::operator=(atomic_file&& other) noexcept {
    if (this == &other) return *this;
    discard();
    file::operator=(static_cast<file&&>(other));  // only the base part
    target_ = std::move(other.target_);
    other.target_.clear();
    temporary_ = std::move(other.temporary_);
    other.temporary_.clear();
    generation_ = other.generation_;
    registration_ = std::exchange(other.registration_, nullptr);
    return *this;
}

atomic_file::~atomic_file() {
    discard();
}

// Closes and deletes the temporary; target is never touched. A fork()ed
// child's copy closes its descriptor and leaves the temporary to its parent.
void atomic_file::discard() noexcept {
    try {
        close();
    } catch (...) {
    }
    if (!temporary_.empty() && generation_ == detail::current_generation()) {
        std::error_code ignored;
        os::remove_file(temporary_, ignored);
    }
    temporary_.clear();
    detail::unregister_owned(registration_);
}

void atomic_file::commit() {
    std::error_code ec;
    commit(ec);
    if (ec) detail::throw_error("atomic_file::commit", target_, ec);
}

void atomic_file::commit(std::error_code& ec) {
    ec.clear();
    if (temporary_.empty() || !is_open()) {  // committed, discarded, or empty
        ec = std::make_error_code(std::errc::bad_file_descriptor);
        return;
    }
    // A write that failed (a full disk, EFBIG), even one only the stream saw
    // and whose badbit was cleared since, means the content is not whole:
    // publishing it would lose the old content for a truncated new one.
    ec = write_error();
    if (!ec) {
        try {
            sync();  // the data is on disk before the name points at it
            close();
        } catch (const std::system_error& e) {
            ec = e.code();
        } catch (const std::bad_alloc&) {  // the stream's newline translation
            ec = detail::out_of_memory();
        }
    }
    if (!ec) os::rename(temporary_, target_, /*overwrite=*/true, /*write_through=*/true, ec);
    if (ec) {
        discard();
        return;
    }
    temporary_.clear();
    detail::unregister_owned(registration_);
    // The rename itself is durable only once the directory is synced. If this
    // fails, target already holds the new content; the error says it may not
    // survive a power cut.
    try {
        os::sync_directory(target_.parent_path(), ec);
    } catch (const std::bad_alloc&) {
        ec = detail::out_of_memory();
    }
}

const fs::path& atomic_file::target() const noexcept {
    return target_;
}

const fs::path& atomic_file::temporary_path() const noexcept {
    return temporary_;
}

}  // namespace tempfile
