// SPDX-License-Identifier: MIT
#pragma once
// The few native calls the Windows layer needs beyond Win32: opening a name
// relative to an open directory handle (Win32 has no openat), and the
// NTSTATUS behind a Win32 error. Looked up in ntdll.dll at first use, so
// that no import library is needed; ntdll is mapped into every process.
#include "windows/win32.hpp"

#include <winternl.h>

#include <string_view>

namespace tempfile::detail::os::win::nt {

/// NtCreateFile(FILE_OPEN) of `name` (one component) relative to the open
/// directory `parent`, synchronous, sharing `share` (by default read, write
/// and delete). `options` adds to FILE_SYNCHRONOUS_IO_NONALERT |
/// FILE_OPEN_FOR_BACKUP_INTENT (e.g. FILE_OPEN_REPARSE_POINT,
/// FILE_DIRECTORY_FILE). Returns the NTSTATUS.
NTSTATUS open_relative(HANDLE parent, std::wstring_view name, ACCESS_MASK access, ULONG options,
                       unique_handle& out,
                       ULONG share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE) noexcept;

/// The Win32 error an NTSTATUS maps to (RtlNtStatusToDosError).
DWORD to_win32(NTSTATUS status) noexcept;

/// The NTSTATUS behind the last failed Win32 call on this thread
/// (RtlGetLastNtStatus): tells STATUS_DELETE_PENDING from a real
/// ERROR_ACCESS_DENIED. 0 where unavailable.
NTSTATUS last_status() noexcept;

/// The OS's build number (RtlGetVersion, which no compatibility manifest
/// shims), 0 where unknown.
DWORD build_number() noexcept;

inline constexpr NTSTATUS status_object_name_not_found = static_cast<NTSTATUS>(0xC0000034L);
inline constexpr NTSTATUS status_object_path_not_found = static_cast<NTSTATUS>(0xC000003AL);
inline constexpr NTSTATUS status_delete_pending = static_cast<NTSTATUS>(0xC0000056L);
inline constexpr NTSTATUS status_sharing_violation = static_cast<NTSTATUS>(0xC0000043L);
inline constexpr NTSTATUS status_not_a_directory = static_cast<NTSTATUS>(0xC0000103L);
inline constexpr NTSTATUS status_file_is_a_directory = static_cast<NTSTATUS>(0xC00000BAL);

}  // namespace tempfile::detail::os::win::nt
