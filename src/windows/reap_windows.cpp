// SPDX-License-Identifier: MIT
// What reap_orphans asks of Windows (see os.hpp): every entry opened
// relative to the directory's handle with FILE_OPEN_REPARSE_POINT (a link
// or junction is looked at itself, never followed), and the owners' marks
// tested with an open that asks for DELETE access and shares only read and
// delete: Windows refuses it (a sharing violation) while any handle without
// FILE_SHARE_DELETE is open on the entry (a locked owner's), or any handle
// with write access (an open named file's).
#include "os.hpp"
#include "windows/ntdll.hpp"

#include <aclapi.h>

#include <cstring>

namespace tempfile::detail::os {
namespace {

using kind = entry_status::kind;
using win::unique_handle;

constexpr ACCESS_MASK probe_access = DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES;
constexpr ULONG probe_share = FILE_SHARE_READ | FILE_SHARE_DELETE;

bool vanished(NTSTATUS status) noexcept {
    return status == win::nt::status_object_name_not_found ||
           status == win::nt::status_object_path_not_found || status == win::nt::status_delete_pending ||
           status == win::nt::status_not_a_directory || status == win::nt::status_file_is_a_directory;
}

std::error_code error_of(NTSTATUS status) noexcept {
    return win::error(win::nt::to_win32(status));
}

/// The process token's user and default owner, read once: a file belongs
/// to the calling user if its owner is either (an elevated process's files
/// belong to Administrators, its token's default owner).
struct token_identity {
    alignas(TOKEN_USER) unsigned char user[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE] = {};
    alignas(TOKEN_OWNER) unsigned char owner[sizeof(TOKEN_OWNER) + SECURITY_MAX_SID_SIZE] = {};
    bool known = false;

    token_identity() noexcept {
        HANDLE raw = nullptr;
        if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) return;
        unique_handle token(raw);
        DWORD length = 0;
        known = ::GetTokenInformation(token.get(), TokenUser, user, sizeof user, &length) &&
                ::GetTokenInformation(token.get(), TokenOwner, owner, sizeof owner, &length);
    }
    bool is_ours(PSID sid) const noexcept {
        return known && (::EqualSid(sid, reinterpret_cast<const TOKEN_USER*>(user)->User.Sid) ||
                         ::EqualSid(sid, reinterpret_cast<const TOKEN_OWNER*>(owner)->Owner));
    }
};

bool owned_by_caller(HANDLE h) noexcept {
    static const token_identity token;
    PSID owner = nullptr;
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    if (::GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr, nullptr, nullptr,
                          &descriptor) != ERROR_SUCCESS)
        return false;  // cannot tell: not ours to take
    const bool ours = owner != nullptr && token.is_ours(owner);
    ::LocalFree(descriptor);
    return ours;
}

std::int64_t as_integer(const FILETIME& t) noexcept {
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(t.dwHighDateTime) << 32) | t.dwLowDateTime);
}

/// What the open handle `h` is. False (GetLastError set) if it cannot tell.
bool describe(HANDLE h, bool check_owner, entry_status& out) noexcept {
    FILE_BASIC_INFO basic;
    if (!::GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic)) return false;
    win::file_identity id;
    if (!win::read_identity(h, id)) return false;
    out = entry_status{};
    // Every reparse point counts as "other": a link, a junction, a cloud
    // placeholder; this library never makes one.
    if (basic.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
        out.type = kind::other;
    else
        out.type = (basic.FileAttributes & FILE_ATTRIBUTE_DIRECTORY) ? kind::directory : kind::file;
    out.owned = !check_owner || owned_by_caller(h);
    FILETIME now;
    ::GetSystemTimeAsFileTime(&now);
    out.age = std::chrono::nanoseconds((as_integer(now) - basic.LastWriteTime.QuadPart) * 100);
    out.identity[0] = id.volume;
    std::memcpy(&out.identity[1], id.id, sizeof id.id);
    return true;
}

}  // namespace

handle open_directory(const fs::path& dir, std::error_code& ec) noexcept {
    ec.clear();
    HANDLE h = ::CreateFileW(win::os_path(dir).c_str(), FILE_LIST_DIRECTORY | FILE_TRAVERSE | SYNCHRONIZE,
                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                             FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    if (h == INVALID_HANDLE_VALUE) ec = win::last_error();
    return h;
}

std::vector<fs::path::string_type> list_names(handle dir, std::error_code& ec) {
    std::vector<win::listed_entry> entries;
    ec = win::list_directory(dir, false, entries);
    if (ec.value() == ERROR_INVALID_LEVEL) ec.clear();  // it fell back to another class: not an error
    std::vector<fs::path::string_type> names;
    names.reserve(entries.size());
    for (win::listed_entry& e : entries) names.push_back(std::move(e.name));
    return names;
}

bool status_at(handle dir, const fs::path::string_type& name, entry_status& out,
               std::error_code& ec) noexcept {
    ec.clear();
    unique_handle h;
    const NTSTATUS status =
        win::nt::open_relative(dir, name, FILE_READ_ATTRIBUTES | READ_CONTROL, FILE_OPEN_REPARSE_POINT, h);
    if (status < 0) {
        if (!vanished(status)) ec = error_of(status);
        return false;
    }
    if (!describe(h.get(), true, out)) {
        ec = win::last_error();
        return false;
    }
    return true;
}

handle lock_exclusive_at(handle dir, const fs::path::string_type& name, entry_status::kind type,
                         lock_state& state, entry_status& locked, std::error_code& ec) noexcept {
    ec.clear();
    state = lock_state::gone;
    const ULONG options =
        FILE_OPEN_REPARSE_POINT | (type == kind::directory ? FILE_DIRECTORY_FILE : FILE_NON_DIRECTORY_FILE);
    unique_handle h;
    const NTSTATUS status = win::nt::open_relative(dir, name, probe_access, options, h, probe_share);
    if (status == win::nt::status_sharing_violation) {
        state = lock_state::busy;
        return INVALID_HANDLE_VALUE;
    }
    if (status < 0) {
        if (!vanished(status)) ec = error_of(status);
        return INVALID_HANDLE_VALUE;
    }
    if (!describe(h.get(), false, locked)) {
        ec = win::last_error();
        return INVALID_HANDLE_VALUE;
    }
    if (locked.type != type) return INVALID_HANDLE_VALUE;
    state = lock_state::taken;
    return h.release();
}

std::uintmax_t remove_locked_at(handle /*dir*/, const fs::path::string_type& /*name*/, handle locked,
                                entry_status::kind type, const fs::path& shown, std::error_code& ec,
                                fs::path& failed) noexcept {
    ec.clear();
    if (type == kind::directory) {
        // By its path: the walk opens the root itself. `locked` stays open
        // meanwhile (it shares read and delete, which is all the walk asks).
        win::retry_budget budget;
        return win::remove_tree(shown, budget, ec, &failed);
    }
    FILE_BASIC_INFO basic;
    if (!::GetFileInformationByHandleEx(locked, FileBasicInfo, &basic, sizeof basic)) {
        ec = win::last_error();
    } else {
        win::deletion_state deletion;
        win::delete_by_handle(locked, basic.FileAttributes, deletion, ec);
    }
    if (!ec) return 1;  // the name goes at once, or when `locked` closes
    try {
        failed = shown;
    } catch (...) {  // out of memory for the name: the caller names the entry
    }
    return 0;
}

}  // namespace tempfile::detail::os
