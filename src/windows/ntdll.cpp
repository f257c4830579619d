// SPDX-License-Identifier: MIT
// ntdll entry points, looked up once (see ntdll.hpp).
#include "windows/ntdll.hpp"

namespace tempfile::detail::os::win::nt {
namespace {

using create_file_fn = NTSTATUS(NTAPI*)(PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, PIO_STATUS_BLOCK,
                                        PLARGE_INTEGER, ULONG, ULONG, ULONG, ULONG, PVOID, ULONG);
using to_dos_fn = ULONG(NTAPI*)(NTSTATUS);
using last_status_fn = NTSTATUS(NTAPI*)();
using get_version_fn = NTSTATUS(NTAPI*)(PRTL_OSVERSIONINFOW);

struct entry_points {
    create_file_fn create_file = nullptr;
    to_dos_fn to_dos = nullptr;
    last_status_fn last_status = nullptr;
    get_version_fn get_version = nullptr;

    entry_points() noexcept {
        HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
        if (ntdll == nullptr) return;
        // Through void* to silence -Wcast-function-type: FARPROC is a
        // placeholder type, GetProcAddress's documented use is this cast.
        create_file = reinterpret_cast<create_file_fn>(
            reinterpret_cast<void*>(::GetProcAddress(ntdll, "NtCreateFile")));
        to_dos = reinterpret_cast<to_dos_fn>(
            reinterpret_cast<void*>(::GetProcAddress(ntdll, "RtlNtStatusToDosError")));
        last_status = reinterpret_cast<last_status_fn>(
            reinterpret_cast<void*>(::GetProcAddress(ntdll, "RtlGetLastNtStatus")));
        get_version = reinterpret_cast<get_version_fn>(
            reinterpret_cast<void*>(::GetProcAddress(ntdll, "RtlGetVersion")));
    }
};

const entry_points& ntdll() noexcept {
    static const entry_points loaded;
    return loaded;
}

}  // namespace

NTSTATUS open_relative(HANDLE parent, std::wstring_view name, ACCESS_MASK access, ULONG options,
                       unique_handle& out, ULONG share) noexcept {
    out.reset();
    const entry_points& nt = ntdll();
    if (nt.create_file == nullptr) return static_cast<NTSTATUS>(0xC0000002L);  // STATUS_NOT_IMPLEMENTED
    UNICODE_STRING unicode_name;
    unicode_name.Buffer = const_cast<PWSTR>(name.data());
    unicode_name.Length = static_cast<USHORT>(name.size() * sizeof(wchar_t));
    unicode_name.MaximumLength = unicode_name.Length;
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, &unicode_name, OBJ_CASE_INSENSITIVE, parent, nullptr);
    IO_STATUS_BLOCK io;
    HANDLE raw = nullptr;
    NTSTATUS status =
        nt.create_file(&raw, access | SYNCHRONIZE, &attributes, &io, nullptr, 0, share, FILE_OPEN,
                       options | FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_FOR_BACKUP_INTENT, nullptr, 0);
    if (status >= 0) out = unique_handle(raw);
    return status;
}

DWORD to_win32(NTSTATUS status) noexcept {
    const entry_points& nt = ntdll();
    return nt.to_dos != nullptr ? nt.to_dos(status) : ERROR_GEN_FAILURE;
}

NTSTATUS last_status() noexcept {
    const entry_points& nt = ntdll();
    return nt.last_status != nullptr ? nt.last_status() : 0;
}

DWORD build_number() noexcept {
    const entry_points& nt = ntdll();
    RTL_OSVERSIONINFOW info{};
    info.dwOSVersionInfoSize = sizeof info;
    if (nt.get_version == nullptr || nt.get_version(&info) < 0) return 0;
    return info.dwBuildNumber;
}

}  // namespace tempfile::detail::os::win::nt
