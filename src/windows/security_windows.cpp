// SPDX-License-Identifier: MIT
// The owner-only security descriptor of everything the Windows layer creates.
// CPython fixed CVE-2024-4030 (mkdtemp readable by everyone under an
// inherited DACL) with a protected DACL for the owner, SYSTEM and
// Administrators, then met gh-157876: the owner of an elevated process's
// objects is Administrators, not the user. We take the user from the token
// (TokenUser), so the grant is always to the person running the program.
#include "windows/win32.hpp"

#include <cstddef>

namespace tempfile::detail::os::win {
namespace {

constexpr DWORD ace_room = sizeof(ACCESS_ALLOWED_ACE) + SECURITY_MAX_SID_SIZE;

// Built once per process, in place (the descriptors point into it), from
// fixed buffers: nothing to allocate, so nothing to fail but the token.
// The process token, not a thread's impersonation token: the files belong
// to the program, whoever a thread is acting for at that moment.
struct owner_only_security {
    alignas(TOKEN_USER) unsigned char user[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    alignas(DWORD) unsigned char system[SECURITY_MAX_SID_SIZE];
    alignas(TOKEN_APPCONTAINER_INFORMATION) unsigned char package[sizeof(TOKEN_APPCONTAINER_INFORMATION) +
                                                                  SECURITY_MAX_SID_SIZE];
    PSID package_sid = nullptr;  // set in an AppContainer only
    alignas(DWORD) unsigned char file_acl[sizeof(ACL) + 3 * ace_room];
    alignas(DWORD) unsigned char directory_acl[sizeof(ACL) + 3 * ace_room];
    SECURITY_DESCRIPTOR file_descriptor;
    SECURITY_DESCRIPTOR directory_descriptor;
    SECURITY_ATTRIBUTES file_attributes;
    SECURITY_ATTRIBUTES directory_attributes;
    DWORD error = ERROR_SUCCESS;

    owner_only_security() noexcept {
        if (!read_sids() || !build(file_acl, sizeof file_acl, 0, file_descriptor, file_attributes) ||
            !build(directory_acl, sizeof directory_acl, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE,
                   directory_descriptor, directory_attributes))
            error = ::GetLastError();
    }

    bool read_sids() noexcept {
        HANDLE raw = nullptr;
        if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) return false;
        unique_handle token(raw);
        DWORD length = 0;
        if (!::GetTokenInformation(token.get(), TokenUser, user, sizeof user, &length)) return false;
        DWORD system_length = sizeof system;
        if (!::CreateWellKnownSid(WinLocalSystemSid, nullptr, system, &system_length)) return false;
        // Windows before 8 knows no AppContainer: the query fails, and no
        // package SID is needed.
        DWORD is_app_container = 0;
        if (::GetTokenInformation(token.get(), TokenIsAppContainer, &is_app_container,
                                  sizeof is_app_container, &length) &&
            is_app_container != 0) {
            if (!::GetTokenInformation(token.get(), TokenAppContainerSid, package, sizeof package, &length))
                return false;
            package_sid = reinterpret_cast<TOKEN_APPCONTAINER_INFORMATION*>(package)->TokenAppContainer;
        }
        return true;
    }

    bool build(unsigned char* acl_buffer, DWORD acl_size, DWORD inherit, SECURITY_DESCRIPTOR& descriptor,
               SECURITY_ATTRIBUTES& attributes) noexcept {
        auto* acl = reinterpret_cast<ACL*>(acl_buffer);
        PSID user_sid = reinterpret_cast<TOKEN_USER*>(user)->User.Sid;
        if (!build_owner_only_acl(acl, acl_size, inherit, user_sid, system, package_sid) ||
            !::InitializeSecurityDescriptor(&descriptor, SECURITY_DESCRIPTOR_REVISION) ||
            !::SetSecurityDescriptorDacl(&descriptor, TRUE, acl, FALSE) ||
            // Protected: the parent's inheritable entries (Users, Everyone
            // on a shared C:\Temp) are not merged in.
            !::SetSecurityDescriptorControl(&descriptor, SE_DACL_PROTECTED, SE_DACL_PROTECTED))
            return false;
        attributes.nLength = sizeof attributes;
        attributes.lpSecurityDescriptor = &descriptor;
        attributes.bInheritHandle = FALSE;  // a spawned child never holds our temporaries open
        return true;
    }
};

const owner_only_security& security() noexcept {
    static const owner_only_security built;  // thread-safe first use
    return built;
}

}  // namespace

bool build_owner_only_acl(ACL* acl, DWORD size, DWORD inherit, PSID user, PSID system,
                          PSID package) noexcept {
    return ::InitializeAcl(acl, size, ACL_REVISION) &&
           ::AddAccessAllowedAceEx(acl, ACL_REVISION, inherit, FILE_ALL_ACCESS, user) &&
           ::AddAccessAllowedAceEx(acl, ACL_REVISION, inherit, FILE_ALL_ACCESS, system) &&
           (package == nullptr ||
            ::AddAccessAllowedAceEx(acl, ACL_REVISION, inherit, FILE_ALL_ACCESS, package));
}

SECURITY_ATTRIBUTES* owner_only(bool directory) noexcept {
    const owner_only_security& s = security();
    if (s.error != ERROR_SUCCESS) return nullptr;
    // CreateFileW and CreateDirectoryW take a non-const pointer but only read it.
    return const_cast<SECURITY_ATTRIBUTES*>(directory ? &s.directory_attributes : &s.file_attributes);
}

std::error_code owner_only_error() noexcept {
    return error(security().error);
}

}  // namespace tempfile::detail::os::win
