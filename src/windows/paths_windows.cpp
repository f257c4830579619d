// SPDX-License-Identifier: MIT
// Long paths and file identities for the Windows layer (see win32.hpp).
#include "windows/win32.hpp"

#include <cstring>
#include <new>

namespace tempfile::detail::os::win {
namespace {

// CreateDirectoryW's limit, the lowest of Win32's: MAX_PATH less 12
// characters for an 8.3 name inside.
constexpr std::size_t legacy_max_path = 248;

bool starts_with(const std::wstring& text, const wchar_t* prefix) noexcept {
    return text.compare(0, std::wcslen(prefix), prefix) == 0;
}

}  // namespace

std::wstring long_path(const std::wstring& path) {
    if (path.size() < legacy_max_path || starts_with(path, L"\\\\?\\") || starts_with(path, L"\\\\.\\") ||
        starts_with(path, L"\\??\\"))
        return path;
    // Absolute, with '/' as '\' and "." and ".." resolved: \\?\ turns all
    // of Win32's path processing off, so it is done here, once.
    std::wstring full;
    DWORD size = ::GetFullPathNameW(path.c_str(), 0, nullptr, nullptr);
    while (size > 0) {
        full.resize(size);
        DWORD got = ::GetFullPathNameW(path.c_str(), size, full.data(), nullptr);
        if (got < size) {
            full.resize(got);
            break;
        }
        size = got;
    }
    if (size == 0 || full.empty()) return path;  // not a path Win32 can resolve: as it is
    if (starts_with(full, L"\\\\")) return L"\\\\?\\UNC\\" + full.substr(2);  // \\server\share\...
    return L"\\\\?\\" + full;
}

os_path::os_path(const std::filesystem::path& path) noexcept : short_(path.c_str()) {
    if (path.native().size() < legacy_max_path) return;
    try {
        long_ = long_path(path.native());
    } catch (const std::bad_alloc&) {
        long_.clear();  // as it is; the OS then reports what it reports
    }
}

bool file_identity::operator==(const file_identity& other) const noexcept {
    return volume == other.volume && std::memcmp(id, other.id, sizeof id) == 0;
}

bool read_identity(HANDLE h, file_identity& out) noexcept {
    out = file_identity{};
    FILE_ID_INFO info;
    if (::GetFileInformationByHandleEx(h, FileIdInfo, &info, sizeof info)) {
        out.volume = info.VolumeSerialNumber;
        static_assert(sizeof info.FileId.Identifier == sizeof out.id, "FILE_ID_128 is 16 bytes");
        std::memcpy(out.id, info.FileId.Identifier, sizeof out.id);
        return true;
    }
    BY_HANDLE_FILE_INFORMATION classic;
    if (!::GetFileInformationByHandle(h, &classic)) return false;
    out.volume = classic.dwVolumeSerialNumber;
    const ULONGLONG index = (ULONGLONG{classic.nFileIndexHigh} << 32) | classic.nFileIndexLow;
    std::memcpy(out.id, &index, sizeof index);
    return true;
}

}  // namespace tempfile::detail::os::win
