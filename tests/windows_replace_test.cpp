// SPDX-License-Identifier: MIT
// Windows only: atomic_file's and persist()'s Windows duties
// (src/windows/replace_windows.cpp): ReplaceFileW keeping the target's
// attributes and ACL, MoveFileExW for a new target, symbolic links, paths
// longer than MAX_PATH, and the retries of transient refusals, whose
// decisions are tested as the pure functions they are.
#ifdef _WIN32
#include "harness.hpp"
#include "windows/win32.hpp"
#include "windows_support.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <aclapi.h>
#include <windows.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {
namespace fs = std::filesystem;
namespace win = tempfile::detail::os::win;
namespace win_test = tempfile_test::windows;
using tempfile_test::list_dir;
using tempfile_test::read_text;
using tempfile_test::test_dir;
using tempfile_test::write_text;

// ---- decisions ------------------------------------------------------------------

TEST(WindowsReplaceDecisions, OnlyAccessDeniedAndSharingViolationsAreTransient) {
    EXPECT_TRUE(win::is_transient_refusal(ERROR_ACCESS_DENIED));
    EXPECT_TRUE(win::is_transient_refusal(ERROR_SHARING_VIOLATION));
    for (DWORD final_error :
         {ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND, ERROR_ALREADY_EXISTS, ERROR_NOT_SAME_DEVICE,
          ERROR_DISK_FULL, ERROR_INVALID_NAME, ERROR_LOCK_VIOLATION})
        EXPECT_FALSE(win::is_transient_refusal(final_error)) << final_error;
}

TEST(WindowsReplaceDecisions, ReplaceFileErrorsRetryMoveInsteadOrFail) {
    using step = win::replace_step;
    EXPECT_EQ(win::after_replace_error(ERROR_FILE_NOT_FOUND), step::move_instead);  // a new target
    EXPECT_EQ(win::after_replace_error(ERROR_UNABLE_TO_MOVE_REPLACEMENT), step::move_instead);
    EXPECT_EQ(win::after_replace_error(ERROR_UNABLE_TO_REMOVE_REPLACED), step::retry);
    EXPECT_EQ(win::after_replace_error(ERROR_ACCESS_DENIED), step::retry);
    EXPECT_EQ(win::after_replace_error(ERROR_SHARING_VIOLATION), step::retry);
    for (DWORD final_error : {ERROR_PATH_NOT_FOUND, ERROR_UNABLE_TO_MOVE_REPLACEMENT_2, ERROR_DISK_FULL,
                              ERROR_NOT_SAME_DEVICE, ERROR_INVALID_PARAMETER})
        EXPECT_EQ(win::after_replace_error(final_error), step::fail) << final_error;
}

TEST(WindowsReplaceDecisions, ADirectoryInTheWayIsNotWorthAnyRetry) {
    fs::create_directory(test_dir() / L"dir");
    write_text(test_dir() / L"file", "");
    EXPECT_FALSE(win::worth_retrying(ERROR_ACCESS_DENIED, (test_dir() / L"dir").c_str()));
    EXPECT_TRUE(win::worth_retrying(ERROR_ACCESS_DENIED, (test_dir() / L"file").c_str()));
    EXPECT_TRUE(win::worth_retrying(ERROR_SHARING_VIOLATION, (test_dir() / L"missing").c_str()));
    EXPECT_FALSE(win::worth_retrying(ERROR_FILE_NOT_FOUND, (test_dir() / L"file").c_str()));
    fs::remove(test_dir() / L"dir"), fs::remove(test_dir() / L"file");
}

// The output of FSCTL_GET_REPARSE_POINT for a symbolic link holding `name`.
std::vector<unsigned char> symlink_data(const std::wstring& name, bool relative,
                                        DWORD tag = IO_REPARSE_TAG_SYMLINK) {
    const auto bytes = static_cast<USHORT>(name.size() * sizeof(wchar_t));
    std::vector<unsigned char> data(20 + 2 * bytes);
    auto put16 = [&](std::size_t at, USHORT v) { std::memcpy(&data[at], &v, sizeof v); };
    auto put32 = [&](std::size_t at, ULONG v) { std::memcpy(&data[at], &v, sizeof v); };
    put32(0, tag);
    put16(4, static_cast<USHORT>(data.size() - 8));
    put16(8, 0);       // substitute name: first
    put16(10, bytes);  // its length
    put16(12, bytes);  // print name: after it
    put16(14, bytes);
    put32(16, relative ? 1 : 0);
    std::memcpy(&data[20], name.data(), bytes);
    std::memcpy(&data[20 + bytes], name.data(), bytes);
    return data;
}

TEST(WindowsReplaceDecisions, SymbolicLinkReparseDataGivesTheTargetInWin32Form) {
    struct {
        std::wstring held;
        bool relative;
        std::wstring expected;
    } cases[] = {
        {L"..\\repo\\app.toml", true, L"..\\repo\\app.toml"},
        {L"\\??\\C:\\dotfiles\\app.toml", false, L"C:\\dotfiles\\app.toml"},
        {L"\\??\\UNC\\server\\share\\app.toml", false, L"\\\\server\\share\\app.toml"},
        {L"\\??\\Volume{0123}\\app.toml", false, L"\\\\?\\Volume{0123}\\app.toml"},
    };
    for (const auto& c : cases) {
        const std::vector<unsigned char> data = symlink_data(c.held, c.relative);
        std::wstring out;
        EXPECT_TRUE(win::symlink_target(data.data(), data.size(), out));
        EXPECT_EQ(out, c.expected);
    }
    std::wstring out;
    std::vector<unsigned char> junction = symlink_data(L"\\??\\C:\\dir", false, IO_REPARSE_TAG_MOUNT_POINT);
    EXPECT_FALSE(win::symlink_target(junction.data(), junction.size(), out)) << "a junction is no file link";
    std::vector<unsigned char> cut = symlink_data(L"C:\\dotfiles\\app.toml", false);
    EXPECT_FALSE(win::symlink_target(cut.data(), 30, out)) << "lengths past the data";
}

// ---- atomic_file and persist ---------------------------------------------------------

DWORD attributes_of(const fs::path& p) {
    return ::GetFileAttributesW(p.c_str());
}

// The ReplaceFileW path itself, also where os::replace does not take it
// (Wine): an existing target replaced, a missing one moved into place, and
// nothing else left in the directory.
TEST(WindowsReplace, TheReplaceFilePathReplacesAnExistingTargetAndMovesToAMissingOne) {
    write_text(test_dir() / L"replacement", "new");
    write_text(test_dir() / L"target", "old");
    std::error_code ec;
    win::replace(test_dir() / L"replacement", test_dir() / L"target", true, true, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(read_text(test_dir() / L"target"), "new");
    write_text(test_dir() / L"replacement", "newer");
    win::replace(test_dir() / L"replacement", test_dir() / L"missing", true, true, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(read_text(test_dir() / L"missing"), "newer");
    EXPECT_EQ(list_dir(test_dir()), (std::vector<std::string>{"missing", "target"}));
    win::replace(test_dir() / L"gone", test_dir() / L"target", true, true, ec);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_EQ(read_text(test_dir() / L"target"), "new");
    fs::remove(test_dir() / L"target"), fs::remove(test_dir() / L"missing");
}

TEST(WindowsReplace, OnlyWineIsDeniedTheReplaceFilePath) {
    EXPECT_EQ(win::replace_file_is_atomic(), !win_test::under_wine());
}

TEST(WindowsAtomicFile, AnExistingTargetKeepsItsAttributesThroughReplaceFile) {
    if (!win::replace_file_is_atomic())
        GTEST_SKIP()
            << "Wine: atomic_file renames with MoveFileExW, whose result has the new file's attributes";
    const fs::path target = test_dir() / L"settings.ini";
    write_text(target, "old");
    ASSERT_TRUE(::SetFileAttributesW(target.c_str(), FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_ARCHIVE));
    tempfile::atomic_file f(target);
    f.write("new");
    f.commit();
    EXPECT_EQ(read_text(target), "new");
    EXPECT_TRUE(attributes_of(target) & FILE_ATTRIBUTE_HIDDEN);
    EXPECT_FALSE(attributes_of(target) & FILE_ATTRIBUTE_TEMPORARY);
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"settings.ini"});
    ::SetFileAttributesW(target.c_str(), FILE_ATTRIBUTE_NORMAL);
    fs::remove(target);
}

// The number of entries in p's DACL, and whether one denies Everyone.
struct dacl_summary {
    DWORD entries = 0;
    bool denies = false;
};
dacl_summary dacl_of(const fs::path& p) {
    PACL dacl = nullptr;
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    dacl_summary out;
    if (::GetNamedSecurityInfoW(p.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl,
                                nullptr, &descriptor) != ERROR_SUCCESS)
        return out;
    if (dacl != nullptr) {
        out.entries = dacl->AceCount;
        for (DWORD i = 0; i < dacl->AceCount; ++i) {
            void* ace = nullptr;
            if (::GetAce(dacl, i, &ace) && static_cast<ACE_HEADER*>(ace)->AceType == ACCESS_DENIED_ACE_TYPE)
                out.denies = true;
        }
    }
    ::LocalFree(descriptor);
    return out;
}

TEST(WindowsAtomicFile, AnExistingTargetKeepsItsAclThroughReplaceFile) {
    const fs::path target = test_dir() / L"shared.cfg";
    write_text(target, "old");
    win_test::deny_everyone(target, FILE_EXECUTE);
    const dacl_summary before = dacl_of(target);
    if (!before.denies || !win::replace_file_is_atomic()) {
        fs::remove(target);
        GTEST_SKIP() << "Wine keeps no deny entry in a file's DACL, and renames with MoveFileExW";
    }
    tempfile::atomic_file f(target);
    f.write("new");
    f.commit();
    EXPECT_EQ(read_text(target), "new");
    const dacl_summary after = dacl_of(target);
    EXPECT_TRUE(after.denies);
    EXPECT_EQ(after.entries, before.entries);
    fs::remove(target);
}

TEST(WindowsAtomicFile, ANewTargetIsMovedIntoPlaceWithoutTheTemporaryAttribute) {
    const fs::path target = test_dir() / L"new.txt";
    tempfile::atomic_file f(target);
    f.write("fresh");
    f.commit();
    EXPECT_EQ(read_text(target), "fresh");
    EXPECT_FALSE(attributes_of(target) & FILE_ATTRIBUTE_TEMPORARY);
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"new.txt"});
    fs::remove(target);
}

TEST(WindowsAtomicFile, ThroughASymbolicLinkTheFileItLeadsToIsReplaced) {
    fs::create_directory(test_dir() / L"repo");
    write_text(test_dir() / L"repo" / L"app.toml", "old");
    const fs::path link = test_dir() / L"app.toml";
    constexpr DWORD unprivileged = 0x2;  // SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE
    if (!::CreateSymbolicLinkW(link.c_str(), L"repo\\app.toml", unprivileged) || !win_test::exists(link)) {
        fs::remove_all(test_dir() / L"repo");
        GTEST_SKIP()
            << "this system makes no file symbolic link here (Wine 8 reports success and makes none; "
               "Windows needs developer mode or the privilege)";
    }
    tempfile::atomic_file f(link);
    f.write("new");
    f.commit();
    EXPECT_EQ(read_text(test_dir() / L"repo" / L"app.toml"), "new");
    EXPECT_TRUE(attributes_of(link) & FILE_ATTRIBUTE_REPARSE_POINT) << "the link stays a link";
    ::DeleteFileW(link.c_str());
    fs::remove_all(test_dir() / L"repo");
}

// A directory chain whose deepest path passes 300 characters, made through \\?\.
fs::path make_long_chain(const fs::path& root) {
    fs::path p = root;
    const std::wstring level(40, L'l');
    while (p.native().size() < 320) {
        p /= level;
        if (!::CreateDirectoryW((L"\\\\?\\" + p.native()).c_str(), nullptr))
            win_test::fail("CreateDirectoryW", ::GetLastError());
    }
    return p;
}

std::string read_verbatim(const fs::path& p) {
    HANDLE h = ::CreateFileW((L"\\\\?\\" + p.native()).c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr,
                             OPEN_EXISTING, 0, nullptr);
    if (h == INVALID_HANDLE_VALUE) return "<cannot open>";
    char buffer[256];
    DWORD got = 0;
    ::ReadFile(h, buffer, sizeof buffer, &got, nullptr);
    ::CloseHandle(h);
    return std::string(buffer, got);
}

TEST(WindowsAtomicFile, WorksInADirectoryDeeperThanMaxPath) {
    const fs::path root = test_dir() / L"long";
    ASSERT_TRUE(fs::create_directory(root));
    const fs::path deepest = make_long_chain(root);
    const fs::path target = deepest / L"config.txt";
    for (const char* content : {"created", "replaced"}) {  // MoveFileExW, then ReplaceFileW
        tempfile::atomic_file f(target);
        f.write(content);
        f.commit();
        EXPECT_EQ(read_verbatim(target), content);
    }
    tempfile::named_file_options o;
    o.dir = deepest;
    tempfile::named_temporary_file named(o);
    named.write("persisted");
    named.persist(deepest / L"persisted.txt");
    named.close();
    EXPECT_EQ(read_verbatim(deepest / L"persisted.txt"), "persisted");
    tempfile::remove_tree(root);
}

// A scanner or an indexer that opens the target without sharing for a
// moment: commit() and persist() wait it out (within their one-second
// budget) instead of failing at once.
void hold_without_sharing_for_a_moment(const fs::path& p, std::thread& releaser) {
    HANDLE h = ::CreateFileW(p.c_str(), GENERIC_READ, 0, nullptr, OPEN_EXISTING, 0, nullptr);
    if (h == INVALID_HANDLE_VALUE) win_test::fail("CreateFileW", ::GetLastError());
    releaser = std::thread([h] {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        ::CloseHandle(h);
    });
}

TEST(WindowsAtomicFile, CommitWaitsOutAShortHoldOnTheTarget) {
    const fs::path target = test_dir() / L"scanned.txt";
    write_text(target, "old");
    tempfile::atomic_file f(target);
    f.write("new");
    std::thread releaser;
    hold_without_sharing_for_a_moment(target, releaser);
    std::error_code ec;
    f.commit(ec);
    releaser.join();
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(read_text(target), "new");
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"scanned.txt"});
    fs::remove(target);
}

TEST(WindowsPersist, PersistWaitsOutAShortHoldOnTheTarget) {
    const fs::path target = test_dir() / L"scanned.txt";
    write_text(target, "old");
    tempfile::named_file_options o;
    o.dir = test_dir();
    tempfile::named_temporary_file f(o);
    f.write("new");
    std::thread releaser;
    hold_without_sharing_for_a_moment(target, releaser);
    std::error_code ec;
    f.persist(target, true, ec);
    releaser.join();
    EXPECT_FALSE(ec) << ec.message();
    f.close();
    EXPECT_EQ(read_text(target), "new");
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"scanned.txt"});
    fs::remove(target);
}

}  // namespace
#endif
