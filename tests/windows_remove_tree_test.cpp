// SPDX-License-Identifier: MIT
// Windows only: the tree removal's Windows duties: read-only entries,
// reparse points removed and never followed, handles bounded at depth,
// entries held open by others.
#ifdef _WIN32
#include "harness.hpp"
#include "os.hpp"
#include "windows_support.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <windows.h>

#include <string>

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

TEST(WindowsRemoveTree, MissingRootIsNotAnError) {
    std::error_code ec;
    EXPECT_EQ(tempfile::remove_tree(test_dir() / L"missing", ec), 0u);
    EXPECT_FALSE(ec);
}

}  // namespace
#endif  // _WIN32
