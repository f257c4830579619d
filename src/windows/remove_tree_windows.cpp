// SPDX-License-Identifier: MIT
// The hardened tree removal on Windows (see tempfile/remove_tree.hpp).
// Every entry is opened relative to its parent's open handle (NtCreateFile
// with a RootDirectory: Win32 has no openat) and with FILE_OPEN_REPARSE_POINT,
// so a symbolic link or junction is itself deleted, never followed, and a
// directory renamed or swapped mid-walk cannot redirect the walk. Entries go
// through their own handle (delete_by_handle). An explicit stack, no
// recursion; at most max_open directory handles are held at any depth: the
// levels beyond are reopened from their parents when the walk climbs back,
// checked by file ID to be the very directories it left.
#include "os.hpp"
#include "windows/ntdll.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tempfile::detail::os {
namespace {
using win::unique_handle;

constexpr std::size_t max_open = 32;  // directory handles held, root included
constexpr ACCESS_MASK directory_access =
    DELETE | FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES;
constexpr ACCESS_MASK entry_access = DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES;

struct identity {
    DWORD volume = 0, high = 0, low = 0;
    bool operator==(const identity& o) const noexcept {
        return volume == o.volume && high == o.high && low == o.low;
    }
};

struct entry {
    std::wstring name;
    DWORD attributes;
};

struct level {
    unique_handle dir;  // empty while outside the window of open handles
    std::wstring name;  // in the parent; empty for the root
    identity id;
    DWORD attributes = 0;
    bool listed = false;
    bool child_failed = false;  // then "not empty" is no reason to wait
    std::vector<entry> pending;
};

bool is_real_directory(DWORD attributes) noexcept {
    return (attributes & FILE_ATTRIBUTE_DIRECTORY) && !(attributes & FILE_ATTRIBUTE_REPARSE_POINT);
}

bool inspect(HANDLE h, DWORD& attributes, identity& id) noexcept {
    BY_HANDLE_FILE_INFORMATION info;
    if (!::GetFileInformationByHandle(h, &info)) return false;
    attributes = info.dwFileAttributes;
    id = {info.dwVolumeSerialNumber, info.nFileIndexHigh, info.nFileIndexLow};
    return true;
}

// Gone already (removed by someone else, or delete-pending): not an error.
bool vanished(NTSTATUS status) noexcept {
    return status == win::nt::status_object_name_not_found ||
           status == win::nt::status_object_path_not_found || status == win::nt::status_delete_pending;
}

class walker {
public:
    walker(const fs::path& root, fs::path* failed_entry) : root_(root), failed_entry_(failed_entry) {}

    std::uintmax_t run(unique_handle root, DWORD attributes, identity id, std::error_code& ec) {
        stack_.push_back(level{std::move(root), {}, id, attributes, false, false, {}});
        while (!stack_.empty()) {
            if (!stack_.back().dir && !reopen()) continue;
            level& top = stack_.back();
            if (!top.listed) {
                top.listed = true;
                list(top);
            }
            if (top.pending.empty()) {
                finish_top();
                continue;
            }
            entry e = std::move(top.pending.back());
            top.pending.pop_back();
            visit(std::move(e));
        }
        ec = first_error_;
        return removed_;
    }

private:
    fs::path path_of(std::size_t depth, const std::wstring& name) const {
        fs::path p = root_;
        for (std::size_t i = 1; i <= depth && i < stack_.size(); ++i) p /= stack_[i].name;
        if (!name.empty()) p /= name;
        return p;
    }

    void fail(std::error_code ec, const std::wstring& name) {
        if (!stack_.empty()) stack_.back().child_failed = true;
        if (first_error_) return;
        first_error_ = ec;
        if (failed_entry_ != nullptr) *failed_entry_ = path_of(stack_.size() - 1, name);
    }

    NTSTATUS open_retrying(HANDLE parent, const std::wstring& name, ACCESS_MASK access, ULONG options,
                           unique_handle& out) noexcept {
        NTSTATUS status;
        int attempt = 0;
        do status = win::nt::open_relative(parent, name, access, options | FILE_OPEN_REPARSE_POINT, out);
        while (status == win::nt::status_sharing_violation && win::pause_before_retry(attempt++));
        return status;
    }

    // The whole listing first: deleting while enumerating has no defined order.
    void list(level& top) {
        std::vector<unsigned char>& buffer = buffer_;
        buffer.resize(64 * 1024);
        FILE_INFO_BY_HANDLE_CLASS how = FileIdBothDirectoryRestartInfo;
        while (::GetFileInformationByHandleEx(top.dir.get(), how, buffer.data(),
                                              static_cast<DWORD>(buffer.size()))) {
            how = FileIdBothDirectoryInfo;
            for (std::size_t offset = 0;;) {
                auto* info = reinterpret_cast<const FILE_ID_BOTH_DIR_INFO*>(buffer.data() + offset);
                std::wstring name(info->FileName, info->FileNameLength / sizeof(wchar_t));
                if (name != L"." && name != L"..")
                    top.pending.push_back({std::move(name), info->FileAttributes});
                if (info->NextEntryOffset == 0) break;
                offset += info->NextEntryOffset;
            }
        }
        DWORD error_code = ::GetLastError();
        if (error_code != ERROR_NO_MORE_FILES) fail(win::error(error_code), {});
    }

    void visit(entry e) {
        HANDLE parent = stack_.back().dir.get();
        bool descend = is_real_directory(e.attributes);
        unique_handle h;
        NTSTATUS status = open_retrying(parent, e.name, descend ? directory_access : entry_access, 0, h);
        if (vanished(status)) return;
        if (status < 0) return fail(win::error(win::nt::to_win32(status)), e.name);
        DWORD attributes = e.attributes;
        identity id;
        // The listing is only a hint: a directory is checked, by its handle,
        // to be no reparse point before the walk goes into it.
        if (descend && !inspect(h.get(), attributes, id)) return fail(win::last_error(), e.name);
        if (descend && is_real_directory(attributes)) {
            stack_.push_back(level{std::move(h), std::move(e.name), id, attributes, false, false, {}});
            close_outside_window();
            return;
        }
        std::error_code ec;
        win::delete_by_handle(h.get(), attributes, ec);
        if (ec) return fail(ec, e.name);
        ++removed_;
    }

    // All entries visited: the directory itself goes, through its handle.
    void finish_top() {
        level& top = stack_.back();
        std::error_code ec;
        for (int attempt = 0;; ++attempt) {
            win::delete_by_handle(top.dir.get(), top.attributes, ec);
            // Children deleted without POSIX semantics linger while someone
            // else holds them open; wait for them a little.
            if (ec.value() != ERROR_DIR_NOT_EMPTY || top.child_failed || !win::pause_before_retry(attempt))
                break;
        }
        std::wstring name = top.name;
        bool ok = !ec;
        stack_.pop_back();  // closes the handle: the deletion takes effect
        if (ok)
            ++removed_;
        else
            fail(ec, name);
    }

    bool in_window(std::size_t index) const noexcept {
        return index == 0 || index + max_open > stack_.size();
    }

    void close_outside_window() {
        if (stack_.size() > max_open) stack_[stack_.size() - max_open].dir.reset();
    }

    // The top level's handle was closed to bound the open handles: reopen
    // the closed levels from the deepest open one, each checked to be the
    // same directory (file ID) and still no reparse point. A level that has
    // gone is dropped with what is below it; one that was swapped is left
    // alone, and its parent then fails as not empty.
    bool reopen() {
        std::size_t open = stack_.size() - 1;
        while (!stack_[open].dir) --open;  // the root is always open
        for (std::size_t j = open + 1; j < stack_.size(); ++j) {
            level& child = stack_[j];
            NTSTATUS status = open_retrying(stack_[j - 1].dir.get(), child.name, directory_access,
                                            FILE_DIRECTORY_FILE, child.dir);
            DWORD attributes = 0;
            identity id;
            bool same = status >= 0 && inspect(child.dir.get(), attributes, id) && id == child.id &&
                        is_real_directory(attributes);
            if (!same) {
                std::wstring name = child.name;
                stack_.resize(j);
                if (!vanished(status))
                    fail(win::error(status < 0 ? win::nt::to_win32(status) : ERROR_DIR_NOT_EMPTY), name);
                return false;
            }
            if (!in_window(j - 1)) stack_[j - 1].dir.reset();
        }
        return true;
    }

    fs::path root_;
    fs::path* failed_entry_;
    std::vector<level> stack_;
    std::vector<unsigned char> buffer_;
    std::uintmax_t removed_ = 0;
    std::error_code first_error_;
};

// Win32 resolves "." and ".." by the path's text ("d\.." names d's parent,
// "d\." names d): POSIX refuses to remove them (EINVAL), and so do we.
bool names_dot_or_dot_dot(const fs::path& path) noexcept {
    const std::wstring& p = path.native();
    std::size_t end = p.find_last_not_of(L"\\/");
    if (end == std::wstring::npos) return false;
    std::size_t begin = p.find_last_of(L"\\/:", end);
    begin = begin == std::wstring::npos ? 0 : begin + 1;
    std::wstring_view last(p.data() + begin, end + 1 - begin);
    return last == L"." || last == L"..";
}

}  // namespace

std::uintmax_t remove_tree(const fs::path& path, std::error_code& ec, fs::path* failed_entry) noexcept {
    ec.clear();
    if (names_dot_or_dot_dot(path)) {
        ec = win::error(ERROR_INVALID_PARAMETER);  // errc::invalid_argument
        return 0;
    }
    // Most temporary directories are empty by the end: one call. It removes
    // a junction or directory link itself, never what it points to.
    if (::RemoveDirectoryW(path.c_str())) return 1;
    DWORD error_code = ::GetLastError();
    if (error_code == ERROR_FILE_NOT_FOUND || error_code == ERROR_PATH_NOT_FOUND) return 0;
    unique_handle root;
    for (int attempt = 0;; ++attempt) {
        root = unique_handle(
            ::CreateFileW(path.c_str(), directory_access | SYNCHRONIZE,
                          FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                          FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
        if (root) break;
        error_code = ::GetLastError();
        if (error_code != ERROR_SHARING_VIOLATION || !win::pause_before_retry(attempt)) break;
    }
    if (!root) {
        if (error_code == ERROR_FILE_NOT_FOUND || error_code == ERROR_PATH_NOT_FOUND ||
            (error_code == ERROR_ACCESS_DENIED && win::nt::last_status() == win::nt::status_delete_pending))
            return 0;
        ec = win::error(error_code);
        if (failed_entry != nullptr) *failed_entry = path;
        return 0;
    }
    DWORD attributes = 0;
    identity id;
    if (!inspect(root.get(), attributes, id)) {
        ec = win::last_error();
        if (failed_entry != nullptr) *failed_entry = path;
        return 0;
    }
    if (!is_real_directory(attributes)) {  // a file or a link: only it goes
        win::delete_by_handle(root.get(), attributes, ec);
        if (ec && failed_entry != nullptr) *failed_entry = path;
        return ec ? 0 : 1;
    }
    try {
        return walker(path, failed_entry).run(std::move(root), attributes, id, ec);
    } catch (const std::bad_alloc&) {  // the listing of a huge directory, say
        ec = std::make_error_code(std::errc::not_enough_memory);
        return 0;
    }
}

}  // namespace tempfile::detail::os
