// SPDX-License-Identifier: MIT
// Windows only (under Wine in CI): options.lock and reap_orphans. A locked
// directory cannot be removed or renamed while its owner lives, and the
// reaper reports it alive; once the owner's process is killed
// (TerminateProcess: no destructor runs), the reaper removes what it left.
#ifdef _WIN32
#include "harness.hpp"
#include "windows_support.hpp"

#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cwchar>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tempfile_test::list_dir;
using tempfile_test::test_dir;
namespace win_test = tempfile_test::windows;

constexpr wchar_t child_flag[] = L"--tempfile-reap-child=";
constexpr wchar_t area_variable[] = L"TEMPFILE_CHILD_AREA";
constexpr wchar_t report_variable[] = L"TEMPFILE_CHILD_REPORT";

std::wstring environment(const wchar_t* name) {
    const wchar_t* v = ::_wgetenv(name);
    return v ? v : L"";
}

// ---- the child: a live owner of locked entries -----------------------------------

// "hold": makes, in the area, a locked directory with a file inside, a
// locked file deleted on close (open), and a locked file kept after close()
// (closed), writes their paths (one a line, UTF-8) to the report file with
// ".ready" appended to its name last, then sleeps until it is killed.
[[noreturn]] void child_hold() {
    try {
        const fs::path area(environment(area_variable));
        tempfile::directory_options d_options;
        d_options.dir = area;
        d_options.lock = true;
        tempfile::named_file_options f_options;
        f_options.dir = area;
        f_options.lock = true;
        static tempfile::temporary_directory d(d_options);
        tempfile_test::write_text(d / "inside", "x");
        static tempfile::named_temporary_file open_file(f_options);
        f_options.delete_on_close = false;
        static tempfile::named_temporary_file closed_file(f_options);
        closed_file.close();
        const fs::path report(environment(report_variable));
        {
            std::ofstream out(report, std::ios::binary);
            for (const fs::path* p : {&d.path(), &open_file.path(), &closed_file.path()}) {
                auto u8 = p->u8string();
                out << std::string(u8.begin(), u8.end()) << '\n';
            }
        }
        fs::rename(report, fs::path(report.native() + L".ready"));
        ::Sleep(INFINITE);
    } catch (...) {
    }
    ::ExitProcess(2);
}

struct child_dispatch {
    child_dispatch() {
        const wchar_t* flag = std::wcsstr(::GetCommandLineW(), child_flag);
        if (flag == nullptr) return;
        if (std::wcsncmp(flag + std::wcslen(child_flag), L"hold", 4) == 0) child_hold();
        ::ExitProcess(99);
    }
} dispatch;

/// A child holding locked entries in `area` until kill() (TerminateProcess).
class holder {
public:
    explicit holder(const fs::path& area) {
        const fs::path report = test_dir() / L"report.txt";
        ::_wputenv_s(area_variable, area.c_str());
        ::_wputenv_s(report_variable, report.c_str());
        wchar_t self[MAX_PATH];
        DWORD n = ::GetModuleFileNameW(nullptr, self, MAX_PATH);
        if (n == 0 || n == MAX_PATH) throw std::runtime_error("GetModuleFileNameW failed");
        std::wstring command = L"\"" + std::wstring(self, n) + L"\" " + child_flag + L"hold";
        STARTUPINFOW startup{};
        startup.cb = sizeof startup;
        PROCESS_INFORMATION process{};
        const BOOL started = ::CreateProcessW(nullptr, command.data(), nullptr, nullptr, FALSE, 0, nullptr,
                                              nullptr, &startup, &process);
        ::_wputenv_s(area_variable, L"");
        ::_wputenv_s(report_variable, L"");
        if (!started)
            throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(),
                                    "CreateProcessW");
        ::CloseHandle(process.hThread);
        process_ = process.hProcess;
        // Waits for its report (not a timing assertion: only how long to wait).
        const fs::path ready(report.native() + L".ready");
        for (int i = 0; i < 6000 && !win_test::exists(ready); ++i) {
            if (::WaitForSingleObject(process_, 10) == WAIT_OBJECT_0) break;
        }
        std::ifstream in(ready, std::ios::binary);
        std::string line;
        while (std::getline(in, line)) entries.push_back(fs::u8path(line));
        in.close();
        fs::remove(ready);
        if (entries.size() != 3) {
            kill();
            throw std::runtime_error("the holder did not report its entries");
        }
    }
    holder(const holder&) = delete;
    holder& operator=(const holder&) = delete;
    ~holder() { kill(); }

    void kill() {
        if (process_ == nullptr) return;
        ::TerminateProcess(process_, 9);
        ::WaitForSingleObject(process_, INFINITE);
        ::CloseHandle(process_);
        process_ = nullptr;
    }

    std::vector<fs::path> entries;  // directory, open file, closed file

private:
    HANDLE process_ = nullptr;
};

/// Sets the last write time of `p` (not following a link) an hour back.
void make_old(const fs::path& p) {
    HANDLE h = ::CreateFileW(p.c_str(), FILE_WRITE_ATTRIBUTES,
                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                             FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
    if (h == INVALID_HANDLE_VALUE) win_test::fail("CreateFileW (make_old)", ::GetLastError());
    FILETIME now;
    ::GetSystemTimeAsFileTime(&now);
    ULARGE_INTEGER t;
    t.LowPart = now.dwLowDateTime;
    t.HighPart = now.dwHighDateTime;
    t.QuadPart -= 3600ULL * 10000000ULL;
    FILETIME old{t.LowPart, t.HighPart};
    const BOOL ok = ::SetFileTime(h, nullptr, nullptr, &old);
    const DWORD error = ::GetLastError();
    ::CloseHandle(h);
    if (!ok) win_test::fail("SetFileTime", error);
}

tempfile::reap_options reaping(const fs::path& dir) {
    tempfile::reap_options o;
    o.dir = dir;
    o.min_age = 0s;
    return o;
}

std::vector<fs::path> sorted(std::vector<fs::path> v) {
    std::sort(v.begin(), v.end());
    return v;
}

TEST(WindowsLock, ALockedDirectoryCannotBeRemovedOrRenamedWhileItsOwnerLives) {
    tempfile::directory_options o;
    o.lock = true;
    tempfile::temporary_directory d(o);
    tempfile_test::write_text(d / "inside", "x");
    std::error_code ec;
    tempfile::remove_tree(d.path(), ec);
    EXPECT_TRUE(ec) << "removed while its owner holds it";
    EXPECT_TRUE(win_test::exists(d.path()));
    EXPECT_FALSE(::MoveFileExW(d.path().c_str(), (test_dir() / L"moved").c_str(), 0));
    const fs::path p = d.path();
    d.cleanup();  // the owner itself can: it lets go of its lock first
    EXPECT_FALSE(win_test::exists(p));
}

TEST(WindowsLock, ALockedFileKeptAfterCloseCannotBeDeletedUntilItsOwnersEnd) {
    fs::path p;
    {
        tempfile::named_file_options o;
        o.lock = true;
        o.delete_on_close = false;
        tempfile::named_temporary_file f(o);
        p = f.path();
        f.close();
        EXPECT_FALSE(::DeleteFileW(p.c_str())) << "deleted while its owner holds it";
        EXPECT_TRUE(win_test::exists(p));
    }
    EXPECT_FALSE(win_test::exists(p));
}

TEST(WindowsLock, KeepTakesTheLockAway) {
    tempfile::directory_options o;
    o.lock = true;
    tempfile::temporary_directory d(o);
    const fs::path p = d.keep();
    EXPECT_TRUE(::RemoveDirectoryW(p.c_str())) << ::GetLastError();
}

TEST(WindowsReap, ALiveOwnersEntriesAreAliveAndADeadOnesGo) {
    const fs::path area = test_dir() / L"area";
    fs::create_directory(area);
    holder live(area);
    holder dead(area);
    std::vector<fs::path> all = live.entries;
    all.insert(all.end(), dead.entries.begin(), dead.entries.end());
    for (const fs::path& p : all) make_old(p);
    tempfile::reap_result r = tempfile::reap_orphans(reaping(area));
    EXPECT_TRUE(r.removed.empty());
    EXPECT_EQ(sorted(r.alive), sorted(all));
    std::error_code ec;
    tempfile::remove_tree(dead.entries[0], ec);
    EXPECT_TRUE(ec) << "a locked directory went while its owner lived";

    dead.kill();
    EXPECT_FALSE(win_test::exists(dead.entries[1])) << "delete-on-close: Windows deleted it";
    r = tempfile::reap_orphans(reaping(area));
    EXPECT_EQ(sorted(r.removed), sorted({dead.entries[0], dead.entries[2]}));
    EXPECT_EQ(sorted(r.alive), sorted(live.entries));
    EXPECT_EQ(r.entries, 3u) << "the directory, what it held, the closed file";
    EXPECT_FALSE(win_test::exists(dead.entries[0]));
    EXPECT_FALSE(win_test::exists(dead.entries[2]));
    for (const fs::path& p : live.entries) EXPECT_EQ(p == live.entries[1] || win_test::exists(p), true) << p;

    live.kill();
    r = tempfile::reap_orphans(reaping(area));
    EXPECT_EQ(sorted(r.removed), sorted({live.entries[0], live.entries[2]}));
    EXPECT_TRUE(list_dir(area).empty());
    fs::remove(area);
}

TEST(WindowsReap, OtherNamesAndYoungEntriesStay) {
    const fs::path area = test_dir() / L"area";
    fs::create_directory(area);
    tempfile::name_options names;
    names.dir = area;
    const fs::path young = tempfile::mkdtemp(names);
    const fs::path old = tempfile::mkdtemp(names);
    names.prefix = "other";
    const fs::path other = tempfile::mkdtemp(names);
    make_old(old);
    make_old(other);
    const tempfile::reap_result r = tempfile::reap_orphans(reaping(area));
    EXPECT_EQ(r.removed, std::vector<fs::path>{old});
    EXPECT_TRUE(win_test::exists(young));
    EXPECT_TRUE(win_test::exists(other));
    fs::remove_all(area);
}

TEST(WindowsReap, ALinkWithAMatchingNameStaysAndWhatItLeadsToIsUntouched) {
    const fs::path area = test_dir() / L"area";
    const fs::path outside = test_dir() / L"outside";
    fs::create_directory(area);
    fs::create_directory(outside);
    tempfile_test::write_text(outside / "keep.txt", "outside");
    const fs::path link = area / L"tmpjunction";  // "junction" is 8 of [a-z0-9_]
    if (!win_test::make_directory_link(link, outside)) {
        fs::remove_all(area);
        fs::remove_all(outside);
        GTEST_SKIP() << "this OS (Wine 8) creates neither directory symbolic links nor junctions";
    }
    make_old(link);
    const tempfile::reap_result r = tempfile::reap_orphans(reaping(area));
    EXPECT_TRUE(r.removed.empty());
    EXPECT_TRUE(win_test::exists(link));
    EXPECT_EQ(tempfile_test::read_text(outside / "keep.txt"), "outside");
    ::RemoveDirectoryW(link.c_str());
    fs::remove_all(area);
    fs::remove_all(outside);
}

}  // namespace
#endif  // _WIN32
