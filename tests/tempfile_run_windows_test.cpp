// SPDX-License-Identifier: MIT
// tempfile-run on Windows (under Wine in CI), driven as a user drives it: the
// real tempfile-run.exe started with CreateProcessW, and this executable
// started again by it as the command (--tempfile-run-child=MODE), which
// reports what it was given in a file and can wait to be killed.
#ifdef _WIN32
#include "harness.hpp"
#include "windows_support.hpp"

#include <gtest/gtest.h>

#include <windows.h>

#include <shellapi.h>

#include <algorithm>
#include <cwchar>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#ifndef TEMPFILE_RUN_PATH
TEST(TempfileRunWindows, IsNotBuilt) {
    GTEST_SKIP() << "tempfile-run is not built (TEMPFILE_BUILD_TOOLS=OFF)";
}
#else

namespace {
namespace fs = std::filesystem;
using tempfile_test::list_dir;
using tempfile_test::read_text;
using tempfile_test::test_dir;
namespace win_test = tempfile_test::windows;

constexpr wchar_t child_flag[] = L"--tempfile-run-child=";
constexpr wchar_t report_variable[] = L"TEMPFILE_RUN_TEST_REPORT";  // where the child reports
constexpr wchar_t event_variable[] = L"TEMPFILE_RUN_TEST_EVENT";    // set once it has reported

std::wstring environment(const wchar_t* name) {
    wchar_t buffer[32768];
    DWORD n = ::GetEnvironmentVariableW(name, buffer, 32768);
    return n > 0 && n < 32768 ? std::wstring(buffer, n) : std::wstring();
}

std::string utf8(const std::wstring& wide) {
    if (wide.empty()) return {};
    int n = ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), nullptr, 0, nullptr,
                                  nullptr);
    std::string out(static_cast<std::size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), out.data(), n, nullptr,
                          nullptr);
    return out;
}

// ---- the child: this executable started again by tempfile-run ----------------
// Dispatched before main() by a static object, with Win32 only.
//
// The report, one item a line, UTF-8: its process id, TMPDIR, TEMPFILE,
// then every argument after the mode. Modes:
//   exit:N      report, then exit with N;
//   readonly:N  as exit, after making in %TMPDIR% a read-only file and a
//               subdirectory holding another read-only file;
//   hold        report, then wait until killed;
//   tmpvars:N   as exit, with TMP and TEMP reported after the arguments;
//   batch:N     as exit, the arguments split as the C runtime splits them
//               since 2008 ("" inside quotes is one quote), which is how a
//               program that a batch file starts with %* reads them.

// The command line split by the C runtime's rules since Visual C++ 2008,
// argv[0] included.
std::vector<std::wstring> crt_arguments(const wchar_t* p) {
    std::vector<std::wstring> args;
    std::wstring first;  // argv[0]: quotes only group, backslashes are plain
    bool quoted = false;
    for (; *p != L'\0' && (quoted || (*p != L' ' && *p != L'\t')); ++p)
        if (*p == L'"')
            quoted = !quoted;
        else
            first += *p;
    args.push_back(first);
    for (;;) {
        while (*p == L' ' || *p == L'\t') ++p;
        if (*p == L'\0') return args;
        std::wstring arg;
        quoted = false;
        while (*p != L'\0' && (quoted || (*p != L' ' && *p != L'\t'))) {
            std::size_t backslashes = 0;
            while (p[backslashes] == L'\\') ++backslashes;
            if (p[backslashes] != L'"') {
                arg.append(backslashes, L'\\');
                p += backslashes;
                if (backslashes == 0) arg += *p++;
                continue;
            }
            arg.append(backslashes / 2, L'\\');
            p += backslashes;
            if (backslashes % 2 == 1) {
                arg += L'"';
                ++p;
            } else if (quoted && p[1] == L'"') {
                arg += L'"';
                p += 2;
            } else {
                quoted = !quoted;
                ++p;
            }
        }
        args.push_back(arg);
    }
}

void child_report(int argc, wchar_t** argv, const std::wstring& mode) {
    std::wstring text = std::to_wstring(::GetCurrentProcessId()) + L"\n" + environment(L"TMPDIR") + L"\n" +
                        environment(L"TEMPFILE") + L"\n";
    if (mode.rfind(L"batch:", 0) == 0) {
        std::vector<std::wstring> args = crt_arguments(::GetCommandLineW());
        for (std::size_t i = 2; i < args.size(); ++i) text += args[i] + L"\n";
    } else {
        for (int i = 2; i < argc; ++i) text += std::wstring(argv[i]) + L"\n";
    }
    bool tmp_variables = mode.rfind(L"tmpvars:", 0) == 0;
    if (tmp_variables) text += environment(L"TMP") + L"\n" + environment(L"TEMP") + L"\n";
    std::string bytes = utf8(text);
    HANDLE h = ::CreateFileW(environment(report_variable).c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                             FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) ::ExitProcess(90);
    DWORD written = 0;
    BOOL ok = ::WriteFile(h, bytes.data(), static_cast<DWORD>(bytes.size()), &written, nullptr);
    ::CloseHandle(h);
    if (!ok || written != bytes.size()) ::ExitProcess(91);
    HANDLE event = ::OpenEventW(EVENT_MODIFY_STATE, FALSE, environment(event_variable).c_str());
    if (event != nullptr) {
        ::SetEvent(event);
        ::CloseHandle(event);
    }
}

bool make_read_only_file(const std::wstring& path) {
    HANDLE h =
        ::CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_READONLY, nullptr);
    if (h == INVALID_HANDLE_VALUE) return false;
    ::CloseHandle(h);
    return true;
}

struct child_dispatch {
    child_dispatch() {
        int argc = 0;
        wchar_t** argv = ::CommandLineToArgvW(::GetCommandLineW(), &argc);
        if (argv == nullptr || argc < 2 || std::wcsncmp(argv[1], child_flag, std::wcslen(child_flag)) != 0)
            return;
        std::wstring mode = argv[1] + std::wcslen(child_flag);
        if (mode.rfind(L"readonly:", 0) == 0) {
            std::wstring dir = environment(L"TMPDIR");
            if (!make_read_only_file(dir + L"\\read-only") ||
                !::CreateDirectoryW((dir + L"\\sub").c_str(), nullptr) ||
                !make_read_only_file(dir + L"\\sub\\also read-only"))
                ::ExitProcess(92);
        }
        child_report(argc, argv, mode);
        if (mode == L"hold") {
            ::Sleep(INFINITE);
            ::ExitProcess(93);
        }
        std::size_t colon = mode.find(L':');
        ::ExitProcess(colon == std::wstring::npos
                          ? 94
                          : static_cast<UINT>(std::wcstoul(&mode[colon + 1], nullptr, 10)));
    }
} dispatch;

/// This executable's path.
std::wstring self_path() {
    wchar_t self[MAX_PATH];
    DWORD n = ::GetModuleFileNameW(nullptr, self, MAX_PATH);
    if (n == 0 || n == MAX_PATH) throw std::runtime_error("GetModuleFileNameW failed");
    return std::wstring(self, n);
}

/// tempfile-run.exe's path as Windows names it: a cross build under Wine
/// knows it by its Unix path, which Wine maps to a drive.
std::wstring tool_path() {
    std::string unix_path = TEMPFILE_RUN_PATH;
    if (unix_path.empty() || unix_path[0] != '/') return fs::path(unix_path).wstring();
    using to_dos = wchar_t*(__cdecl*)(const char*);
    auto convert = reinterpret_cast<to_dos>(reinterpret_cast<void (*)()>(
        ::GetProcAddress(::GetModuleHandleW(L"kernel32.dll"), "wine_get_dos_file_name")));
    if (convert == nullptr) return fs::path(unix_path).wstring();
    wchar_t* dos = convert(unix_path.c_str());
    if (dos == nullptr) return fs::path(unix_path).wstring();
    std::wstring result = dos;
    ::HeapFree(::GetProcessHeap(), 0, dos);
    return result;
}

/// Quoted as CommandLineToArgvW reads it back.
void append_quoted(std::wstring& line, const std::wstring& word) {
    if (!line.empty()) line += L' ';
    if (!word.empty() && word.find_first_of(L" \t\"") == std::wstring::npos) {
        line += word;
        return;
    }
    line += L'"';
    std::size_t backslashes = 0;
    for (wchar_t c : word) {
        if (c == L'\\') {
            ++backslashes;
            continue;
        }
        line.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
        backslashes = 0;
        line += c;
    }
    line.append(backslashes * 2, L'\\');
    line += L'"';
}

/// An inheritable handle to a new file, for a standard stream.
HANDLE inheritable_file(const fs::path& path) {
    SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
    HANDLE h = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                             &inherit, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) win_test::fail("CreateFileW", ::GetLastError());
    return h;
}

/// What the child reported.
struct report {
    DWORD pid = 0;
    std::string tmpdir, tempfile;
    std::vector<std::string> args;
};

/// tempfile-run.exe running with `args`; its stdout and stderr go to files
/// outside the test's directory, its command reports to another. Ends it
/// (and with it, through its job, the command) if the test fails half-way.
class tool_process {
public:
    explicit tool_process(const std::vector<std::wstring>& args, DWORD flags = 0) {
        std::wstring line;
        append_quoted(line, tool_path());
        for (const std::wstring& a : args) append_quoted(line, a);
        // The streams and the report live beside the test's directory, so
        // that the directory holds only what tempfile-run made.
        fs::path base = test_dir().wstring() + L"-io";
        fs::create_directory(base);
        out_path_ = base / L"out";
        err_path_ = base / L"err";
        report_path_ = base / L"report";
        static unsigned runs = 0;
        std::wstring event_name =
            L"tempfile-run-test-" + std::to_wstring(::GetCurrentProcessId()) + L"-" + std::to_wstring(++runs);
        event_ = ::CreateEventW(nullptr, TRUE, FALSE, event_name.c_str());
        if (event_ == nullptr) win_test::fail("CreateEventW", ::GetLastError());
        ::SetEnvironmentVariableW(report_variable, report_path_.c_str());
        ::SetEnvironmentVariableW(event_variable, event_name.c_str());
        HANDLE out = inheritable_file(out_path_);
        HANDLE err = inheritable_file(err_path_);
        STARTUPINFOW startup{};
        startup.cb = sizeof startup;
        startup.dwFlags = STARTF_USESTDHANDLES;
        startup.hStdInput = ::GetStdHandle(STD_INPUT_HANDLE);
        startup.hStdOutput = out;
        startup.hStdError = err;
        PROCESS_INFORMATION info{};
        BOOL ok = ::CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE, flags, nullptr, nullptr,
                                   &startup, &info);
        DWORD error = ::GetLastError();
        ::CloseHandle(out);
        ::CloseHandle(err);
        if (!ok) win_test::fail("CreateProcessW", error);
        ::CloseHandle(info.hThread);
        process_ = info.hProcess;
        pid_ = info.dwProcessId;
    }
    tool_process(const tool_process&) = delete;
    tool_process& operator=(const tool_process&) = delete;
    ~tool_process() {
        if (process_ != nullptr) {
            ::TerminateProcess(process_, 1);
            ::WaitForSingleObject(process_, INFINITE);
            ::CloseHandle(process_);
        }
        ::CloseHandle(event_);
        ::SetEnvironmentVariableW(report_variable, nullptr);
        ::SetEnvironmentVariableW(event_variable, nullptr);
        std::error_code ec;
        fs::remove_all(report_path_.parent_path(), ec);
    }

    HANDLE handle() const { return process_; }
    DWORD pid() const { return pid_; }

    /// Waits until the command has reported; false if tempfile-run ended first.
    bool wait_for_report() {
        HANDLE both[] = {event_, process_};
        return ::WaitForMultipleObjects(2, both, FALSE, 120000) == WAIT_OBJECT_0;
    }

    /// What the command reported (empty if it did not).
    report read_report() const {
        report r;
        std::ifstream in(report_path_, std::ios::binary);
        std::string line;
        if (!std::getline(in, line)) return r;
        r.pid = static_cast<DWORD>(std::stoul(line));
        std::getline(in, r.tmpdir);
        std::getline(in, r.tempfile);
        while (std::getline(in, line)) r.args.push_back(line);
        return r;
    }

    /// Waits for tempfile-run to end; its exit code.
    DWORD finish() {
        ::WaitForSingleObject(process_, INFINITE);
        DWORD code = 255;
        ::GetExitCodeProcess(process_, &code);
        ::CloseHandle(process_);
        process_ = nullptr;
        return code;
    }

    std::string out() const { return read_text(out_path_); }
    std::string err() const { return read_text(err_path_); }

private:
    HANDLE process_ = nullptr;
    DWORD pid_ = 0;
    HANDLE event_ = nullptr;
    fs::path out_path_, err_path_, report_path_;
};

/// The command: this executable in `mode`, then `args`.
std::vector<std::wstring> child(const std::wstring& mode, std::vector<std::wstring> args = {}) {
    std::vector<std::wstring> words{self_path(), child_flag + mode};
    words.insert(words.end(), args.begin(), args.end());
    return words;
}

std::vector<std::wstring> operator+(std::vector<std::wstring> a, const std::vector<std::wstring>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

fs::path from_utf8(const std::string& text) {
    std::wstring wide(text.size(), L'\0');
    int n = ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(),
                                  static_cast<int>(wide.size()));
    wide.resize(static_cast<std::size_t>(n > 0 ? n : 0));
    return fs::path(wide);
}

/// True once the process with this id has ended (or never existed).
bool ended_within(DWORD pid, DWORD milliseconds) {
    HANDLE h = ::OpenProcess(SYNCHRONIZE, FALSE, pid);
    if (h == nullptr) return true;
    bool ended = ::WaitForSingleObject(h, milliseconds) == WAIT_OBJECT_0;
    ::CloseHandle(h);
    return ended;
}

}  // namespace

// ---- what the command is given ----------------------------------------------

TEST(TempfileRunWindows, ExportsAPrivateDirectoryAsTmpdirAndInPlaceOfBraces) {
    tool_process tool(std::vector<std::wstring>{L"--"} + child(L"exit:0", {L"{}", L"a {} b", L"x y"}));
    ASSERT_EQ(tool.finish(), 0u) << tool.err();
    report r = tool.read_report();
    ASSERT_NE(r.pid, 0u) << "the command did not report; stderr: " << tool.err();
    fs::path exported = from_utf8(r.tmpdir);
    EXPECT_TRUE(exported.is_absolute()) << r.tmpdir;
    EXPECT_EQ(exported.parent_path(), test_dir());
    EXPECT_EQ(r.tempfile, "");
    ASSERT_EQ(r.args.size(), 3u);
    EXPECT_EQ(r.args[0], r.tmpdir) << "{} alone is replaced";
    EXPECT_EQ(r.args[1], "a {} b") << "{} inside a word is not";
    EXPECT_EQ(r.args[2], "x y") << "quoted for the command line";
    EXPECT_FALSE(win_test::exists(exported));
    EXPECT_TRUE(list_dir(test_dir()).empty());
    EXPECT_EQ(tool.err(), "");
}

TEST(TempfileRunWindows, ArgumentsNeedingQuotesAndNonAsciiPassThroughUnchanged) {
    std::vector<std::wstring> tricky{
        L"",           L"two words",       L"quote\"inside", L"trailing\\",
        L"dir with\\", L"back\\\\\"slash", L"tab\there",     L"caf\u00e9 \u65e5\u672c"};
    tool_process tool(std::vector<std::wstring>{L"--prefix", L"with space-", L"--"} +
                      child(L"exit:0", tricky));
    ASSERT_EQ(tool.finish(), 0u) << tool.err();
    report r = tool.read_report();
    ASSERT_EQ(r.args.size(), tricky.size()) << "stderr: " << tool.err();
    for (std::size_t i = 0; i < tricky.size(); ++i) EXPECT_EQ(r.args[i], utf8(tricky[i])) << "argument " << i;
    EXPECT_EQ(from_utf8(r.tmpdir).filename().wstring().rfind(L"with space-", 0), 0u) << r.tmpdir;
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, EnvOptionNamesTheVariable) {
    tool_process tool(std::vector<std::wstring>{L"--env", L"TEMPFILE", L"--"} + child(L"exit:0", {L"{}"}));
    ASSERT_EQ(tool.finish(), 0u) << tool.err();
    report r = tool.read_report();
    EXPECT_EQ(r.tempfile, r.args.at(0));
    EXPECT_EQ(from_utf8(r.tmpdir), test_dir()) << "TMPDIR is left as it was";
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, FileOptionMakesAnEmptyFileExportedAsTempfile) {
    tool_process tool(std::vector<std::wstring>{L"--file", L"--suffix", L".txt", L"--"} +
                      child(L"hold", {L"{}"}));
    ASSERT_TRUE(tool.wait_for_report()) << tool.err();
    report r = tool.read_report();
    fs::path made = from_utf8(r.tempfile);
    EXPECT_EQ(r.args.at(0), r.tempfile);
    EXPECT_EQ(made.parent_path(), test_dir());
    EXPECT_EQ(made.extension(), ".txt");
    EXPECT_TRUE(fs::is_regular_file(made));
    EXPECT_EQ(fs::file_size(made), 0u);
    HANDLE command = ::OpenProcess(PROCESS_TERMINATE, FALSE, r.pid);
    ASSERT_NE(command, nullptr);
    ::TerminateProcess(command, 0);
    ::CloseHandle(command);
    EXPECT_EQ(tool.finish(), 0u);
    EXPECT_FALSE(win_test::exists(made));
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// ---- how it ends ----------------------------------------------------------------

TEST(TempfileRunWindows, ExitCodeIsTheCommands) {
    for (unsigned code : {0u, 1u, 3u, 255u, 256u, 70000u}) {
        tool_process tool(std::vector<std::wstring>{L"--"} + child(L"exit:" + std::to_wstring(code)));
        EXPECT_EQ(tool.finish(), code) << tool.err();
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, ReadOnlyFilesInsideAreRemoved) {
    tool_process tool(std::vector<std::wstring>{L"--"} + child(L"readonly:4"));
    EXPECT_EQ(tool.finish(), 4u) << tool.err();
    report r = tool.read_report();
    ASSERT_NE(r.pid, 0u) << tool.err();
    EXPECT_FALSE(win_test::exists(from_utf8(r.tmpdir)));
    EXPECT_TRUE(list_dir(test_dir()).empty()) << tool.err();
}

TEST(TempfileRunWindows, CommandKilledIsStillCleanedUp) {
    tool_process tool(std::vector<std::wstring>{L"--"} + child(L"hold"));
    ASSERT_TRUE(tool.wait_for_report()) << tool.err();
    report r = tool.read_report();
    ASSERT_TRUE(win_test::exists(from_utf8(r.tmpdir)));
    HANDLE command = ::OpenProcess(PROCESS_TERMINATE, FALSE, r.pid);
    ASSERT_NE(command, nullptr);
    ASSERT_TRUE(::TerminateProcess(command, 9));
    ::CloseHandle(command);
    EXPECT_EQ(tool.finish(), 9u);
    EXPECT_FALSE(win_test::exists(from_utf8(r.tmpdir)));
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, KillingTheToolKillsTheCommandThroughItsJob) {
    tool_process tool(std::vector<std::wstring>{L"--"} + child(L"hold"));
    ASSERT_TRUE(tool.wait_for_report()) << tool.err();
    report r = tool.read_report();
    ASSERT_FALSE(ended_within(r.pid, 0)) << "the command should still run";
    ASSERT_TRUE(::TerminateProcess(tool.handle(), 1));
    EXPECT_EQ(tool.finish(), 1u);
    EXPECT_TRUE(ended_within(r.pid, 60000)) << "the command outlived tempfile-run";
    // Nobody could clean up: that is what a kill of tempfile-run costs.
    std::error_code ec;
    fs::remove_all(from_utf8(r.tmpdir), ec);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, CtrlBreakEndsTheCommandAndTheToolCleansUp) {
    if (win_test::under_wine())
        GTEST_SKIP()
            << "Wine without a terminal delivers no console control events (GenerateConsoleCtrlEvent)";
    // A process group of its own (tempfile-run and its command), so that
    // the event reaches them only.
    tool_process tool(std::vector<std::wstring>{L"--"} + child(L"hold"), CREATE_NEW_PROCESS_GROUP);
    ASSERT_TRUE(tool.wait_for_report()) << tool.err();
    report r = tool.read_report();
    ASSERT_TRUE(::GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, tool.pid()));
    EXPECT_EQ(tool.finish(), static_cast<DWORD>(STATUS_CONTROL_C_EXIT)) << "the command's own status";
    EXPECT_FALSE(win_test::exists(from_utf8(r.tmpdir)));
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// ---- keeping it ------------------------------------------------------------------

TEST(TempfileRunWindows, KeepKeepsItAndPrintsItsPathOnStderr) {
    tool_process tool(std::vector<std::wstring>{L"--keep", L"--"} + child(L"exit:0"));
    ASSERT_EQ(tool.finish(), 0u) << tool.err();
    report r = tool.read_report();
    fs::path kept = from_utf8(r.tmpdir);
    EXPECT_TRUE(fs::is_directory(kept));
    EXPECT_NE(tool.err().find(r.tmpdir), std::string::npos) << tool.err();
    fs::remove_all(kept);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

// ---- errors --------------------------------------------------------------------------

TEST(TempfileRunWindows, CommandNotFoundExits127AndLeavesNothing) {
    tool_process tool({L"--", L"no-such-command-tempfile-run"});
    EXPECT_EQ(tool.finish(), 127u);
    EXPECT_NE(tool.err().find("no-such-command-tempfile-run"), std::string::npos) << tool.err();
    tool_process in_missing_dir({L"--", (test_dir() / L"missing" / L"program.exe").wstring()});
    EXPECT_EQ(in_missing_dir.finish(), 127u) << in_missing_dir.err();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, CommandThatCannotBeExecutedExits126AndLeavesNothing) {
    fs::path not_a_program = test_dir().wstring() + L"-text.exe";
    tempfile_test::write_text(not_a_program, "just text, no program\n");
    tool_process tool({L"--", not_a_program.wstring()});
    DWORD code = tool.finish();
    fs::remove(not_a_program);
    EXPECT_EQ(code, 126u) << tool.err();
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, UsageErrorsExit125WithOneLineAndCreateNothing) {
    const std::vector<std::vector<std::wstring> > cases{
        {},
        {L"--"},
        {L"--no-such-option", L"--", L"cmd"},
        {L"--env", L"--", L"cmd"},
        {L"--in", (test_dir() / L"missing").wstring(), L"--", L"cmd"}};
    for (const auto& args : cases) {
        tool_process tool(args);
        EXPECT_EQ(tool.finish(), 125u);
        std::string err = tool.err();
        err.erase(std::remove(err.begin(), err.end(), '\r'), err.end());  // text-mode stderr
        EXPECT_EQ(err.rfind("tempfile-run: ", 0), 0u) << err;
        EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: [" << err << "]";
    }
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, HelpAndVersionExit0OnStdout) {
    tool_process help({L"--help"});
    EXPECT_EQ(help.finish(), 0u);
    EXPECT_NE(help.out().find("Usage: tempfile-run"), std::string::npos);
    tool_process version({L"--version"});
    EXPECT_EQ(version.finish(), 0u);
    EXPECT_EQ(version.out().rfind("tempfile-run (tempfile) ", 0), 0u) << version.out();
}

// ---- Windows specifics: batch files, the program search, TMP and TEMP, UTF-8 ------

// The batch file forwards %* to this executable, which reports what it got.
void run_batch_with(const std::vector<std::wstring>& args) {
    fs::path script = test_dir().wstring() + L"-args.bat";
    tempfile_test::write_text(script, "@\"" + utf8(self_path()) + "\" --tempfile-run-child=batch:0 %*\r\n");
    tool_process tool(std::vector<std::wstring>{L"--", script.wstring()} + args);
    DWORD code = tool.finish();
    report r = tool.read_report();
    fs::remove(script);
    EXPECT_EQ(code, 0u) << tool.err();
    std::string received;
    for (const std::string& arg : r.args) received += "[" + arg + "] ";
    ASSERT_EQ(r.args.size(), args.size()) << "received: " << received << " stderr: " << tool.err();
    for (std::size_t i = 0; i < args.size(); ++i) EXPECT_EQ(r.args[i], utf8(args[i])) << "argument " << i;
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, BatchFileReceivesEveryArgumentUnchanged) {
    // cmd.exe runs a batch file and parses its command line by rules of its
    // own: quoted for the C runtime, "&" would start a second command.
    run_batch_with({L"&", L"|", L"a\"b", L"two words", L"x&echo pwned", L"x\"&echo pwned", L"^caret", L"<in>",
                    L"(paren)", L"trailing\\", L"", L"caf\u00e9 \u65e5\u672c", L"\"quoted\"", L"!bang!",
                    L"a;b,c=d"});
}

TEST(TempfileRunWindows, BatchFileReceivesPercentSignsWithoutExpansion) {
    if (win_test::under_wine())
        GTEST_SKIP() << "Wine's cmd.exe has no %var:~,% substring expansion, which keeps %NAME% from being "
                        "expanded (Rust's std relies on it too): Windows' cmd.exe has it";
    run_batch_with({L"%PATH%", L"%", L"100%", L"%%", L"%CD:~,%"});
}

TEST(TempfileRunWindows, BatchArgumentWithALineBreakIsRefusedAndNothingRuns) {
    fs::path script = test_dir().wstring() + L"-args.bat";
    tempfile_test::write_text(script, "@\"" + utf8(self_path()) + "\" --tempfile-run-child=exit:0 %*\r\n");
    for (const wchar_t* bad : {L"line\nbreak", L"carriage\rreturn"}) {
        tool_process tool({L"--", script.wstring(), bad});
        EXPECT_EQ(tool.finish(), 126u) << tool.err();
        EXPECT_EQ(tool.read_report().pid, 0u) << "the batch file ran";
        EXPECT_NE(tool.err().find("-args.bat"), std::string::npos) << tool.err();
    }
    fs::remove(script);
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, ProgramInTheCurrentDirectoryIsNotRunInsteadOfThePathOne) {
    // CreateProcessW would look in the current directory second: a program
    // dropped there would run. tempfile-run searches as it does, without it.
    wchar_t cwd[MAX_PATH];
    ASSERT_GT(::GetCurrentDirectoryW(MAX_PATH, cwd), 0u);
    const std::wstring name = L"tempfile-run-cwd-probe-" + std::to_wstring(::GetCurrentProcessId());
    fs::path planted = fs::path(cwd) / (name + L".exe");
    ASSERT_TRUE(::CopyFileW(self_path().c_str(), planted.c_str(), FALSE));
    tool_process tool(std::vector<std::wstring>{L"--", name, child_flag + std::wstring(L"exit:0")});
    DWORD code = tool.finish();
    bool ran = tool.read_report().pid != 0;
    ::DeleteFileW(planted.c_str());
    EXPECT_EQ(code, 127u) << tool.err();
    EXPECT_FALSE(ran) << "the program in the current directory ran";
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, DirectoryIsAlsoExportedAsTmpAndTemp) {
    tool_process tool(std::vector<std::wstring>{L"--"} + child(L"tmpvars:0"));
    ASSERT_EQ(tool.finish(), 0u) << tool.err();
    report r = tool.read_report();
    ASSERT_EQ(r.args.size(), 2u) << tool.err();
    EXPECT_EQ(r.args[0], r.tmpdir) << "TMP";
    EXPECT_EQ(r.args[1], r.tmpdir) << "TEMP";
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

TEST(TempfileRunWindows, PrefixIsUtf8) {
    const std::wstring prefix = L"pr\u00e9-\u65e5\u672c-";
    tool_process tool(std::vector<std::wstring>{L"--prefix", prefix, L"--"} + child(L"exit:0"));
    ASSERT_EQ(tool.finish(), 0u) << tool.err();
    report r = tool.read_report();
    EXPECT_EQ(from_utf8(r.tmpdir).filename().wstring().rfind(prefix, 0), 0u) << r.tmpdir;
    EXPECT_TRUE(list_dir(test_dir()).empty());
}

#endif  // TEMPFILE_RUN_PATH
#endif  // _WIN32
