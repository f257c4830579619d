// SPDX-License-Identifier: MIT
// The POSIX half of remove_tree (see tempfile/remove_tree.hpp for what it
// guarantees). The root is resolved through its path once: its parent is
// opened, and from then on every call is relative to an open directory
// handle, so no name swapped for a symbolic link can redirect the walk.
//
// The walk keeps an explicit stack (no recursion) and holds at most
// max_open_directories streams. Deeper ancestors are closed, their identity
// (st_dev, st_ino) noted, and later re-opened through ".." of their child;
// a ".." that is no longer the directory we left (the child was moved, by
// rename or RENAME_EXCHANGE) is never used: the walk starts over from the
// root, whose handle it never lets go. gnulib's fts checks ".." the same way.
#include "posix/remove_tree_posix.hpp"
#include "os.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace tempfile::detail::os {
namespace {
using tree::dir_stream;

/// Directory streams held at once, the root's included (the root's parent is
/// one more handle). Enough that ordinary trees are never re-opened; small
/// enough for RLIMIT_NOFILE 64 and for programs that need their own handles.
constexpr std::size_t max_open_directories = 16;
/// Times the walk may start over from the root because the tree was
/// rearranged above where it was working; then it gives up with EAGAIN.
constexpr int max_restarts = 64;
/// Attempts on one name that keeps changing between directory and
/// non-directory, or keeps refilling, before giving up on it with EAGAIN.
/// Only passes that removed nothing count: where readdir skips entries
/// after unlinks (HFS+, Apple TA21420; FreeBSD's NFS client), each pass
/// over a large directory removes some of it, and the walk reads it again
/// for as long as that goes on.
constexpr int max_attempts = 8;

constexpr std::size_t no_frame = static_cast<std::size_t>(-1);

/// One directory on the way from the root to where the walk is.
struct frame {
    dir_stream dir;    // empty while closed to bound the handles held
    std::string name;  // in the parent
    dev_t dev = 0;     // identity, noted when the stream was closed
    ino_t ino = 0;
    bool identity_known = false;
    bool mode_fixed = false;  // u+rwx already tried
    bool rescanning = false;  // read again from the start: skip `failed`
    bool incomplete = false;  // something inside could not be removed
    int attempts_left = 0;
    std::uintmax_t removed_before = 0;  // the walk's count when this pass began
    std::vector<std::string> failed;    // entries here that could not be removed
};

bool is_dot_or_dot_dot(const char* n) noexcept {
    return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

bool is_directory_at(int dir_fd, const char* name) noexcept {
    struct stat st;
    return ::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

class tree_remover {
public:
    tree_remover(int parent_fd, const fs::path& root_path, const char* root_name) noexcept
        : parent_fd_(parent_fd), root_path_(root_path), root_name_(root_name) {}

    std::uintmax_t run(std::error_code& ec, fs::path* failed_entry) noexcept;

private:
    enum class outcome { done, is_directory, not_directory };

    std::size_t top() const noexcept { return stack_.size() - 1; }
    int dir_fd(std::size_t owner) const noexcept {
        return owner == no_frame ? parent_fd_ : stack_[owner].dir.fd();
    }

    void walk();
    void remove_entry(std::size_t owner, const char* name, unsigned char type, int attempts);
    outcome unlink_entry(std::size_t owner, const char* name);
    outcome descend(std::size_t owner, const char* name, int attempts_left);
    void finish_top();
    void remove_directory(std::size_t owner, const char* name, bool incomplete, int attempts_left,
                          bool progressed);
    int reopen_parent_of_top();
    bool close_oldest() noexcept;
    void restart();
    void give_up();
    bool fix_owner(std::size_t owner) noexcept;
    bool clear_flags(std::size_t owner, const char* name) noexcept;
    void fail(std::size_t owner, const char* name, int err);
    fs::path path_of(std::size_t owner, const char* name) const;

    const int parent_fd_;
    const fs::path& root_path_;
    const char* const root_name_;
    std::vector<frame> stack_;
    std::size_t open_count_ = 0;
    std::size_t lowest_open_ = 1;  // frames 1 .. lowest_open_-1 are closed, the rest open
    std::uintmax_t removed_ = 0;
    int restarts_ = 0;
    bool giving_up_ = false;
    int first_error_ = 0;
    fs::path first_error_path_;
};

std::uintmax_t tree_remover::run(std::error_code& ec, fs::path* failed_entry) noexcept {
    try {
        walk();
    } catch (const std::bad_alloc&) {
        if (first_error_ == 0) first_error_ = ENOMEM;
        stack_.clear();
    }
    if (first_error_ != 0) {
        ec.assign(first_error_, std::system_category());
        if (failed_entry != nullptr) *failed_entry = std::move(first_error_path_);
    }
    return removed_;
}

void tree_remover::walk() {
    // The caller's rmdir already failed, so the root is most likely a directory.
    remove_entry(no_frame, root_name_, DT_DIR, max_attempts);
    while (!stack_.empty()) {
        const std::size_t t = top();
        if (giving_up_) {
            finish_top();
            continue;
        }
        errno = 0;
        const dirent* e = ::readdir(stack_[t].dir.get());
        if (e == nullptr) {
            if (errno != 0) fail(t, nullptr, errno);
            finish_top();
            continue;
        }
        if (is_dot_or_dot_dot(e->d_name)) continue;
        const frame& f = stack_[t];
        if (f.rescanning && std::find(f.failed.begin(), f.failed.end(), e->d_name) != f.failed.end())
            continue;
        // d_type answers without a stat; only DT_UNKNOWN is asked about.
        remove_entry(t, e->d_name, e->d_type, max_attempts);
    }
}

void tree_remover::remove_entry(std::size_t owner, const char* name, unsigned char type, int attempts) {
    if (type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(dir_fd(owner), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) fail(owner, name, errno);
            return;
        }
        type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
    }
    // A name swapped between directory and non-directory under us is simply
    // tried again as what it now is, a bounded number of times.
    for (; attempts > 0; --attempts) {
        const outcome o = type == DT_DIR ? descend(owner, name, attempts - 1) : unlink_entry(owner, name);
        if (o == outcome::done) return;
        type = o == outcome::is_directory ? DT_DIR : DT_REG;
    }
    fail(owner, name, EAGAIN);
}

// Links (to anything, dangling or not), files, FIFOs, sockets and devices
// are unlinked, never opened.
tree_remover::outcome tree_remover::unlink_entry(std::size_t owner, const char* name) {
    const int fd = dir_fd(owner);
    bool fixed_mode = false;
    bool fixed_flags = false;
    for (;;) {
        if (::unlinkat(fd, name, 0) == 0) {
            ++removed_;
            return outcome::done;
        }
        const int err = errno;
        if (err == ENOENT) return outcome::done;
        if (err == EISDIR) return outcome::is_directory;
        // POSIX lets unlink of a directory fail with EPERM (macOS does).
        if (err == EPERM && is_directory_at(fd, name)) return outcome::is_directory;
        if ((err == EACCES || err == EPERM) && !fixed_mode) {
            fixed_mode = true;
            if (fix_owner(owner)) continue;
        }
        if (err == EPERM && !fixed_flags) {
            fixed_flags = true;
            if (clear_flags(owner, name)) continue;
        }
        fail(owner, name, err);
        return outcome::done;
    }
}

tree_remover::outcome tree_remover::descend(std::size_t owner, const char* name, int attempts_left) {
    const int fd = dir_fd(owner);
    while (open_count_ >= max_open_directories && close_oldest()) {
    }
    bool fixed_owner = false;
    bool fixed_child = false;
    for (;;) {
        unique_fd child(tree::open_directory_at(fd, name));
        if (child) {
            frame f;
            f.name = name;
            f.attempts_left = attempts_left;
            f.removed_before = removed_;
            if (!f.dir.adopt(std::move(child))) {
                fail(owner, name, errno);
                return outcome::done;
            }
            stack_.push_back(std::move(f));
            ++open_count_;
            return outcome::done;
        }
        const int err = errno;
        if (err == ENOENT) return outcome::done;
        if (tree::is_not_directory_error(err)) return outcome::not_directory;
        if ((err == EMFILE || err == ENFILE) && close_oldest()) continue;
        if (err == EACCES) {
            // Either the owner lacks x (search) or the directory lacks r.
            if (!fixed_owner) {
                fixed_owner = true;
                if (fix_owner(owner)) continue;
            }
            if (!fixed_child) {
                fixed_child = true;
                if (tree::grant_owner_access_at(fd, name)) continue;
                if (errno == ENOTDIR) return outcome::not_directory;
            }
        }
        fail(owner, name, err);
        return outcome::done;
    }
}

// The top directory has been read to its end: close it and remove it from
// its parent, re-opening the parent first if it was closed.
void tree_remover::finish_top() {
    const std::size_t t = top();
    if (t > 0 && !stack_[t - 1].dir) {
        const int err = reopen_parent_of_top();
        if (err < 0) {
            restart();
            return;
        }
        if (err > 0) {
            fail(t - 1, nullptr, err);
            give_up();
            return;
        }
    }
    frame done = std::move(stack_[t]);
    stack_.pop_back();
    done.dir.reset();
    --open_count_;
    remove_directory(t == 0 ? no_frame : t - 1, t == 0 ? root_name_ : done.name.c_str(),
                     done.incomplete || !done.failed.empty(), done.attempts_left,
                     removed_ > done.removed_before);
}

// `progressed`: the pass over this directory that just ended removed
// something (here or below), so a refill earns a full new set of attempts.
void tree_remover::remove_directory(std::size_t owner, const char* name, bool incomplete, int attempts_left,
                                    bool progressed) {
    const int fd = dir_fd(owner);
    bool fixed_mode = false;
    bool fixed_flags = false;
    for (;;) {
        if (::unlinkat(fd, name, AT_REMOVEDIR) == 0) {
            ++removed_;
            return;
        }
        const int err = errno;
        if (err == ENOENT) return;
        if ((err == EACCES || err == EPERM) && !fixed_mode) {
            fixed_mode = true;
            if (fix_owner(owner)) continue;
        }
        if (err == EPERM && !fixed_flags) {
            fixed_flags = true;
            if (clear_flags(owner, name)) continue;
        }
        const bool refilled = err == ENOTEMPTY || err == EEXIST;
        if (incomplete && refilled) {
            // The error inside was reported already; just do not come back.
            if (owner != no_frame) stack_[owner].failed.emplace_back(name);
            return;
        }
        if (refilled && progressed) attempts_left = max_attempts;
        if ((refilled || err == ENOTDIR) && attempts_left > 0 && !giving_up_) {
            // Filled meanwhile, or entries the last read skipped, or the name
            // now holds something else of the tree's (it was moved here):
            // remove whatever it is now.
            remove_entry(owner, name, err == ENOTDIR ? DT_UNKNOWN : DT_DIR, attempts_left);
            return;
        }
        fail(owner, name, err);
        return;
    }
}

// 0 when the parent of the top frame is open again and verified; -1 when
// ".." is no longer that directory (or cannot be checked), so the walk must
// start over; else the errno that stops the walk.
int tree_remover::reopen_parent_of_top() {
    const std::size_t t = top();
    frame& parent = stack_[t - 1];
    if (!parent.identity_known) return -1;
    unique_fd fd(::openat(stack_[t].dir.fd(), "..", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        const int err = errno;
        return err == EMFILE || err == ENFILE || err == ENOMEM ? err : -1;
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || st.st_dev != parent.dev || st.st_ino != parent.ino) return -1;
    if (!parent.dir.adopt(std::move(fd))) return errno;
    ++open_count_;
    lowest_open_ = t - 1;
    parent.rescanning = true;
    return 0;
}

// Closes the open ancestor farthest from the top (never the root, never the
// top), noting its identity for the ".." check. False if there is none.
bool tree_remover::close_oldest() noexcept {
    if (stack_.size() < 2 || lowest_open_ >= top()) return false;
    frame& f = stack_[lowest_open_];
    struct stat st;
    f.identity_known = ::fstat(f.dir.fd(), &st) == 0;
    if (f.identity_known) {
        f.dev = st.st_dev;
        f.ino = st.st_ino;
    }
    f.dir.reset();
    --open_count_;
    ++lowest_open_;
    return true;
}

// The tree was rearranged above the top: what we were in may now be outside
// it. Drop everything but the root and read the root again.
void tree_remover::restart() {
    if (++restarts_ > max_restarts) {
        fail(0, nullptr, EAGAIN);
        give_up();
        return;
    }
    stack_.resize(1);
    open_count_ = 1;
    lowest_open_ = 1;
    ::rewinddir(stack_[0].dir.get());
    stack_[0].rescanning = true;
}

// Stops reading: only the root is left, to be removed if it can.
void tree_remover::give_up() {
    giving_up_ = true;
    stack_.resize(1);
    stack_[0].incomplete = true;
    open_count_ = 1;
    lowest_open_ = 1;
}

bool tree_remover::fix_owner(std::size_t owner) noexcept {
    if (owner == no_frame) return false;  // the root's parent is not ours to change
    frame& f = stack_[owner];
    if (f.mode_fixed) return false;
    f.mode_fixed = true;
    return tree::grant_owner_access(f.dir.fd());
}

// EPERM on macOS and the BSDs may be a file flag (uchg, uappnd) on the
// entry or on its directory: clears those (never the root's parent's).
bool tree_remover::clear_flags(std::size_t owner, const char* name) noexcept {
    const bool entry = tree::clear_blocking_flags_at(dir_fd(owner), name);
    const bool directory = owner != no_frame && tree::clear_blocking_flags_at(dir_fd(owner), nullptr);
    return entry || directory;
}

// Notes the first error with the path of its entry (name null: the frame
// itself), and that `owner` keeps this entry.
void tree_remover::fail(std::size_t owner, const char* name, int err) {
    if (first_error_ == 0) {
        first_error_ = err;
        first_error_path_ = path_of(owner, name);
    }
    if (owner == no_frame) return;
    if (name == nullptr)
        stack_[owner].incomplete = true;
    else
        stack_[owner].failed.emplace_back(name);
}

fs::path tree_remover::path_of(std::size_t owner, const char* name) const {
    fs::path p = root_path_;
    if (owner == no_frame) return p;
    for (std::size_t i = 1; i <= owner; ++i) p /= stack_[i].name;
    if (name != nullptr) p /= name;
    return p;
}

// The tree walk, for a root whose rmdir did not settle it.
std::uintmax_t remove_full_tree(const fs::path& root, std::error_code& ec, fs::path* failed_entry) {
    fs::path parent = root.parent_path();
    if (parent.empty()) parent = ".";
    unique_fd parent_fd(tree::open_parent_directory(parent.c_str()));
    if (!parent_fd) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR) return 0;
        ec.assign(err, std::system_category());
        // The root is what could not be removed (EMFILE opening its parent).
        if (failed_entry != nullptr) *failed_entry = root;
        return 0;
    }
    const fs::path name = root.filename();
    return tree_remover(parent_fd.get(), root, name.c_str()).run(ec, failed_entry);
}

std::uintmax_t remove_root(const fs::path& root, std::error_code& ec, fs::path* failed_entry) {
    // Most temporary directories are empty at the end: one call.
    if (::rmdir(root.c_str()) == 0) return 1;
    int err = errno;
    if (err == ENOENT) return 0;
    if (err == ENOTDIR) {  // a file or a link (rmdir never follows the last one), or no such path
        if (::unlink(root.c_str()) == 0) return 1;
        err = errno;
        if (err == ENOENT || err == ENOTDIR) return 0;
        if (err != EISDIR && err != EPERM) {  // EISDIR, EPERM: a directory now
            ec.assign(err, std::system_category());
            if (failed_entry != nullptr) *failed_entry = root;
            return 0;
        }
    }
    return remove_full_tree(root, ec, failed_entry);
}

}  // namespace

std::uintmax_t remove_tree(const fs::path& path, std::error_code& ec, fs::path* failed_entry) noexcept {
    ec.clear();
    if (path.empty()) return 0;
    try {
        if (path.has_filename()) {
            const auto& name = path.native();
            const std::size_t slash = name.find_last_of('/');
            const char* last = name.c_str() + (slash == std::string::npos ? 0 : slash + 1);
            if (is_dot_or_dot_dot(last)) {
                ec = std::make_error_code(std::errc::invalid_argument);
                return 0;
            }
            return remove_root(path, ec, failed_entry);
        }
        // "dir/" names dir (and "link/" the link, never its target).
        fs::path trimmed = path;
        while (!trimmed.has_filename() && trimmed.has_relative_path()) trimmed = trimmed.parent_path();
        if (!trimmed.has_filename()) {  // "/" itself
            ec = std::make_error_code(std::errc::invalid_argument);
            return 0;
        }
        return remove_tree(trimmed, ec, failed_entry);
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
        return 0;
    }
}

}  // namespace tempfile::detail::os
