// SPDX-License-Identifier: MIT
// Windows supervision: CreateProcessW of a command line quoted as the C
// runtime parses it back, the child in a job object that kills it (and
// everything it starts) when tempfile-run's last handle to the job closes,
// even if tempfile-run is killed, and a console control handler that keeps
// Ctrl+C, Ctrl+Break and closing the console from ending tempfile-run
// before its cleanup. Wide strings throughout; the portable side speaks UTF-8.
#include "supervise.hpp"

#include <windows.h>

#include <shellapi.h>

#include <cerrno>
#include <csignal>
#include <cwchar>
#include <string>
#include <utility>
#include <vector>

namespace tempfile_run {
namespace {

/// A kernel handle, closed when its owner ends.
class unique_handle {
public:
    explicit unique_handle(HANDLE h = nullptr) noexcept : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
    unique_handle(unique_handle&& other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
    unique_handle& operator=(unique_handle&& other) noexcept {
        std::swap(h_, other.h_);
        return *this;
    }
    unique_handle(const unique_handle&) = delete;
    unique_handle& operator=(const unique_handle&) = delete;
    ~unique_handle() {
        if (h_ != nullptr) ::CloseHandle(h_);
    }
    HANDLE get() const noexcept { return h_; }

private:
    HANDLE h_;
};

/// UTF-8 to UTF-16; invalid sequences become U+FFFD, as Windows converts them.
std::wstring widen(const std::string& text) {
    if (text.empty()) return {};
    int n = ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
    std::wstring wide(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), n);
    return wide;
}

/// UTF-16 to UTF-8.
std::string narrow(const wchar_t* text) {
    int n = ::WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
    if (n <= 1) return {};
    std::string out(static_cast<std::size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, text, -1, out.data(), n, nullptr, nullptr);
    out.pop_back();  // the terminating NUL
    return out;
}

/// Appends `word` so that CommandLineToArgvW and the C runtime's parser give
/// it back unchanged: quoted when empty or when it holds a space, tab or
/// quote; a quote is escaped with a backslash, and the backslashes right
/// before a quote (or before the closing quote) are doubled.
void append_quoted(std::wstring& line, const std::wstring& word) {
    if (!line.empty()) line += L' ';
    if (!word.empty() && word.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
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
        if (c == L'"') {
            line.append(backslashes * 2 + 1, L'\\');
        } else {
            line.append(backslashes, L'\\');
        }
        backslashes = 0;
        line += c;
    }
    line.append(backslashes * 2, L'\\');
    line += L'"';
}

/// True when `name` says where it is (a separator or a drive), so that
/// no search applies, as execvp does for a name with a slash.
bool has_directory(const std::wstring& name) {
    return name.find_first_of(L"\\/") != std::wstring::npos || (name.size() >= 2 && name[1] == L':');
}

/// The extension of the last component, lower case ("" if none).
std::wstring extension_of(const std::wstring& name) {
    std::size_t slash = name.find_last_of(L"\\/:");
    std::size_t dot = name.find_last_of(L'.');
    if (dot == std::wstring::npos || (slash != std::wstring::npos && dot < slash)) return {};
    std::wstring ext = name.substr(dot);
    for (wchar_t& c : ext)
        if (c >= L'A' && c <= L'Z') c = static_cast<wchar_t>(c - L'A' + L'a');
    return ext;
}

bool is_file(const std::wstring& path) {
    DWORD attributes = ::GetFileAttributesW(path.c_str());
    return attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY);
}

/// A directory the system names (GetSystemDirectoryW and the like), "" if none.
template <typename Get>
std::wstring system_directory(Get get) {
    wchar_t buffer[MAX_PATH + 1];
    UINT n = get(buffer, MAX_PATH + 1);
    return n > 0 && n <= MAX_PATH ? std::wstring(buffer, n) : std::wstring();
}

std::wstring own_directory() {
    wchar_t buffer[32768];
    DWORD n = ::GetModuleFileNameW(nullptr, buffer, 32768);
    if (n == 0 || n >= 32768) return {};
    std::wstring path(buffer, n);
    std::size_t slash = path.find_last_of(L"\\/");
    return slash == std::wstring::npos ? std::wstring() : path.substr(0, slash);
}

/// The program `name` runs, as CreateProcessW would find it but never in the
/// current directory (which it searches second, so that a file dropped
/// there would run instead of the one meant): a name with a directory as
/// it is; else tempfile-run's own directory, the system directory, the
/// Windows directory, then each directory of PATH. ".exe" is added to a
/// name without an extension, as CreateProcessW adds it. Empty if not found.
std::wstring resolve_program(const std::wstring& name) {
    std::wstring file = extension_of(name).empty() ? name + L".exe" : name;
    if (has_directory(name)) return file;
    std::vector<std::wstring> directories{own_directory(), system_directory(::GetSystemDirectoryW),
                                          system_directory(::GetWindowsDirectoryW)};
    DWORD size = ::GetEnvironmentVariableW(L"PATH", nullptr, 0);
    std::wstring path(size, L'\0');
    size = size > 0 ? ::GetEnvironmentVariableW(L"PATH", path.data(), size) : 0;
    path.resize(size < path.size() ? size : 0);
    for (std::size_t start = 0; start <= path.size();) {
        std::size_t end = path.find(L';', start);
        if (end == std::wstring::npos) end = path.size();
        std::wstring dir = path.substr(start, end - start);
        if (dir.size() >= 2 && dir.front() == L'"' && dir.back() == L'"') dir = dir.substr(1, dir.size() - 2);
        directories.push_back(std::move(dir));
        start = end + 1;
    }
    for (const std::wstring& dir : directories) {
        if (dir.empty()) continue;  // an empty PATH entry would mean the current directory
        std::wstring candidate = dir;
        if (candidate.back() != L'\\' && candidate.back() != L'/') candidate += L'\\';
        candidate += file;
        if (is_file(candidate)) return candidate;
    }
    return {};
}

/// Appends `word` for cmd.exe, which parses a batch file's command line by
/// rules of its own, not the C runtime's (BatBadBut: CVE-2024-24576, fixed
/// in Rust's std the same way): quoted unless it holds only letters, digits
/// and #$*+-./:?@\_ (quoted too when empty or ending in a backslash, which
/// would escape the closing quote); a quote doubled; backslashes doubled
/// only before a quote; every '%' written as "%%cd:~,%", an empty substring
/// of %CD% that stops cmd.exe from expanding %NAME% (needs /e:ON). False
/// for what cannot pass safely: a carriage return or a line feed, which end
/// the command there.
bool append_batch_argument(std::wstring& line, const std::wstring& word) {
    if (word.find_first_of(L"\r\n") != std::wstring::npos) return false;
    bool quote = word.empty() || word.back() == L'\\';
    for (wchar_t c : word) {
        bool plain = (c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z') || (c >= L'0' && c <= L'9') ||
                     std::wcschr(L"#$*+-./:?@\\_", c) != nullptr;
        if ((c < 0x80 && !plain) || c < 0x20 || (c >= 0x7f && c < 0xa0)) quote = true;
    }
    line += L' ';
    if (quote) line += L'"';
    std::size_t backslashes = 0;
    for (wchar_t c : word) {
        if (c == L'\\') {
            ++backslashes;
        } else {
            if (c == L'"') {
                line.append(backslashes, L'\\');
                line += L'"';
            } else if (c == L'%') {
                line += L"%%cd:~,";
            }
            backslashes = 0;
        }
        line += c;
    }
    if (quote) {
        line.append(backslashes, L'\\');
        line += L'"';
    }
    return true;
}

/// The command line that runs the batch file `script` through cmd.exe with
/// `args` passed as they are: cmd.exe /e:ON /v:OFF /d /c ""script" args...".
/// False if the script's name (a quote, or a trailing backslash) or an
/// argument cannot be passed safely.
bool batch_command_line(const std::wstring& script, const std::vector<std::wstring>& args,
                        std::wstring& line) {
    if (script.find(L'"') != std::wstring::npos || script.empty() || script.back() == L'\\') return false;
    line = L"cmd.exe /e:ON /v:OFF /d /c \"\"" + script + L"\"";
    for (const std::wstring& arg : args)
        if (!append_batch_argument(line, arg)) return false;
    line += L'"';
    return true;
}

// The first console event, as the signal number it stands for (0: none yet).
volatile LONG g_first_event = 0;

int signal_of(DWORD event) noexcept {
    switch (event) {
        case CTRL_C_EVENT:
            return SIGINT;
        case CTRL_BREAK_EVENT:
            return SIGBREAK;
        default:
            return SIGTERM;
    }
}

/// Runs on a thread of its own. Ctrl+C and Ctrl+Break reach every process
/// attached to the console, the command included, so there is nothing to
/// forward: returning TRUE only keeps tempfile-run alive to wait and clean
/// up. Closing the console (or logoff, shutdown) ends the process when the
/// handler returns, so the handler never returns: the main thread finishes
/// the cleanup and exits, which ends this thread too (Windows allows a few
/// seconds for that).
BOOL WINAPI on_console_event(DWORD event) noexcept {
    ::InterlockedCompareExchange(&g_first_event, signal_of(event), 0);
    if (event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT) return TRUE;
    ::Sleep(INFINITE);
    return TRUE;
}

/// The errno that tempfile_run.cpp reports for a command that cannot start:
/// ENOENT (exit 127) for a missing program or directory, else EACCES or
/// ENOEXEC (exit 126).
int exec_errno(DWORD error) noexcept {
    switch (error) {
        case ERROR_FILE_NOT_FOUND:
        case ERROR_PATH_NOT_FOUND:
        case ERROR_INVALID_NAME:
        case ERROR_BAD_NETPATH:
            return ENOENT;
        case ERROR_BAD_EXE_FORMAT:
        case ERROR_EXE_MACHINE_TYPE_MISMATCH:
        case ERROR_INVALID_EXE_SIGNATURE:
        case ERROR_EXE_MARKED_INVALID:
        case ERROR_BAD_FORMAT:
            return ENOEXEC;
        default:
            return EACCES;
    }
}

/// A job that kills its processes when its last handle closes: the handle
/// is not inherited, so that is when tempfile-run ends, however it ends.
unique_handle make_kill_on_close_job() {
    unique_handle job(::CreateJobObjectW(nullptr, nullptr));
    if (job.get() == nullptr) return job;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!::SetInformationJobObject(job.get(), JobObjectExtendedLimitInformation, &limits, sizeof limits))
        return unique_handle();
    return job;
}

}  // namespace

std::vector<std::string> arguments(int argc, char** argv) {
    int count = 0;
    LPWSTR* wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
    if (wide == nullptr) return std::vector<std::string>(argv, argv + argc);
    std::vector<std::string> out;
    try {
        out.reserve(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) out.push_back(narrow(wide[i]));
    } catch (...) {
        ::LocalFree(wide);
        throw;
    }
    ::LocalFree(wide);
    return out;
}

bool catch_signals() {
    if (::SetConsoleCtrlHandler(on_console_event, TRUE)) return true;
    errno = EINVAL;
    return false;
}

outcome run_command(const std::vector<std::string>& command, const std::string& env_name,
                    const std::string& env_value) {
    if (command.empty()) return {outcome::kind::exec_failed, ENOENT};
    std::wstring program = resolve_program(widen(command.front()));
    if (program.empty()) return {outcome::kind::exec_failed, ENOENT};
    std::wstring application = program;
    std::wstring line;
    const std::wstring extension = extension_of(program);
    if (extension == L".bat" || extension == L".cmd") {
        // CreateProcessW would run cmd.exe itself, with the C runtime's
        // quoting, which cmd.exe does not follow: an '&' would start a
        // second command. cmd.exe from the system directory, quoted for it.
        std::vector<std::wstring> args;
        for (std::size_t i = 1; i < command.size(); ++i) args.push_back(widen(command[i]));
        application = system_directory(::GetSystemDirectoryW) + L"\\cmd.exe";
        if (!batch_command_line(program, args, line)) return {outcome::kind::exec_failed, EINVAL};
    } else {
        for (const std::string& word : command) append_quoted(line, widen(word));
    }
    // Inherited by the child through our own environment, which
    // tempfile-run never reads again. A directory in TMPDIR also goes in
    // TMP and TEMP, which native programs and GetTempPathW read.
    const std::wstring value = widen(env_value);
    if (!::SetEnvironmentVariableW(widen(env_name).c_str(), value.c_str()))
        return {outcome::kind::spawn_failed, EINVAL};
    if (env_name == "TMPDIR" && (!::SetEnvironmentVariableW(L"TMP", value.c_str()) ||
                                 !::SetEnvironmentVariableW(L"TEMP", value.c_str())))
        return {outcome::kind::spawn_failed, EINVAL};

    unique_handle job = make_kill_on_close_job();
    if (job.get() == nullptr) return {outcome::kind::spawn_failed, EPERM};

    if (LONG first = g_first_event; first != 0) return {outcome::kind::interrupted, static_cast<int>(first)};
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION info{};
    // Handles inherited: the standard handles may be pipes, which a child
    // can use only if it inherits them. Ours are all non-inheritable.
    // Suspended until it is in the job, so that nothing it starts escapes.
    if (!::CreateProcessW(application.c_str(), line.data(), nullptr, nullptr, TRUE,
                          CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT, nullptr, nullptr, &startup, &info)) {
        DWORD error = ::GetLastError();
        if (error == ERROR_NOT_ENOUGH_MEMORY || error == ERROR_OUTOFMEMORY)
            return {outcome::kind::spawn_failed, ENOMEM};
        return {outcome::kind::exec_failed, exec_errno(error)};
    }
    unique_handle process(info.hProcess);
    unique_handle thread(info.hThread);
    // Only Windows before 8 refuses, when tempfile-run is itself in a job
    // (no nested jobs there): the command then runs without the safety net
    // rather than not at all.
    (void)::AssignProcessToJobObject(job.get(), process.get());
    ::ResumeThread(thread.get());
    ::WaitForSingleObject(process.get(), INFINITE);
    DWORD code = 1;
    if (!::GetExitCodeProcess(process.get(), &code)) return {outcome::kind::spawn_failed, EIO};
    // The full 32-bit code, so that an NTSTATUS such as STATUS_CONTROL_C_EXIT
    // is passed through as main's return value.
    return {outcome::kind::exited, static_cast<int>(code)};
}

}  // namespace tempfile_run
