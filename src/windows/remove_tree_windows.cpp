// SPDX-License-Identifier: MIT
// The hardened tree removal on Windows (see tempfile/remove_tree.hpp).
// Every entry is opened relative to its parent's open handle (NtCreateFile
// with a RootDirectory: Win32 has no openat) and with FILE_OPEN_REPARSE_POINT,
// so a symbolic link or junction is itself deleted, never followed, and a
// directory renamed or swapped mid-walk cannot redirect the walk. Entries go
// through their own handle (delete_by_handle). An explicit stack, no
// recursion; at most max_open directory handles are held at any depth: the
// levels beyond are reopened from their parents when the walk climbs back,
// checked by file ID to be the very directories it left. Sharing violations
// are retried from one budget for the whole call, not one per entry.
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

using win::file_identity;
using win::listed_entry;

struct level {
    unique_handle dir;  // empty while outside the window of open handles
    std::wstring name;  // in the parent; empty for the root
    file_identity id;
    DWORD attributes = 0;
    bool listed = false;
    bool child_failed = false;  // then "not empty" is no reason to wait
    std::vector<listed_entry> pending;
};

// What the handle says it is now: attributes, reparse tag and identity.
// Where FileAttributeTagInfo is unknown, a reparse point counts as a link.
bool inspect(HANDLE h, DWORD& attributes, DWORD& tag, file_identity& id) noexcept {
    FILE_ATTRIBUTE_TAG_INFO info;
    if (::GetFileInformationByHandleEx(h, FileAttributeTagInfo, &info, sizeof info)) {
        attributes = info.FileAttributes;
        tag = info.ReparseTag;
    } else {
        BY_HANDLE_FILE_INFORMATION classic;
        if (!::GetFileInformationByHandle(h, &classic)) return false;
        attributes = classic.dwFileAttributes;
        tag = IO_REPARSE_TAG_SYMLINK;
    }
    return win::read_identity(h, id);
}

// Gone already (removed by someone else, or delete-pending): not an error.
bool vanished(NTSTATUS status) noexcept {
    return status == win::nt::status_object_name_not_found ||
           status == win::nt::status_object_path_not_found || status == win::nt::status_delete_pending;
}

class walker {
public:
    walker(const fs::path& root, win::retry_budget& budget, fs::path* failed_entry)
        : root_(root), budget_(budget), failed_entry_(failed_entry) {}

    std::uintmax_t run(unique_handle root, DWORD attributes, file_identity id, std::error_code& ec) {
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
            listed_entry e = std::move(top.pending.back());
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
        while (status == win::nt::status_sharing_violation && budget_.pause(attempt++));
        return status;
    }

    // The whole listing first: deleting while enumerating has no defined order.
    // A file system that refuses FileIdBothDirectoryInfo is listed with
    // FileFullDirectoryInfo for the rest of the walk.
    void list(level& top) {
        std::error_code ec = win::list_directory(top.dir.get(), full_info_, top.pending);
        if (ec.value() == ERROR_INVALID_LEVEL) {  // list_directory fell back: keep to it
            full_info_ = true;
            ec.clear();
        }
        if (ec) fail(ec, {});
    }

    void visit(listed_entry e) {
        HANDLE parent = stack_.back().dir.get();
        bool descend = win::enters_directory(e.attributes, e.reparse_tag);
        unique_handle h;
        NTSTATUS status = open_retrying(parent, e.name, descend ? directory_access : entry_access, 0, h);
        if (vanished(status)) return;
        if (status < 0) return fail(win::error(win::nt::to_win32(status)), e.name);
        DWORD attributes = e.attributes;
        DWORD tag = e.reparse_tag;
        file_identity id;
        // The listing is only a hint: a directory is checked, by its handle,
        // to be no link before the walk goes into it.
        if (descend && !inspect(h.get(), attributes, tag, id)) return fail(win::last_error(), e.name);
        if (descend && win::enters_directory(attributes, tag)) {
            stack_.push_back(level{std::move(h), std::move(e.name), id, attributes, false, false, {}});
            close_outside_window();
            return;
        }
        std::error_code ec;
        win::delete_by_handle(h.get(), attributes, deletion_, ec);
        if (ec) return fail(ec, e.name);
        ++removed_;
    }

    // All entries visited: the directory itself goes, through its handle.
    void finish_top() {
        level& top = stack_.back();
        std::error_code ec;
        for (int attempt = 0;; ++attempt) {
            win::delete_by_handle(top.dir.get(), top.attributes, deletion_, ec);
            // Children deleted without POSIX semantics linger while someone
            // else holds them open; wait for them a little.
            if (ec.value() != ERROR_DIR_NOT_EMPTY || top.child_failed || !budget_.pause(attempt)) break;
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
            DWORD tag = 0;
            file_identity id;
            bool same = status >= 0 && inspect(child.dir.get(), attributes, tag, id) && id == child.id &&
                        win::enters_directory(attributes, tag);
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
    win::retry_budget& budget_;
    fs::path* failed_entry_;
    win::deletion_state deletion_;
    bool full_info_ = false;  // the file system refused FileIdBothDirectoryInfo
    std::vector<level> stack_;
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
    win::retry_budget budget;  // one per call
    return win::remove_tree(path, budget, ec, failed_entry);
}

namespace win {

bool enters_directory(DWORD attributes, DWORD reparse_tag) noexcept {
    if (!(attributes & FILE_ATTRIBUTE_DIRECTORY)) return false;
    return !(attributes & FILE_ATTRIBUTE_REPARSE_POINT) || !IsReparseTagNameSurrogate(reparse_tag);
}

listing_step after_listing_error(DWORD error, bool first, bool full_info) noexcept {
    if (error == ERROR_NO_MORE_FILES) return listing_step::end;
    if (first && error == ERROR_FILE_NOT_FOUND) return listing_step::end;
    if (first && !full_info &&
        (error == ERROR_INVALID_PARAMETER || error == ERROR_INVALID_LEVEL ||
         error == ERROR_INVALID_FUNCTION || error == ERROR_NOT_SUPPORTED))
        return listing_step::fall_back;
    return listing_step::fail;
}

namespace {

// The two record layouts hold what the walk needs at different offsets.
template <typename Record>
void collect(const unsigned char* buffer, std::vector<listed_entry>& out) {
    for (std::size_t offset = 0;;) {
        auto* info = reinterpret_cast<const Record*>(buffer + offset);
        std::wstring_view name(info->FileName, info->FileNameLength / sizeof(wchar_t));
        // With FILE_ATTRIBUTE_REPARSE_POINT, EaSize holds the reparse tag.
        if (name != L"." && name != L"..")
            out.push_back({std::wstring(name), info->FileAttributes, static_cast<DWORD>(info->EaSize)});
        if (info->NextEntryOffset == 0) break;
        offset += info->NextEntryOffset;
    }
}

}  // namespace

std::error_code list_directory(HANDLE dir, bool full_info, std::vector<listed_entry>& out) {
    std::vector<unsigned char> buffer(64 * 1024);
    bool fell_back = false;
    bool first = true;
    for (;;) {
        FILE_INFO_BY_HANDLE_CLASS how =
            full_info ? (first ? FileFullDirectoryRestartInfo : FileFullDirectoryInfo)
                      : (first ? FileIdBothDirectoryRestartInfo : FileIdBothDirectoryInfo);
        if (::GetFileInformationByHandleEx(dir, how, buffer.data(), static_cast<DWORD>(buffer.size()))) {
            if (full_info)
                collect<FILE_FULL_DIR_INFO>(buffer.data(), out);
            else
                collect<FILE_ID_BOTH_DIR_INFO>(buffer.data(), out);
            first = false;
            continue;
        }
        DWORD error_code = ::GetLastError();
        switch (after_listing_error(error_code, first, full_info)) {
            case listing_step::end:
                // ERROR_INVALID_LEVEL tells the caller to keep the fallback.
                return fell_back ? error(ERROR_INVALID_LEVEL) : std::error_code();
            case listing_step::fall_back:
                full_info = true;
                fell_back = true;
                continue;
            case listing_step::fail:
                return error(error_code);
        }
    }
}

std::uintmax_t remove_tree(const fs::path& path, retry_budget& budget, std::error_code& ec,
                           fs::path* failed_entry) noexcept {
    ec.clear();
    if (names_dot_or_dot_dot(path)) {
        ec = error(ERROR_INVALID_PARAMETER);  // errc::invalid_argument
        return 0;
    }
    const os_path native(path);
    // Most temporary directories are empty by the end: one call. It removes
    // a junction or directory link itself, never what it points to.
    if (::RemoveDirectoryW(native.c_str())) return 1;
    DWORD error_code = ::GetLastError();
    if (error_code == ERROR_FILE_NOT_FOUND || error_code == ERROR_PATH_NOT_FOUND) return 0;
    unique_handle root;
    for (int attempt = 0;; ++attempt) {
        root = unique_handle(
            ::CreateFileW(native.c_str(), directory_access | SYNCHRONIZE,
                          FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                          FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
        if (root) break;
        error_code = ::GetLastError();
        if (error_code != ERROR_SHARING_VIOLATION || !budget.pause(attempt)) break;
    }
    if (!root) {
        if (error_code == ERROR_FILE_NOT_FOUND || error_code == ERROR_PATH_NOT_FOUND ||
            (error_code == ERROR_ACCESS_DENIED && nt::last_status() == nt::status_delete_pending))
            return 0;
        ec = error(error_code);
        if (failed_entry != nullptr) *failed_entry = path;
        return 0;
    }
    DWORD attributes = 0;
    DWORD tag = 0;
    file_identity id;
    if (!inspect(root.get(), attributes, tag, id)) {
        ec = last_error();
        if (failed_entry != nullptr) *failed_entry = path;
        return 0;
    }
    if (!enters_directory(attributes, tag)) {  // a file or a link: only it goes
        deletion_state deletion;
        delete_by_handle(root.get(), attributes, deletion, ec);
        if (ec && failed_entry != nullptr) *failed_entry = path;
        return ec ? 0 : 1;
    }
    try {
        return walker(path, budget, failed_entry).run(std::move(root), attributes, id, ec);
    } catch (const std::bad_alloc&) {  // the listing of a huge directory, say
        ec = std::make_error_code(std::errc::not_enough_memory);
        return 0;
    }
}

}  // namespace win
}  // namespace tempfile::detail::os
