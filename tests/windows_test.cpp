// SPDX-License-Identifier: MIT
// Windows only: what the seed promises there, checked against the real OS
// (under Wine in CI): delete-on-close, another process opening a closed
// file, wide names, collisions with directories, handles not inherited.
#ifdef _WIN32
#include "harness.hpp"
#include "os.hpp"
#include "windows/signal_cleanup_windows.hpp"
#include "windows/win32.hpp"
#include "windows_support.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <windows.h>

#include <csignal>
#include <cwchar>
#include <stdexcept>
#include <string>

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::read_text;
using tempfile_test::test_dir;
namespace win_test = tempfile_test::windows;

constexpr wchar_t child_flag[] = L"--tempfile-windows-child=";
constexpr wchar_t path_variable[] = L"TEMPFILE_CHILD_PATH";
constexpr wchar_t expect_variable[] = L"TEMPFILE_CHILD_EXPECT";

std::wstring environment(const wchar_t* name) {
    const wchar_t* v = ::_wgetenv(name);
    return v ? v : L"";
}

// ---- the child: this executable started again with child_flag ----------------
// Dispatched before main() by a static object, with Win32 and the OS layer
// only (the library's own statics may not be constructed yet).

// "read": opens the file by name as an ordinary program does (the C
// runtime's fopen: share read|write, not delete) and exits 0 if it holds
// exactly the expected bytes, 1 if not, 2 if it cannot be opened.
[[noreturn]] void child_read() {
    HANDLE h =
        ::CreateFileW(environment(path_variable).c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                      nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) ::ExitProcess(2);
    char buffer[256];
    DWORD got = 0;
    BOOL ok = ::ReadFile(h, buffer, sizeof buffer, &got, nullptr);
    ::CloseHandle(h);
    std::wstring expected = environment(expect_variable);
    std::string bytes(buffer, ok ? got : 0);
    ::ExitProcess(ok && std::wstring(bytes.begin(), bytes.end()) == expected ? 0 : 1);
}

// "die": creates the file delete-on-close, checks it exists, and is killed
// (TerminateProcess: no destructor, no atexit) with status 7.
[[noreturn]] void child_die() {
    std::error_code ec;
    fs::path path(environment(path_variable));
    tempfile::detail::os::handle h = tempfile::detail::os::create_exclusive(path, true, ec);
    if (ec) ::ExitProcess(2);
    if (::GetFileAttributesW(path.c_str()) == INVALID_FILE_ATTRIBUTES) ::ExitProcess(3);
    (void)h;  // left open on purpose: the kill closes it
    ::TerminateProcess(::GetCurrentProcess(), 7);
    ::ExitProcess(4);
}

// "break": makes a delayed-delete file and a directory with a file inside
// (in the directory named by the environment), enables the cleanup, and
// sends itself Ctrl+Break; the default handler then ends it with
// STATUS_CONTROL_C_EXIT. Status 3: nothing ended it.
[[noreturn]] void child_break() {
    tempfile::named_file_options file_options;
    file_options.dir = fs::path(environment(path_variable));
    file_options.delete_on_close = false;
    tempfile::directory_options directory_options;
    directory_options.dir = file_options.dir;
    std::error_code ec;
    auto file = tempfile::named_temporary_file::create(file_options, ec);
    auto directory = tempfile::temporary_directory::create(directory_options, ec);
    if (ec) ::ExitProcess(2);
    tempfile_test::write_text(directory / "inside", "x");
    tempfile::enable_signal_cleanup();
    ::GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, ::GetCurrentProcessId());
    ::Sleep(10000);
    ::ExitProcess(3);
}

struct child_dispatch {
    child_dispatch() {
        const wchar_t* flag = std::wcsstr(::GetCommandLineW(), child_flag);
        if (flag == nullptr) return;
        std::wstring mode = flag + std::wcslen(child_flag);
        if (mode.rfind(L"read", 0) == 0) child_read();
        if (mode.rfind(L"die", 0) == 0) child_die();
        if (mode.rfind(L"break", 0) == 0) child_break();
        ::ExitProcess(99);
    }
} dispatch;

// Runs this executable as a child in `mode` with `path` (and `expected`
// content) in its environment; returns its exit status.
DWORD run_child(const wchar_t* mode, const fs::path& path, const std::string& expected = {},
                DWORD flags = 0) {
    ::_wputenv_s(path_variable, path.c_str());
    ::_wputenv_s(expect_variable, std::wstring(expected.begin(), expected.end()).c_str());
    wchar_t self[MAX_PATH];
    DWORD n = ::GetModuleFileNameW(nullptr, self, MAX_PATH);
    if (n == 0 || n == MAX_PATH) throw std::runtime_error("GetModuleFileNameW failed");
    std::wstring command = L"\"" + std::wstring(self, n) + L"\" " + child_flag + mode;
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION process{};
    if (!::CreateProcessW(nullptr, command.data(), nullptr, nullptr, FALSE, flags, nullptr, nullptr, &startup,
                          &process))
        throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(), "CreateProcessW");
    ::CloseHandle(process.hThread);
    ::WaitForSingleObject(process.hProcess, INFINITE);
    DWORD status = 255;
    ::GetExitCodeProcess(process.hProcess, &status);
    ::CloseHandle(process.hProcess);
    ::_wputenv_s(path_variable, L"");
    ::_wputenv_s(expect_variable, L"");
    return status;
}

tempfile::named_file_options delayed(const fs::path& dir = {}) {
    tempfile::named_file_options o;
    o.dir = dir;
    o.delete_on_close = false;
    return o;
}

// ---- delete on close -----------------------------------------------------------

TEST(WindowsDeleteOnClose, NamedFileIsGoneWhenItsHandleClosesWithoutTheOwner) {
    fs::path path;
    {
        tempfile::named_temporary_file f;
        path = f.path();
        f.write("data");
        EXPECT_TRUE(win_test::exists(path));
        // The handle closed behind the owner's back, as a crash would: the OS deletes.
        ::CloseHandle(f.release());
        EXPECT_FALSE(win_test::exists(path));
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(WindowsDeleteOnClose, NamedFileIsGoneAfterClose) {
    tempfile::named_temporary_file f;
    fs::path path = f.path();
    f.close();
    EXPECT_FALSE(win_test::exists(path));
    EXPECT_EQ(f.path(), path);
}

TEST(WindowsDeleteOnClose, FileVanishesWhenItsProcessIsKilled) {
    fs::path path = test_dir() / L"killed.tmp";
    EXPECT_EQ(run_child(L"die", path), 7u) << "the child could not create the file";
    EXPECT_FALSE(win_test::exists(path));
}

TEST(WindowsDeleteOnClose, TemporaryFileHasNoNameLeftAfterClose) {
    {
        tempfile::temporary_file t;
        t.write("x");
        ::CloseHandle(t.release());
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
    tempfile::temporary_file t;
    t.close();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(WindowsDeleteOnClose, CancelledFlagKeepsTheFileAndItsPosition) {
    namespace os = tempfile::detail::os;
    fs::path path = test_dir() / L"kept.txt";
    std::error_code ec;
    os::handle h = os::create_exclusive(path, true, ec);
    ASSERT_FALSE(ec) << ec.message();
    os::write(h, "abc", 3, ec);
    DWORD before = 0, after = 0;
    ::GetProcessHandleCount(::GetCurrentProcess(), &before);
    h = os::cancel_delete_on_close(h, path, ec);
    ::GetProcessHandleCount(::GetCurrentProcess(), &after);
    EXPECT_EQ(after, before) << "one handle in, one handle out";
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_NE(h, INVALID_HANDLE_VALUE);
    os::write(h, "def", 3, ec);
    os::close(h);
    EXPECT_EQ(read_text(path), "abcdef");
    EXPECT_EQ(list_dir(test_dir()), std::vector<std::string>{"kept.txt"}) << "the spare link was left behind";
    fs::remove(path);
}

TEST(WindowsDeleteOnClose, KeptFileSurvivesClose) {
    tempfile::named_temporary_file f;
    f.write("kept");
    fs::path path = f.keep();
    f.write("!");
    f.close();
    ASSERT_TRUE(win_test::exists(path));
    EXPECT_EQ(read_text(path), "kept!");
    fs::remove(path);
}

TEST(WindowsDeleteOnClose, PersistedFileSurvivesClose) {
    fs::path target = test_dir() / L"persisted.txt";
    {
        tempfile::named_temporary_file f;
        f.write("saved");
        f.persist(target);
        f.close();
    }
    ASSERT_TRUE(win_test::exists(target));
    EXPECT_EQ(read_text(target), "saved");
    EXPECT_FALSE(::GetFileAttributesW(target.c_str()) & FILE_ATTRIBUTE_TEMPORARY)
        << "a kept file is no temporary";
    fs::remove(target);
}

TEST(WindowsDeleteOnClose, CtrlBreakRemovesEveryOwnersFileAndTreeWhenEnabled) {
    if (win_test::under_wine())
        GTEST_SKIP()
            << "Wine without a terminal delivers no console control events (GenerateConsoleCtrlEvent)";
    fs::path dir = test_dir() / L"owners";
    ASSERT_TRUE(fs::create_directory(dir));
    // A process group of its own, so that the event reaches the child only.
    DWORD status = run_child(L"break", dir, {}, CREATE_NEW_PROCESS_GROUP);
    EXPECT_EQ(status, static_cast<DWORD>(STATUS_CONTROL_C_EXIT)) << "the event did not end the child";
    EXPECT_TRUE(list_dir(dir).empty());
    fs::remove_all(dir);
}

// ---- the seed's pitfall: another process opens a closed file by name ---------------

TEST(WindowsDelayedDelete, AnotherProcessReadsTheFileAfterClose) {
    fs::path path;
    {
        tempfile::named_temporary_file f(delayed());
        path = f.path();
        f.write("hello from the parent");
        f.close();
        EXPECT_EQ(run_child(L"read", path, "hello from the parent"), 0u);
    }
    EXPECT_FALSE(win_test::exists(path)) << "the owner's end deletes it";
}

TEST(WindowsDelayedDelete, ReadOnlyFileIsStillDeletedAtTheOwnersEnd) {
    fs::path path;
    {
        tempfile::named_temporary_file f(delayed());
        path = f.path();
        f.close();
        ASSERT_TRUE(::SetFileAttributesW(path.c_str(), FILE_ATTRIBUTE_READONLY));
    }
    EXPECT_FALSE(win_test::exists(path));
}

// An ordinary program opens files without FILE_SHARE_DELETE, which Windows
// refuses while any handle with DELETE access is open: ours hold none, except
// the delete-on-close ones, for which the flag needs it.
TEST(WindowsDelayedDelete, OrdinaryProgramsCanOpenFilesWeHoldOpen) {
    tempfile::created_file made = tempfile::mkstemp();
    made.handle.write("made");
    EXPECT_EQ(read_text(made.path), "made");
    tempfile::named_temporary_file delayed_file(delayed());
    delayed_file.write("delayed");
    EXPECT_EQ(read_text(delayed_file.path()), "delayed");
    tempfile::named_temporary_file kept;
    kept.write("kept");
    fs::path kept_path = kept.keep();
    EXPECT_EQ(read_text(kept_path), "kept");
    tempfile::named_temporary_file persisted;
    persisted.write("persisted");
    persisted.persist(test_dir() / L"persisted");
    EXPECT_EQ(read_text(test_dir() / L"persisted"), "persisted");
    EXPECT_EQ(run_child(L"read", made.path, "made"), 0u) << "another process";
    made.handle.close();
    kept.close();
    persisted.close();
    fs::remove(made.path);
    fs::remove(kept_path);
    fs::remove(test_dir() / L"persisted");
}

TEST(WindowsDelayedDelete, OpenFileIsSharedForReadWriteAndDelete) {
    tempfile::named_temporary_file f(delayed());
    f.write("shared");
    HANDLE other = ::CreateFileW(f.path().c_str(), GENERIC_READ | GENERIC_WRITE | DELETE,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                 OPEN_EXISTING, 0, nullptr);
    ASSERT_NE(other, INVALID_HANDLE_VALUE) << ::GetLastError();
    ::CloseHandle(other);
}

// ---- creation ------------------------------------------------------------------------

TEST(WindowsCreation, HandlesAreNotInheritable) {
    tempfile::created_file made = tempfile::mkstemp();
    tempfile::named_temporary_file named;
    tempfile::temporary_file unnamed;
    for (HANDLE h : {made.handle.native_handle(), named.native_handle(), unnamed.native_handle()}) {
        DWORD flags = 0;
        ASSERT_TRUE(::GetHandleInformation(h, &flags));
        EXPECT_EQ(flags & HANDLE_FLAG_INHERIT, 0u);
    }
    made.handle.close();
    fs::remove(made.path);
}

TEST(WindowsCreation, NewFilesCarryTheTemporaryAttribute) {
    if (win_test::under_wine()) GTEST_SKIP() << "Wine 8 does not keep FILE_ATTRIBUTE_TEMPORARY on files";
    tempfile::named_temporary_file f;
    DWORD attributes = ::GetFileAttributesW(f.path().c_str());
    ASSERT_NE(attributes, INVALID_FILE_ATTRIBUTES);
    EXPECT_TRUE(attributes & FILE_ATTRIBUTE_TEMPORARY);
}

TEST(WindowsCreation, NonAsciiDirectoriesWork) {
    fs::path dir = test_dir() / L"d\u00efr_\u65e5\u672c_\u00df";
    ASSERT_TRUE(fs::create_directory(dir));
    tempfile::name_options in;
    in.dir = dir;
    tempfile::created_file made = tempfile::mkstemp(in);
    EXPECT_EQ(made.path.parent_path(), dir);
    EXPECT_TRUE(win_test::exists(made.path));
    fs::path sub = tempfile::mkdtemp(in);
    EXPECT_EQ(sub.parent_path(), dir);
    EXPECT_TRUE(win_test::exists(sub));
    {
        tempfile::named_file_options named_in;
        named_in.dir = sub;
        tempfile::named_temporary_file f(named_in);
        EXPECT_EQ(f.path().parent_path(), sub);
        f.write("\u00e9t\u00e9");
    }
    made.handle.close();
    EXPECT_EQ(tempfile::remove_tree(dir), 3u);
    EXPECT_FALSE(win_test::exists(dir));
}

TEST(WindowsCreation, TempdirOverrideWithNonAsciiCharactersIsUsed) {
    fs::path dir = test_dir() / L"\u03c4\u03b5\u03bc\u03c0";
    ASSERT_TRUE(fs::create_directory(dir));
    tempfile::set_tempdir(dir);  // the harness clears it after the test
    {
        tempfile::temporary_directory t;
        EXPECT_EQ(t.path().parent_path(), dir);
        tempfile::named_temporary_file f;
        EXPECT_EQ(f.path().parent_path(), dir);
    }
    EXPECT_TRUE(list_dir(dir).empty());
    fs::remove(dir);
}

TEST(WindowsCreation, CreateExclusiveOnADirectoryNameIsACollision) {
    fs::path dir = test_dir() / L"taken";
    ASSERT_TRUE(fs::create_directory(dir));
    std::error_code ec;
    tempfile::detail::os::handle h = tempfile::detail::os::create_exclusive(dir, false, ec);
    EXPECT_EQ(h, INVALID_HANDLE_VALUE);
    EXPECT_EQ(ec, std::errc::file_exists) << ec.message();
    fs::remove(dir);
}

TEST(WindowsCreation, UnwritableDirectoryFailsAtOnce) {
    fs::path dir = test_dir() / L"unwritable";
    ASSERT_TRUE(fs::create_directory(dir));
    win_test::deny_everyone(dir, FILE_ADD_FILE | FILE_ADD_SUBDIRECTORY);
    HANDLE probe = ::CreateFileW((dir / L"probe").c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                                 FILE_FLAG_DELETE_ON_CLOSE, nullptr);
    if (probe != INVALID_HANDLE_VALUE) {
        ::CloseHandle(probe);
        fs::remove(dir);
        GTEST_SKIP() << "this OS (Wine) does not enforce a DACL that denies creating files";
    }
    tempfile::name_options in;
    in.dir = dir;
    std::error_code ec;
    tempfile::mkstemp(in, false, ec);
    EXPECT_EQ(ec, std::errc::permission_denied) << ec.message();
    tempfile::mkdtemp(in, ec);
    EXPECT_EQ(ec, std::errc::permission_denied) << ec.message();
    fs::remove(dir);
}

TEST(WindowsCreation, BackslashAndColonAreRejectedInAffixes) {
    for (const char* bad : {"a\\b", "a:b", "a/b"}) {
        tempfile::name_options o;
        o.prefix = bad;
        EXPECT_THROW(tempfile::mkstemp(o), std::invalid_argument) << bad;
        o.prefix = "tmp";
        o.suffix = bad;
        EXPECT_THROW(tempfile::mkdtemp(o), std::invalid_argument) << bad;
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(WindowsCreation, TextModeWritesCrLfAndReadsItBack) {
    tempfile::named_file_options o = delayed();
    o.text = true;
    tempfile::named_temporary_file f(o);
    f.stream() << "a\nb\n";
    f.stream().flush();
    f.stream().seekg(0);
    std::string line;
    std::getline(f.stream(), line);
    EXPECT_EQ(line, "a");
    f.close();
    EXPECT_EQ(read_text(f.path()), "a\r\nb\r\n");
}

// ---- gettempdir ------------------------------------------------------------------

TEST(WindowsTempdir, PlatformListIsGetTempPathThenSystemRootThenCTempAndCTmp) {
    std::vector<fs::path> dirs = tempfile::detail::os::platform_temp_directories();
    wchar_t buffer[MAX_PATH + 1];
    DWORD n = ::GetTempPathW(MAX_PATH + 1, buffer);
    ASSERT_GT(n, 0u);
    ASSERT_EQ(dirs.size(), 4u);
    std::wstring expected(buffer, n);
    if (expected.size() > 3 && expected.back() == L'\\') expected.pop_back();  // a root keeps its own
    EXPECT_EQ(dirs[0], fs::path(expected));
    EXPECT_EQ(dirs[1], fs::path(environment(L"SYSTEMROOT")) / L"Temp");
    EXPECT_EQ(dirs[2], fs::path(L"C:\\TEMP"));
    EXPECT_EQ(dirs[3], fs::path(L"C:\\TMP"));
}

TEST(WindowsTempdir, TempVariableWithNonAsciiCharactersIsUsed) {
    fs::path dir = test_dir() / L"t\u00ebmp";
    ASSERT_TRUE(fs::create_directory(dir));
    ::_wputenv_s(L"TMPDIR", L"");  // the harness restores all three
    ::_wputenv_s(L"TEMP", dir.c_str());
    tempfile::set_tempdir({});
    EXPECT_EQ(tempfile::gettempdir(), dir);
    fs::remove(dir);
}

// ---- names are UTF-8 (DESIGN.md), not the ANSI code page -------------------------

TEST(WindowsNames, PrefixAndSuffixAreUtf8) {
    const std::string prefix = "pr\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-";  // "pré-日本-"
    const std::string suffix = "-\xc3\x9f.txt";                         // "-ß.txt"
    const std::wstring wide_prefix = L"pr\u00e9-\u65e5\u672c-";
    const std::wstring wide_suffix = L"-\u00df.txt";
    auto check = [&](const fs::path& p) {
        std::wstring name = p.filename().wstring();
        EXPECT_EQ(name.rfind(wide_prefix, 0), 0u) << p.wstring();
        ASSERT_GE(name.size(), wide_prefix.size() + 8 + wide_suffix.size());
        EXPECT_EQ(name.substr(name.size() - wide_suffix.size()), wide_suffix) << p.wstring();
        EXPECT_TRUE(win_test::exists(p));
    };
    tempfile::name_options o;
    o.prefix = prefix;
    o.suffix = suffix;
    tempfile::created_file made = tempfile::mkstemp(o);
    check(made.path);
    made.handle.close();
    fs::path dir = tempfile::mkdtemp(o);
    check(dir);
    {
        tempfile::named_file_options n;
        n.prefix = prefix;
        n.suffix = suffix;
        tempfile::named_temporary_file named(n);
        check(named.path());
        tempfile::directory_options d;
        d.prefix = prefix;
        d.suffix = suffix;
        tempfile::temporary_directory owned(d);
        check(owned.path());
    }
    fs::remove(made.path);
    fs::remove(dir);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(WindowsTempdir, VariableSetThroughWin32IsReadWide) {
    // Set behind the C runtime's back, as a parent process or a library
    // would: msvcrt's _wgetenv, in a narrow-main program, does not see it.
    fs::path dir = test_dir() / L"\u65e5\u672c-\u03c4";
    ASSERT_TRUE(fs::create_directory(dir));
    ASSERT_TRUE(::SetEnvironmentVariableW(L"TMPDIR", nullptr));
    ASSERT_TRUE(::SetEnvironmentVariableW(L"TEMP", dir.c_str()));
    tempfile::set_tempdir({});
    EXPECT_EQ(tempfile::gettempdir(), dir);
    EXPECT_EQ(tempfile::detail::os::environment_path("TEMP"), dir);
    tempfile::set_tempdir({});
    fs::remove(dir);
}

// ---- a cleanup that left something keeps ownership --------------------------------

HANDLE hold_without_share_delete(const fs::path& p) {
    HANDLE h = ::CreateFileW(p.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                             OPEN_EXISTING, 0, nullptr);
    if (h == INVALID_HANDLE_VALUE) win_test::fail("CreateFileW", ::GetLastError());
    return h;
}

TEST(WindowsOwnership, DirectoryCleanupThatLeftAnOpenFileTriesAgainLater) {
    tempfile::directory_options o;
    o.ignore_cleanup_errors = true;
    fs::path path;
    {
        tempfile::temporary_directory d(o);
        path = d.path();
        tempfile_test::write_text(d / L"busy", "x");
        HANDLE busy = hold_without_share_delete(d / L"busy");
        d.cleanup();  // ignored: nothing thrown
        ::CloseHandle(busy);
        ASSERT_TRUE(win_test::exists(path / L"busy")) << "the held file should have stayed";
        d.cleanup();  // still owned: tried again
        EXPECT_FALSE(win_test::exists(path));
        tempfile::temporary_directory again(o);
        tempfile_test::write_text(again / L"busy", "x");
        busy = hold_without_share_delete(again / L"busy");
        again.cleanup();
        ::CloseHandle(busy);
        path = again.path();
    }  // and the owner's end tries again too
    EXPECT_FALSE(win_test::exists(path));
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(WindowsOwnership, NamedFileRemoveThatFailedTriesAgainAtTheOwnersEnd) {
    fs::path path;
    {
        tempfile::named_temporary_file f(delayed());
        path = f.path();
        f.close();
        HANDLE busy = hold_without_share_delete(path);
        std::error_code ec;
        f.remove(ec);
        ::CloseHandle(busy);
        EXPECT_TRUE(ec) << "held open without FILE_SHARE_DELETE: the deletion should have failed";
        EXPECT_TRUE(win_test::exists(path));
    }
    EXPECT_FALSE(win_test::exists(path)) << "the owner gave up the file after a failed remove()";
}

TEST(WindowsOwnership, KeepThatCannotTakeItsNameBackLeavesNoSecondName) {
    // Another handle keeps the delete-on-close name alive while keep()
    // works, so the name cannot be taken back (Wine, and Windows before
    // 1809, go through a second name).
    fs::path path;
    bool kept = false;
    {
        tempfile::named_temporary_file f;
        path = f.path();
        f.write("data");
        HANDLE other =
            ::CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                          nullptr, OPEN_EXISTING, 0, nullptr);
        ASSERT_NE(other, INVALID_HANDLE_VALUE);
        try {
            f.keep();
            kept = true;
        } catch (const fs::filesystem_error& e) {
            EXPECT_NE(e.path1(), path) << "the error names the name the file has now";
        }
        ::CloseHandle(other);
    }
    std::vector<std::string> left = list_dir(test_dir());
    for (const std::string& name : left)
        EXPECT_EQ(name.find(".keep"), std::string::npos) << name << " leaked";
    if (kept) {
        EXPECT_EQ(left.size(), 1u);
        fs::remove(path);
    } else {
        EXPECT_TRUE(left.empty());
    }
}

TEST(WindowsDeleteOnClose, OnCloseFlagIsTrustedOnlyFrom1809) {
    namespace win = tempfile::detail::os::win;
    EXPECT_FALSE(win::on_close_flag_trusted(14393)) << "1607, Server 2016";
    EXPECT_FALSE(win::on_close_flag_trusted(15063)) << "1703";
    EXPECT_FALSE(win::on_close_flag_trusted(17134)) << "1803";
    EXPECT_TRUE(win::on_close_flag_trusted(17763)) << "1809, Server 2019";
    EXPECT_TRUE(win::on_close_flag_trusted(22631));
}

// ---- durability -----------------------------------------------------------------

TEST(WindowsSync, DirectoryIsFlushedAndAMissingOneReported) {
    namespace os = tempfile::detail::os;
    std::error_code ec;
    os::sync_directory(test_dir(), ec);
    EXPECT_FALSE(ec) << ec.message();
    os::sync_directory(test_dir() / L"missing", ec);
    EXPECT_TRUE(ec);
    namespace win = tempfile::detail::os::win;
    EXPECT_TRUE(win::directory_flush_unsupported(ERROR_ACCESS_DENIED));
    EXPECT_TRUE(win::directory_flush_unsupported(ERROR_INVALID_FUNCTION));
    EXPECT_FALSE(win::directory_flush_unsupported(ERROR_IO_DEVICE)) << "an I/O error is reported";
    EXPECT_FALSE(win::directory_flush_unsupported(ERROR_DISK_FULL));
}

// ---- enable_signal_cleanup()'s console handler, called as Windows would ---------

TEST(WindowsConsoleEvents, DecisionFollowsWhetherTheProcessEnds) {
    namespace win = tempfile::detail::os::win;
    using action = win::console_action;
    EXPECT_EQ(win::action_for(CTRL_C_EVENT, false, false), action::clean_up);
    EXPECT_EQ(win::action_for(CTRL_C_EVENT, true, false), action::leave) << "signal(SIGINT, SIG_IGN)";
    EXPECT_EQ(win::action_for(CTRL_BREAK_EVENT, false, false), action::clean_up);
    EXPECT_EQ(win::action_for(CTRL_BREAK_EVENT, false, true), action::leave) << "signal(SIGBREAK, SIG_IGN)";
    EXPECT_EQ(win::action_for(CTRL_CLOSE_EVENT, true, true), action::clean_up)
        << "the process ends regardless";
    EXPECT_EQ(win::action_for(CTRL_LOGOFF_EVENT, false, false), action::leave) << "services live on";
    EXPECT_EQ(win::action_for(CTRL_SHUTDOWN_EVENT, false, false), action::leave);
    EXPECT_EQ(win::action_for(7, false, false), action::leave);
}

struct owned_things {
    tempfile::named_temporary_file file{delayed()};
    tempfile::temporary_directory dir;
    owned_things() {
        file.close();  // Wine keeps an open file's name until its last handle closes
        tempfile_test::write_text(dir / L"inside", "x");
    }
    bool both_exist() const { return win_test::exists(file.path()) && win_test::exists(dir.path()); }
    bool both_gone() const { return !win_test::exists(file.path()) && !win_test::exists(dir.path()); }
};

TEST(WindowsConsoleEvents, LogoffAndShutdownRemoveNothing) {
    namespace win = tempfile::detail::os::win;
    owned_things owned;
    EXPECT_EQ(win::console_cleanup(CTRL_LOGOFF_EVENT), FALSE);
    EXPECT_EQ(win::console_cleanup(CTRL_SHUTDOWN_EVENT), FALSE);
    EXPECT_TRUE(owned.both_exist()) << "a service's files deleted at someone's logoff";
}

TEST(WindowsConsoleEvents, CtrlCIgnoredByTheCRuntimeRemovesNothing) {
    namespace win = tempfile::detail::os::win;
    owned_things owned;
    auto before = std::signal(SIGINT, SIG_IGN);
    EXPECT_EQ(win::console_cleanup(CTRL_C_EVENT), FALSE);
    EXPECT_EQ(std::signal(SIGINT, before), SIG_IGN) << "the handler must leave the disposition as it was";
    EXPECT_TRUE(owned.both_exist());
}

TEST(WindowsConsoleEvents, CtrlCAndCloseRemoveEveryOwnersFileAndTree) {
    namespace win = tempfile::detail::os::win;
    auto before = std::signal(SIGINT, SIG_DFL);
    {
        owned_things owned;
        EXPECT_EQ(win::console_cleanup(CTRL_C_EVENT), FALSE) << "the next handler ends the process";
        EXPECT_TRUE(owned.both_gone());
    }
    {
        owned_things owned;
        EXPECT_EQ(win::console_cleanup(CTRL_CLOSE_EVENT), FALSE);
        EXPECT_TRUE(owned.both_gone());
    }
    std::signal(SIGINT, before);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

}  // namespace
#endif  // _WIN32
