// SPDX-License-Identifier: MIT
#pragma once
// Helpers for the Windows-only tests (tests/windows_*_test.cpp): header-only,
// so that the harness library needs no Windows sources.
#ifdef _WIN32
#include <aclapi.h>
#include <windows.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace tempfile_test::windows {
namespace fs = std::filesystem;

/// True if anything (file, directory, link) has this name; no link followed.
inline bool exists(const fs::path& p) {
    return ::GetFileAttributesW(p.c_str()) != INVALID_FILE_ATTRIBUTES;
}

[[noreturn]] inline void fail(const char* what, DWORD error) {
    throw std::system_error(static_cast<int>(error), std::system_category(), what);
}

/// True when running under Wine (ntdll exports wine_get_version there).
inline bool under_wine() {
    HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

/// Adds an entry denying `rights` to Everyone in front of p's DACL.
inline void deny_everyone(const fs::path& p, DWORD rights) {
    PACL old_dacl = nullptr;
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    DWORD e = ::GetNamedSecurityInfoW(p.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr,
                                      &old_dacl, nullptr, &descriptor);
    if (e != ERROR_SUCCESS) fail("GetNamedSecurityInfoW", e);
    EXPLICIT_ACCESS_W deny{};
    deny.grfAccessPermissions = rights;
    deny.grfAccessMode = DENY_ACCESS;
    deny.grfInheritance = NO_INHERITANCE;
    deny.Trustee.TrusteeForm = TRUSTEE_IS_NAME;
    deny.Trustee.TrusteeType = TRUSTEE_IS_WELL_KNOWN_GROUP;
    wchar_t everyone[] = L"EVERYONE";
    deny.Trustee.ptstrName = everyone;
    PACL new_dacl = nullptr;
    e = ::SetEntriesInAclW(1, &deny, old_dacl, &new_dacl);
    ::LocalFree(descriptor);
    if (e != ERROR_SUCCESS) fail("SetEntriesInAclW", e);
    e = ::SetNamedSecurityInfoW(const_cast<wchar_t*>(p.c_str()), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
                                nullptr, nullptr, new_dacl, nullptr);
    ::LocalFree(new_dacl);
    if (e != ERROR_SUCCESS) fail("SetNamedSecurityInfoW", e);
}

/// Makes `link` a junction (a mount point reparse point, which needs no
/// privilege) to the directory `target`; false if this OS cannot.
inline bool make_junction(const fs::path& link, const fs::path& target) {
    if (!::CreateDirectoryW(link.c_str(), nullptr)) return false;
    HANDLE h = ::CreateFileW(link.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                             FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
        ::RemoveDirectoryW(link.c_str());
        return false;
    }
    std::wstring substitute =
        L"\\?"
        L"?\\" +
        fs::absolute(target).make_preferred().wstring();
    std::wstring print = fs::absolute(target).make_preferred().wstring();
    // REPARSE_DATA_BUFFER's mount point form, which the SDK keeps in the DDK headers.
    struct {
        DWORD tag;
        WORD data_length, reserved;
        WORD substitute_offset, substitute_length, print_offset, print_length;
        wchar_t names[2 * MAX_PATH + 2];
    } buffer{};
    WORD sub_bytes = static_cast<WORD>(substitute.size() * sizeof(wchar_t));
    WORD print_bytes = static_cast<WORD>(print.size() * sizeof(wchar_t));
    buffer.tag = IO_REPARSE_TAG_MOUNT_POINT;
    buffer.substitute_offset = 0;
    buffer.substitute_length = sub_bytes;
    buffer.print_offset = static_cast<WORD>(sub_bytes + sizeof(wchar_t));
    buffer.print_length = print_bytes;
    substitute.copy(buffer.names, substitute.size());
    print.copy(buffer.names + substitute.size() + 1, print.size());
    buffer.data_length = static_cast<WORD>(8 + sub_bytes + print_bytes + 2 * sizeof(wchar_t));
    DWORD returned = 0;
    BOOL ok = ::DeviceIoControl(h, FSCTL_SET_REPARSE_POINT, &buffer, 8 + buffer.data_length, nullptr, 0,
                                &returned, nullptr);
    ::CloseHandle(h);
    if (!ok || !(::GetFileAttributesW(link.c_str()) & FILE_ATTRIBUTE_REPARSE_POINT)) {
        ::RemoveDirectoryW(link.c_str());
        return false;
    }
    return true;
}

/// Makes `link` a directory symbolic link to `target`, else a junction;
/// false if this OS makes neither (Wine 8's CreateSymbolicLinkW returns
/// success and creates nothing). A symbolic link may need a privilege or
/// developer mode, a junction does not.
inline bool make_directory_link(const fs::path& link, const fs::path& target) {
    constexpr DWORD unprivileged = 0x2;  // SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE
    if (::CreateSymbolicLinkW(link.c_str(), target.c_str(), SYMBOLIC_LINK_FLAG_DIRECTORY | unprivileged) &&
        windows::exists(link))
        return true;
    return make_junction(link, target);
}

}  // namespace tempfile_test::windows
#endif
