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
    std::wstring line;
    for (const std::string& word : command) append_quoted(line, widen(word));
    // Inherited by the child through our own environment, which
    // tempfile-run never reads again.
    if (!::SetEnvironmentVariableW(widen(env_name).c_str(), widen(env_value).c_str()))
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
    if (!::CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE,
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
