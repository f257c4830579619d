// SPDX-License-Identifier: MIT
// Windows only: the tree removal's Windows duties: read-only entries,
// reparse points removed and never followed, handles bounded at depth,
// entries held open by others.
#ifdef _WIN32
#include "harness.hpp"
#include "os.hpp"
#include "windows/win32.hpp"
#include "windows_support.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <windows.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::read_text;
using tempfile_test::test_dir;
using tempfile_test::write_text;
namespace win_test = tempfile_test::windows;

// The harness counts POSIX descriptors only: here the process's handles.
DWORD handle_count() {
    DWORD n = 0;
    if (!::GetProcessHandleCount(::GetCurrentProcess(), &n))
        win_test::fail("GetProcessHandleCount", ::GetLastError());
    return n;
}

void make_read_only(const fs::path& p) {
    DWORD attributes = ::GetFileAttributesW(p.c_str());
    if (!::SetFileAttributesW(p.c_str(), attributes | FILE_ATTRIBUTE_READONLY))
        win_test::fail("SetFileAttributesW", ::GetLastError());
}

TEST(WindowsRemoveTree, RemovesReadOnlyFilesAndDirectories) {
    fs::path root = test_dir() / L"tree";
    fs::create_directories(root / L"ro-dir" / L"inner");
    write_text(root / L"ro-file", "x");
    write_text(root / L"ro-dir" / L"inner" / L"ro-file", "y");
    write_text(root / L"hidden", "z");
    ::SetFileAttributesW((root / L"hidden").c_str(), FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM);
    make_read_only(root / L"ro-file");
    make_read_only(root / L"ro-dir" / L"inner" / L"ro-file");
    make_read_only(root / L"ro-dir" / L"inner");
    make_read_only(root / L"ro-dir");
    make_read_only(root);
    EXPECT_EQ(tempfile::remove_tree(root), 6u);
    EXPECT_FALSE(win_test::exists(root));
}

TEST(WindowsRemoveTree, EmptyReadOnlyRootIsRemoved) {
    fs::path root = test_dir() / L"empty";
    fs::create_directory(root);
    make_read_only(root);
    EXPECT_EQ(tempfile::remove_tree(root), 1u);
    EXPECT_FALSE(win_test::exists(root));
}

TEST(WindowsRemoveTree, NonAsciiNamesAreRemoved) {
    fs::path root = test_dir() / L"\u00e4\u00f6\u00fc";
    fs::create_directories(root / L"\u65e5\u672c" / L"\u0444\u0430\u0439\u043b");
    write_text(root / L"\u65e5\u672c" / L"\u00e9t\u00e9.txt", "x");
    EXPECT_EQ(tempfile::remove_tree(root), 4u);
    EXPECT_FALSE(win_test::exists(root));
}

TEST(WindowsRemoveTree, RemovesADeepTreeBeyondItsWindowOfOpenHandles) {
    // 80 levels: more than the 32 handles the walk keeps open, so the levels
    // above are closed on the way down and reopened (by file ID) on the way up.
    // Short names keep every path under MAX_PATH for the setup's own calls.
    fs::path root = test_dir() / L"deep";
    fs::path p = root;
    constexpr int depth = 80;
    for (int i = 0; i < depth; ++i) {
        p /= L"d";
        ASSERT_TRUE(fs::create_directories(p)) << i;
        write_text(p.parent_path() / L"f", "x");
    }
    DWORD handles = handle_count();
    EXPECT_EQ(tempfile::remove_tree(root), 1u + 2u * depth);
    EXPECT_EQ(handle_count(), handles) << "handles leaked";
    EXPECT_FALSE(win_test::exists(root));
}

TEST(WindowsRemoveTree, RemovesALinkOrJunctionWithoutFollowingIt) {
    fs::path outside = test_dir() / L"outside";
    fs::create_directory(outside);
    write_text(outside / L"keep.txt", "precious");
    fs::path root = test_dir() / L"tree";
    fs::create_directory(root);
    if (!win_test::make_directory_link(root / L"link", outside)) {
        fs::remove_all(outside);
        fs::remove_all(root);
        GTEST_SKIP() << "this OS (Wine 8) creates neither directory symbolic links nor junctions";
    }
    write_text(root / L"file", "x");
    EXPECT_EQ(tempfile::remove_tree(root), 3u);
    EXPECT_FALSE(win_test::exists(root));
    EXPECT_EQ(read_text(outside / L"keep.txt"), "precious");
    fs::remove_all(outside);
}

TEST(WindowsRemoveTree, RootThatIsALinkOrJunctionLosesOnlyTheLink) {
    fs::path outside = test_dir() / L"outside";
    fs::create_directory(outside);
    write_text(outside / L"keep.txt", "precious");
    fs::path link = test_dir() / L"link";
    if (!win_test::make_directory_link(link, outside)) {
        fs::remove_all(outside);
        GTEST_SKIP() << "this OS (Wine 8) creates neither directory symbolic links nor junctions";
    }
    EXPECT_EQ(tempfile::remove_tree(link), 1u);
    EXPECT_FALSE(win_test::exists(link));
    EXPECT_EQ(read_text(outside / L"keep.txt"), "precious");
    fs::remove_all(outside);
}

TEST(WindowsRemoveTree, EntryHeldOpenWithoutShareDeleteIsReportedAndTheRestRemoved) {
    fs::path root = test_dir() / L"tree";
    fs::create_directories(root / L"sub");
    write_text(root / L"sub" / L"busy", "x");
    write_text(root / L"other", "y");
    HANDLE busy = ::CreateFileW((root / L"sub" / L"busy").c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr,
                                OPEN_EXISTING, 0, nullptr);
    ASSERT_NE(busy, INVALID_HANDLE_VALUE);
    std::error_code ec;
    fs::path failed;
    DWORD handles = handle_count();
    std::uintmax_t removed = tempfile::detail::os::remove_tree(root, ec, &failed);
    EXPECT_EQ(handle_count(), handles) << "handles leaked";
    ::CloseHandle(busy);
    EXPECT_EQ(ec.value(), ERROR_SHARING_VIOLATION) << ec.message();
    EXPECT_EQ(failed, root / L"sub" / L"busy");
    EXPECT_EQ(removed, 1u) << "\"other\" goes; sub, busy and the root stay";
    EXPECT_EQ(list_dir(root), std::vector<std::string>{"sub"});
    EXPECT_EQ(tempfile::remove_tree(root), 3u);
}

TEST(WindowsRemoveTree, FileHeldOpenWithShareDeleteDoesNotBlockItsDirectory) {
    if (win_test::under_wine())
        GTEST_SKIP() << "Wine 8 has no POSIX delete semantics (FileDispositionInfoEx fails with error 87): "
                        "a deleted file keeps its name, and its directory, until its last handle closes";
    fs::path root = test_dir() / L"tree";
    fs::create_directory(root);
    write_text(root / L"open", "x");
    HANDLE open = ::CreateFileW((root / L"open").c_str(), GENERIC_READ,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                OPEN_EXISTING, 0, nullptr);
    ASSERT_NE(open, INVALID_HANDLE_VALUE);
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(root, ec), 2u);
    ::CloseHandle(open);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_FALSE(win_test::exists(root));
}

// ---- paths longer than MAX_PATH ---------------------------------------------

// A directory chain under `root` whose deepest path passes 300 characters,
// made through \\?\ (the setup's own calls would otherwise stop at MAX_PATH).
fs::path make_long_chain(const fs::path& root) {
    fs::path p = root;
    const std::wstring level(40, L'l');
    while (p.native().size() < 320) {
        p /= level;
        std::wstring verbatim = L"\\\\?\\" + p.native();
        if (!::CreateDirectoryW(verbatim.c_str(), nullptr))
            win_test::fail("CreateDirectoryW", ::GetLastError());
    }
    std::wstring file = L"\\\\?\\" + (p / L"deep-file").native();
    HANDLE h = ::CreateFileW(file.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, 0, nullptr);
    if (h == INVALID_HANDLE_VALUE) win_test::fail("CreateFileW", ::GetLastError());
    ::CloseHandle(h);
    return p;
}

// The names in a directory of any length (FindFirstFileW through \\?\).
std::vector<std::wstring> names_in(const fs::path& dir) {
    std::vector<std::wstring> names;
    WIN32_FIND_DATAW found;
    HANDLE find = ::FindFirstFileW((L"\\\\?\\" + dir.native() + L"\\*").c_str(), &found);
    if (find == INVALID_HANDLE_VALUE) return names;
    do {
        std::wstring name = found.cFileName;
        if (name != L"." && name != L"..") names.push_back(name);
    } while (::FindNextFileW(find, &found));
    ::FindClose(find);
    return names;
}

TEST(WindowsRemoveTree, TreeDeeperThanMaxPathIsRemovedNotTakenForGone) {
    fs::path root = test_dir() / L"long";
    ASSERT_TRUE(fs::create_directory(root));
    fs::path deepest = make_long_chain(root);
    ASSERT_GT(deepest.native().size(), 300u);
    std::size_t levels = 0;
    for (fs::path p = deepest; p != root; p = p.parent_path()) ++levels;
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(root, ec), 1u + levels + 1u) << ec.message();
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_FALSE(win_test::exists(root));
}

TEST(WindowsRemoveTree, LongPathOfItsOwnIsRemoved) {
    fs::path root = test_dir() / L"long";
    ASSERT_TRUE(fs::create_directory(root));
    fs::path deepest = make_long_chain(root);
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(deepest, ec), 2u) << ec.message();  // it and its file
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_FALSE(win_test::exists(L"\\\\?\\" + deepest.native()));
    EXPECT_TRUE(win_test::exists(deepest.parent_path()));
    tempfile::remove_tree(root);
}

TEST(WindowsRemoveTree, OwnersWorkInADirectoryDeeperThanMaxPath) {
    fs::path root = test_dir() / L"long";
    ASSERT_TRUE(fs::create_directory(root));
    fs::path deepest = make_long_chain(root);
    {
        tempfile::directory_options o;
        o.dir = deepest;
        tempfile::temporary_directory d(o);
        tempfile::named_file_options f;
        f.dir = d.path();
        f.delete_on_close = false;
        tempfile::named_temporary_file named(f);
        named.write("deep");
        EXPECT_TRUE(win_test::exists(L"\\\\?\\" + named.path().native()));
        tempfile::name_options n;
        n.dir = d.path();
        tempfile::created_file made = tempfile::mkstemp(n);
        made.handle.close();
    }
    EXPECT_EQ(names_in(deepest), std::vector<std::wstring>{L"deep-file"}) << "the owners left something";
    tempfile::remove_tree(root);
}

TEST(WindowsPaths, LongPathsGetTheVerbatimPrefixShortOnesStayAsTheyAre) {
    namespace win = tempfile::detail::os::win;
    const std::wstring name(300, L'n');
    EXPECT_EQ(win::long_path(L"C:\\short\\path"), L"C:\\short\\path");
    EXPECT_EQ(win::long_path(L"C:\\" + name), L"\\\\?\\C:\\" + name);
    EXPECT_EQ(win::long_path(L"C:/a/./b/../" + name), L"\\\\?\\C:\\a\\" + name) << "resolved first";
    EXPECT_EQ(win::long_path(L"\\\\server\\share\\" + name), L"\\\\?\\UNC\\server\\share\\" + name);
    EXPECT_EQ(win::long_path(L"\\\\?\\C:\\" + name), L"\\\\?\\C:\\" + name) << "already verbatim";
}

// ---- what the walk decides ----------------------------------------------------

TEST(WindowsRemoveTreeDecisions, OnlyNameSurrogateReparsePointsAreLinks) {
    namespace win = tempfile::detail::os::win;
    constexpr DWORD dir = FILE_ATTRIBUTE_DIRECTORY;
    constexpr DWORD reparse = FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT;
    EXPECT_TRUE(win::enters_directory(dir, 0));
    EXPECT_FALSE(win::enters_directory(reparse, IO_REPARSE_TAG_SYMLINK));
    EXPECT_FALSE(win::enters_directory(reparse, IO_REPARSE_TAG_MOUNT_POINT)) << "junctions, mounted volumes";
    EXPECT_TRUE(win::enters_directory(reparse, 0x9000001AUL))
        << "IO_REPARSE_TAG_CLOUD (OneDrive placeholder)";
    EXPECT_TRUE(win::enters_directory(reparse, 0x9000601AUL)) << "IO_REPARSE_TAG_CLOUD_6";
    EXPECT_TRUE(win::enters_directory(reparse, 0x80000013UL)) << "IO_REPARSE_TAG_DEDUP";
    EXPECT_FALSE(win::enters_directory(FILE_ATTRIBUTE_NORMAL, 0)) << "a file is deleted, not entered";
    EXPECT_FALSE(win::enters_directory(FILE_ATTRIBUTE_REPARSE_POINT, 0x9000001AUL));
}

TEST(WindowsRemoveTreeDecisions, ListingErrorsEndFallBackOrFail) {
    namespace win = tempfile::detail::os::win;
    using step = win::listing_step;
    EXPECT_EQ(win::after_listing_error(ERROR_NO_MORE_FILES, false, false), step::end);
    EXPECT_EQ(win::after_listing_error(ERROR_NO_MORE_FILES, true, true), step::end);
    EXPECT_EQ(win::after_listing_error(ERROR_FILE_NOT_FOUND, true, false), step::end)
        << "empty, on some shares";
    EXPECT_EQ(win::after_listing_error(ERROR_FILE_NOT_FOUND, false, false), step::fail);
    EXPECT_EQ(win::after_listing_error(ERROR_INVALID_PARAMETER, true, false), step::fall_back);
    EXPECT_EQ(win::after_listing_error(ERROR_INVALID_LEVEL, true, false), step::fall_back);
    EXPECT_EQ(win::after_listing_error(ERROR_NOT_SUPPORTED, true, false), step::fall_back);
    EXPECT_EQ(win::after_listing_error(ERROR_INVALID_PARAMETER, true, true), step::fail)
        << "no second fallback";
    EXPECT_EQ(win::after_listing_error(ERROR_ACCESS_DENIED, true, false), step::fail);
}

TEST(WindowsRemoveTreeDecisions, BothListingClassesSeeTheSameEntries) {
    namespace win = tempfile::detail::os::win;
    fs::path root = test_dir() / L"listed";
    fs::create_directories(root / L"sub");
    write_text(root / L"\u00e9t\u00e9", "x");
    write_text(root / L"plain", "y");
    HANDLE dir = ::CreateFileW(root.c_str(), FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                               OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    ASSERT_NE(dir, INVALID_HANDLE_VALUE);
    std::vector<std::wstring> seen[2];
    for (bool full : {false, true}) {
        std::vector<win::listed_entry> entries;
        std::error_code ec = win::list_directory(dir, full, entries);
        EXPECT_FALSE(ec && ec.value() != ERROR_INVALID_LEVEL) << ec.message();
        for (const auto& e : entries) {
            seen[full].push_back(e.name);
            EXPECT_EQ(e.name == L"sub", (e.attributes & FILE_ATTRIBUTE_DIRECTORY) != 0);
        }
        std::sort(seen[full].begin(), seen[full].end());
    }
    ::CloseHandle(dir);
    EXPECT_EQ(seen[0], (std::vector<std::wstring>{L"plain", L"sub", L"\u00e9t\u00e9"}));
    EXPECT_EQ(seen[1], seen[0]);
    tempfile::remove_tree(root);
}

TEST(WindowsRemoveTreeDecisions, OneRetryBudgetServesAWholeCall) {
    namespace win = tempfile::detail::os::win;
    win::retry_budget budget;  // what one remove_tree call gets
    DWORD first_entry = 0;
    for (int attempt = 0; DWORD ms = budget.next_pause(attempt); ++attempt) first_entry += ms;
    EXPECT_EQ(first_entry, win::retry_budget::default_ms) << "1 + 2 + 4 + ... up to the budget";
    EXPECT_EQ(budget.next_pause(0), 0u) << "a second locked entry waits no more";
    win::retry_budget close_event(500);
    EXPECT_EQ(close_event.next_pause(0), 1u);
    EXPECT_EQ(close_event.next_pause(9), 499u) << "never more than what is left";
    EXPECT_EQ(close_event.next_pause(1), 0u);
}

TEST(WindowsRemoveTreeDecisions, ExtendedDispositionFallbackIsPerCallNeverProcessWide) {
    namespace win = tempfile::detail::os::win;
    EXPECT_TRUE(win::disposition_ex_refused(ERROR_INVALID_PARAMETER))
        << "Wine, old Windows, and FAT for any class";
    EXPECT_TRUE(win::disposition_ex_refused(ERROR_INVALID_FUNCTION));
    EXPECT_TRUE(win::disposition_ex_refused(ERROR_NOT_SUPPORTED));
    EXPECT_FALSE(win::disposition_ex_refused(ERROR_ACCESS_DENIED));
    EXPECT_FALSE(win::disposition_ex_refused(ERROR_SHARING_VIOLATION));
    // What a call learnt starts afresh with the next one.
    EXPECT_FALSE(win::deletion_state{}.ex_refused);
    // Under Wine the extended class is refused, yet every call still deletes.
    for (int i = 0; i < 2; ++i) {
        fs::path root = test_dir() / L"tree";
        fs::create_directories(root / L"d");
        write_text(root / L"d" / L"f", "x");
        EXPECT_EQ(tempfile::remove_tree(root), 3u);
    }
}

TEST(WindowsFileIdentity, SameFileSameIdentityOthersDiffer) {
    namespace win = tempfile::detail::os::win;
    write_text(test_dir() / L"a", "a");
    write_text(test_dir() / L"b", "b");
    auto open = [](const fs::path& p) {
        return ::CreateFileW(p.c_str(), FILE_READ_ATTRIBUTES,
                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                             0, nullptr);
    };
    HANDLE a1 = open(test_dir() / L"a"), a2 = open(test_dir() / L"a"), b = open(test_dir() / L"b");
    win::file_identity ia1, ia2, ib;
    EXPECT_TRUE(win::read_identity(a1, ia1));
    EXPECT_TRUE(win::read_identity(a2, ia2));
    EXPECT_TRUE(win::read_identity(b, ib));
    EXPECT_EQ(ia1, ia2);
    EXPECT_NE(ia1, ib);
    for (HANDLE h : {a1, a2, b}) ::CloseHandle(h);
    fs::remove(test_dir() / L"a");
    fs::remove(test_dir() / L"b");
}

TEST(WindowsRemoveTree, MissingRootIsNotAnError) {
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(test_dir() / L"missing", ec), 0u);
    EXPECT_FALSE(ec);
}

}  // namespace
#endif  // _WIN32
