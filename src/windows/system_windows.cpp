// SPDX-License-Identifier: MIT
// Win32 randomness, the environment and the temporary directories behind
// src/os.hpp.
#include "os.hpp"
#include "windows/win32.hpp"

#include <bcrypt.h>

#include <cstdlib>
#include <limits>

namespace tempfile::detail::os {
namespace {

// GetTempPath2W (Windows 11, Windows 10 from the 2021 updates) gives SYSTEM
// processes C:\Windows\SystemTemp, which only SYSTEM can enter, instead of
// the world-writable C:\Windows\Temp. Looked up at run time, so that the
// library still loads on the Windows versions (and Wine) without it.
using get_temp_path_fn = DWORD(WINAPI*)(DWORD, LPWSTR);

get_temp_path_fn temp_path_function() noexcept {
    HMODULE kernel32 = ::GetModuleHandleW(L"kernel32.dll");
    FARPROC found = kernel32 != nullptr ? ::GetProcAddress(kernel32, "GetTempPath2W") : nullptr;
    // Through void*: FARPROC is a placeholder type meant to be cast.
    return found != nullptr ? reinterpret_cast<get_temp_path_fn>(reinterpret_cast<void*>(found))
                            : ::GetTempPathW;
}

fs::path temp_path() {
    static const get_temp_path_fn get = temp_path_function();
    wchar_t buffer[MAX_PATH + 1];  // both calls return at most MAX_PATH+1 characters
    DWORD n = get(MAX_PATH + 1, buffer);
    if (n == 0 || n > MAX_PATH + 1) return {};
    // "C:\Users\me\Temp\" without its trailing separator, as every other
    // candidate; a root ("C:\") keeps it.
    if (n > 3 && buffer[n - 1] == L'\\') --n;
    return fs::path(std::wstring(buffer, n));
}

}  // namespace

void random_bytes(void* buf, std::size_t n, std::error_code& ec) noexcept {
    ec.clear();
    auto* out = static_cast<unsigned char*>(buf);
    while (n > 0) {
        ULONG chunk =
            n < std::numeric_limits<ULONG>::max() ? static_cast<ULONG>(n) : std::numeric_limits<ULONG>::max();
        // The system-preferred RNG: no algorithm handle to open or to leak.
        NTSTATUS status = ::BCryptGenRandom(nullptr, out, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
        if (status < 0) {
            // An NTSTATUS is no Win32 error; ERROR_GEN_FAILURE says what it means.
            ec = win::error(ERROR_GEN_FAILURE);
            return;
        }
        out += chunk;
        n -= chunk;
    }
}

std::uint64_t fork_generation() noexcept {
    return 0;
}  // no fork() on Windows

// GetEnvironmentVariableW reads the process's own wide environment. Neither
// getenv (the ANSI code page turns other characters into '?') nor msvcrt's
// _wgetenv (in a program with a narrow main, a copy built from the narrow
// environment, and blind to SetEnvironmentVariableW) would do.
fs::path environment_path(const char* name) {
    std::wstring wide(name, name + std::char_traits<char>::length(name));  // our names are ASCII
    DWORD size = ::GetEnvironmentVariableW(wide.c_str(), nullptr, 0);      // with the NUL; 0: unset
    std::wstring value;
    while (size > 0) {
        value.resize(size);
        DWORD got = ::GetEnvironmentVariableW(wide.c_str(), value.data(), size);
        if (got < size) {  // it fitted (0: unset or empty meanwhile)
            value.resize(got);
            return fs::path(std::move(value));
        }
        size = got;  // another thread made it longer meanwhile
    }
    return {};
}

std::vector<fs::path> platform_temp_directories() {
    std::vector<fs::path> dirs;
    fs::path temp = temp_path();
    if (!temp.empty()) dirs.push_back(std::move(temp));
    fs::path system_root = environment_path("SYSTEMROOT");
    if (!system_root.empty()) dirs.push_back(system_root / L"Temp");
    dirs.emplace_back(L"C:\\TEMP");
    dirs.emplace_back(L"C:\\TMP");
    return dirs;
}

fs::path::string_type native_name(std::string utf8) {
    if (utf8.empty()) return {};
    const int size = static_cast<int>(utf8.size());  // names are far below 2 GiB
    const int n = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), size, nullptr, 0);
    std::wstring wide(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), size, wide.data(), n);
    return wide;
}

// '\\' as well as '/', since both separate; ':' too, since "name:stream"
// would write to an alternate data stream of another file.
bool is_separator(char c) noexcept {
    return c == '/' || c == '\\' || c == ':' || c == '\0';
}

}  // namespace tempfile::detail::os
