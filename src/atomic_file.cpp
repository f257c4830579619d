// SPDX-License-Identifier: MIT
// atomic_file: write beside the target, then replace it whole. The temporary
// lives in the replaced file's directory, since a rename is atomic only
// within one file system. Which file that is: atomic_target.cpp.
#include <tempfile/atomic_file.hpp>

#include "atomic_target.hpp"
#include "mode.hpp"
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

atomic_file::atomic_file(const fs::path& target) : atomic_file(target, atomic_file_options{}) {}

atomic_file::atomic_file(const fs::path& target, const atomic_file_options& options) {
    std::error_code ec;
    fs::path failed_at;
    *this = create(target, options, ec, &failed_at);
    if (ec) {
        discard();  // a temporary that could not be deleted: no destructor will run
        detail::unregister_owned(registration_);
        detail::throw_error("atomic_file", failed_at.empty() ? target : failed_at, ec);
    }
}

atomic_file atomic_file::create(const fs::path& target, std::error_code& ec) {
    return create(target, atomic_file_options{}, ec, nullptr);
}

atomic_file atomic_file::create(const fs::path& target, const atomic_file_options& options,
                                std::error_code& ec) {
    return create(target, options, ec, nullptr);
}

// `failed_at` (the constructor's) receives what its error names: target for
// a directory or a loop of links, else the directory where the temporary
// could not be made.
atomic_file atomic_file::create(const fs::path& target, const atomic_file_options& options,
                                std::error_code& ec, fs::path* failed_at) {
    ec.clear();
    atomic_file result;
    try {
        detail::check_path(target, ec);
        if (ec) return result;
        const unsigned chosen_mode = detail::creation_mode(options.mode, 0, ec);
        if (ec) return result;
        fs::path absolute = fs::absolute(target, ec);
        if (ec) return result;
        fs::path resolved;
        const bool linked = detail::follow_links(absolute, resolved, ec);
        if (ec) {
            if (failed_at) *failed_at = absolute;
            return result;
        }
        const fs::path& destination = linked ? resolved : absolute;
        os::target_status status;
        // A target that cannot be looked at fails below, where the temporary
        // cannot be made beside it either, naming its directory.
        os::status_of_target(destination, status, ec);
        if (ec) status = os::target_status{};
        const fs::path name = destination.filename();
        if (name.empty() || name == "." || name == ".." || status.directory) {
            // "dir/", ".", an existing directory (or a link to one): no file can
            // replace it, so fail now rather than at commit(), after the writing.
            ec = std::make_error_code(std::errc::is_a_directory);
            if (failed_at) *failed_at = absolute;
            return result;
        }
        // A new target gets 0666 less the umask from open(2) itself, as any
        // program's new file. Bits that are to be exact (a target's, or
        // options.mode) start from 0600 and are set before anything is
        // written, so that nobody can open it meanwhile with wider rights.
        const bool exact = options.mode.has_value() || status.exists;
        // Hidden, and recognisably ours: ".<name>.<8 random>.tmp", the name cut
        // short if need be. It holds no separator, so it passes create_unique's
        // prefix check.
        os::handle handle = file::invalid_handle();
        fs::path temporary = detail::create_unique(
            "." + utf8(copied_part(name)) + ".", ".tmp", destination.parent_path(),
            [&](const fs::path& candidate, std::error_code& e) {
                handle = os::create_replacement(candidate, exact ? 0600 : 0666, e);
            },
            ec);
        if (ec) {
            if (failed_at) *failed_at = destination.parent_path();
            return result;
        }
        result.file::operator=(file(handle));
        result.target_ = std::move(absolute);
        if (linked) result.replaced_ = std::move(resolved);
        result.temporary_ = std::move(temporary);
        result.sync_ = options.sync;
        result.generation_ = detail::current_generation();
        result.registration_ = detail::register_owned(result.temporary_, detail::owned_kind::file);
        // Replacing a file must change neither whose it is nor who may read
        // it. The owner first: a chown may clear mode bits.
        os::copy_owner(result.native_handle(), status, ec);
        const unsigned bits = options.mode ? chosen_mode : status.mode;
        if (!ec && exact && bits != 0600) os::set_mode(result.native_handle(), bits, ec);
        if (ec) result.discard();  // the constructor names target
    } catch (const std::bad_alloc&) {
        result.discard();  // deletes whatever was made
        ec = detail::out_of_memory();
    }
    return result;
}

atomic_file::atomic_file(atomic_file&& other) noexcept
    : file(static_cast<file&&>(other)),  // only the base part: the members follow one by one
      target_(std::move(other.target_)),
      replaced_(std::move(other.replaced_)),
      temporary_(std::move(other.temporary_)),
      sync_(other.sync_),
      generation_(other.generation_),
      registration_(std::exchange(other.registration_, nullptr)) {
    other.target_.clear();
    other.replaced_.clear();
    other.temporary_.clear();
}

atomic_file& atomic_file::operator=(atomic_file&& other) noexcept {
    if (this == &other) return *this;
    discard();
    // A temporary that could not be deleted is given up: this object now
    // owns `other`'s.
    detail::unregister_owned(registration_);
    file::operator=(static_cast<file&&>(other));  // only the base part
    target_ = std::move(other.target_);
    other.target_.clear();
    replaced_ = std::move(other.replaced_);
    other.replaced_.clear();
    temporary_ = std::move(other.temporary_);
    other.temporary_.clear();
    sync_ = other.sync_;
    generation_ = other.generation_;
    registration_ = std::exchange(other.registration_, nullptr);
    return *this;
}

atomic_file::~atomic_file() {
    discard();
    detail::unregister_owned(registration_);  // a last attempt failed: nothing more can be done
}

// Closes and deletes the temporary; target is never touched. A fork()ed
// child's copy closes its descriptor and leaves the temporary to its parent.
// A second call finds nothing to do, unless the deletion failed (EROFS,
// EACCES): then the temporary is still this object's, named by
// temporary_path() and registered for the signal handler, and the next
// discard() or the destructor tries again.
void atomic_file::discard() noexcept {
    try {
        close();
    } catch (...) {
    }
    if (!temporary_.empty() && generation_ == detail::current_generation()) {
        std::error_code ec;
        os::remove_file(temporary_, ec);
        if (ec) return;
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
    // All that the steps after the rename need is made before it (the
    // directory to sync is opened, its path built), so that nothing
    // allocates once target holds the new content: a failed commit() never
    // changed the target.
    os::handle directory = file::invalid_handle();
    std::error_code directory_error;  // reported after the rename, as a failed sync would be
    if (!ec) {
        try {
            if (sync_ != durability::none) sync();  // the data is on disk before the name points at it
            close();                                // flushes the stream in any case
            if (sync_ == durability::full)
                directory = os::open_directory_for_sync(destination().parent_path(), directory_error);
        } catch (const std::system_error& e) {
            ec = e.code();
        } catch (const std::bad_alloc&) {  // the stream's newline translation, the directory's path
            ec = detail::out_of_memory();
        }
    }
    if (!ec) os::replace(temporary_, destination(), /*write_through=*/sync_ != durability::none, ec);
    if (ec) {
        if (directory != file::invalid_handle()) os::close(directory);
        discard();  // keeps the temporary if it cannot be deleted
        return;
    }
    temporary_.clear();
    detail::unregister_owned(registration_);
    // The rename itself is durable only once the directory is synced. If this
    // fails, target already holds the new content; the error says it may not
    // survive a power cut.
    ec = directory_error;
    if (directory != file::invalid_handle()) {
        os::sync_directory(directory, ec);
        os::close(directory);
    }
}

const fs::path& atomic_file::target() const noexcept {
    return target_;
}

const fs::path& atomic_file::temporary_path() const noexcept {
    return temporary_;
}

const fs::path& atomic_file::destination() const noexcept {
    return replaced_.empty() ? target_ : replaced_;
}

}  // namespace tempfile
