// SPDX-License-Identifier: MIT
// Windows only: the owner-only DACL that replaces POSIX's 0600/0700 (CPython's
// fix for CVE-2024-4030, without its gh-157876 regression for elevated
// processes: the grant goes to the token's user, not to its owner).
#ifdef _WIN32
#include "harness.hpp"
#include "windows/win32.hpp"
#include "windows_support.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <aclapi.h>
#include <sddl.h>
#include <windows.h>

#include <memory>
#include <set>
#include <vector>

namespace {
namespace fs = std::filesystem;
namespace win_test = tempfile_test::windows;

struct local_free {
    void operator()(void* p) const { ::LocalFree(p); }
};
using descriptor_ptr = std::unique_ptr<void, local_free>;

struct dacl_view {
    descriptor_ptr descriptor;
    PACL dacl = nullptr;
};

dacl_view read_dacl(const fs::path& p) {
    dacl_view v;
    PSECURITY_DESCRIPTOR raw = nullptr;
    DWORD e = ::GetNamedSecurityInfoW(p.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr,
                                      &v.dacl, nullptr, &raw);
    if (e != ERROR_SUCCESS) win_test::fail("GetNamedSecurityInfoW", e);
    v.descriptor.reset(raw);
    return v;
}

std::vector<unsigned char> token_user_sid() {
    HANDLE token = nullptr;
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token))
        win_test::fail("OpenProcessToken", ::GetLastError());
    std::vector<unsigned char> buffer(sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE);
    DWORD length = 0;
    BOOL ok =
        ::GetTokenInformation(token, TokenUser, buffer.data(), static_cast<DWORD>(buffer.size()), &length);
    ::CloseHandle(token);
    if (!ok) win_test::fail("GetTokenInformation", ::GetLastError());
    PSID sid = reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid;
    auto* bytes = static_cast<unsigned char*>(sid);
    return std::vector<unsigned char>(bytes, bytes + ::GetLengthSid(sid));
}

std::vector<unsigned char> system_sid() {
    std::vector<unsigned char> sid(SECURITY_MAX_SID_SIZE);
    DWORD size = static_cast<DWORD>(sid.size());
    if (!::CreateWellKnownSid(WinLocalSystemSid, nullptr, sid.data(), &size))
        win_test::fail("CreateWellKnownSid", ::GetLastError());
    sid.resize(size);
    return sid;
}

// Exactly two entries: full access allowed to the token's user and to SYSTEM,
// inherited by children when `inherit` (directories), nobody else. In any
// order: allow-only lists mean the same in every order, and Wine reorders.
void expect_owner_only(const fs::path& p, BYTE inherit) {
    dacl_view v = read_dacl(p);
    ASSERT_NE(v.dacl, nullptr) << "no DACL: everyone has full access";
    ASSERT_EQ(v.dacl->AceCount, 2u);
    std::set<std::vector<unsigned char>> expected{token_user_sid(), system_sid()}, seen;
    for (DWORD i = 0; i < v.dacl->AceCount; ++i) {
        void* raw = nullptr;
        ASSERT_TRUE(::GetAce(v.dacl, i, &raw));
        auto* ace = static_cast<ACCESS_ALLOWED_ACE*>(raw);
        EXPECT_EQ(ace->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
        EXPECT_EQ(ace->Header.AceFlags & (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE), inherit);
        EXPECT_EQ(ace->Mask & FILE_ALL_ACCESS, static_cast<DWORD>(FILE_ALL_ACCESS));
        PSID sid = &ace->SidStart;
        auto* bytes = static_cast<unsigned char*>(sid);
        seen.insert(std::vector<unsigned char>(bytes, bytes + ::GetLengthSid(sid)));
    }
    EXPECT_EQ(seen, expected) << "the entries are not for the token's user and SYSTEM";
}

TEST(WindowsSecurity, NewDirectoryGrantsOnlyTheTokenUserAndSystem) {
    fs::path dir = tempfile::mkdtemp();
    expect_owner_only(dir, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE);
    fs::remove(dir);
}

TEST(WindowsSecurity, TemporaryDirectoryGrantsOnlyTheTokenUserAndSystem) {
    tempfile::temporary_directory t;
    expect_owner_only(t.path(), OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE);
}

TEST(WindowsSecurity, NewFileGrantsOnlyTheTokenUserAndSystem) {
    tempfile::created_file made = tempfile::mkstemp();
    expect_owner_only(made.path, 0);
    made.handle.close();
    fs::remove(made.path);
    tempfile::named_temporary_file named;
    expect_owner_only(named.path(), 0);
}

TEST(WindowsSecurity, NewDirectoryDaclIsProtectedFromInheritance) {
    if (win_test::under_wine())
        GTEST_SKIP() << "Wine 8 stores the DACL but drops SE_DACL_PROTECTED from the descriptor it keeps";
    fs::path dir = tempfile::mkdtemp();
    dacl_view v = read_dacl(dir);
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision = 0;
    ASSERT_TRUE(::GetSecurityDescriptorControl(v.descriptor.get(), &control, &revision));
    EXPECT_TRUE(control & SE_DACL_PROTECTED);
    fs::remove(dir);
}

// Enforcement, as the OS's own access check sees it: a token that is neither
// the user nor SYSTEM (the anonymous one) gets nothing.
TEST(WindowsSecurity, AnotherTokenIsDeniedTheNewDirectory) {
    if (win_test::under_wine())
        GTEST_SKIP()
            << "Wine does not enforce DACLs (access is decided by Unix permissions, and CI runs as root)";
    fs::path dir = tempfile::mkdtemp();
    PSECURITY_DESCRIPTOR raw = nullptr;
    DWORD e = ::GetNamedSecurityInfoW(
        dir.c_str(), SE_FILE_OBJECT,
        OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, nullptr, nullptr,
        nullptr, nullptr, &raw);
    ASSERT_EQ(e, static_cast<DWORD>(ERROR_SUCCESS));
    descriptor_ptr descriptor(raw);
    ASSERT_TRUE(::ImpersonateAnonymousToken(::GetCurrentThread()));
    HANDLE token = nullptr;
    BOOL opened = ::OpenThreadToken(::GetCurrentThread(), TOKEN_QUERY, TRUE, &token);
    ::RevertToSelf();
    ASSERT_TRUE(opened);
    GENERIC_MAPPING mapping{FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS};
    PRIVILEGE_SET privileges{};
    DWORD privileges_length = sizeof privileges;
    DWORD granted = 0;
    BOOL allowed = TRUE;
    BOOL checked = ::AccessCheck(descriptor.get(), token, FILE_LIST_DIRECTORY, &mapping, &privileges,
                                 &privileges_length, &granted, &allowed);
    ::CloseHandle(token);
    ASSERT_TRUE(checked) << ::GetLastError();
    EXPECT_FALSE(allowed);
    fs::remove(dir);
}

// A process in an AppContainer (a sandboxed packaged app) passes an access
// check only if its package SID is granted too: the DACL then names it.
// Wine runs no AppContainer, so the builder is checked with a package SID.
TEST(WindowsSecurity, OwnerOnlyAclAlsoAdmitsThePackageSidOfAnAppContainer) {
    namespace win = tempfile::detail::os::win;
    PSID user = nullptr, system = nullptr, package = nullptr;
    ASSERT_TRUE(::ConvertStringSidToSidW(L"S-1-5-21-1-2-3-1001", &user));
    ASSERT_TRUE(::ConvertStringSidToSidW(L"S-1-5-18", &system));
    ASSERT_TRUE(::ConvertStringSidToSidW(L"S-1-15-2-1-2-3-4-5-6-7", &package));
    alignas(
        DWORD) unsigned char buffer[sizeof(ACL) + 3 * (sizeof(ACCESS_ALLOWED_ACE) + SECURITY_MAX_SID_SIZE)];
    auto* acl = reinterpret_cast<ACL*>(buffer);
    ASSERT_TRUE(win::build_owner_only_acl(acl, sizeof buffer, 0, user, system, package));
    ASSERT_EQ(acl->AceCount, 3u);
    std::vector<PSID> granted;
    for (DWORD i = 0; i < acl->AceCount; ++i) {
        void* ace = nullptr;
        ASSERT_TRUE(::GetAce(acl, i, &ace));
        auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
        EXPECT_EQ(allowed->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
        EXPECT_EQ(allowed->Mask, static_cast<DWORD>(FILE_ALL_ACCESS));
        granted.push_back(&allowed->SidStart);
    }
    EXPECT_TRUE(::EqualSid(granted[0], user));
    EXPECT_TRUE(::EqualSid(granted[1], system));
    EXPECT_TRUE(::EqualSid(granted[2], package));
    ASSERT_TRUE(win::build_owner_only_acl(acl, sizeof buffer, 0, user, system, nullptr));
    EXPECT_EQ(acl->AceCount, 2u) << "outside an AppContainer: the user and SYSTEM only";
    for (PSID sid : {user, system, package}) ::LocalFree(sid);
}

}  // namespace
#endif  // _WIN32
