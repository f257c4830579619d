// SPDX-License-Identifier: MIT
// The POSIX tree removal (src/posix/remove_tree_posix.cpp and its handles)
// where macOS and the BSDs differ from Linux: a readdir that skips entries
// after unlinks (modelled here), and BSD file flags (uchg, uappnd), whose
// clearing rule is tested on Linux with the BSD values.
#ifndef _WIN32
#include "posix/remove_tree_posix.hpp"
#include "harness.hpp"

#include <tempfile/remove_tree.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#ifdef __linux__
#include <dlfcn.h>
#endif

namespace {
namespace fs = std::filesystem;
namespace tree = tempfile::detail::os::tree;
using tempfile_test::list_dir;
using tempfile_test::test_dir;
using tempfile_test::touch;

TEST(FileFlags, OnlyTheUserFlagsThatBlockRemovalAreCleared) {
    constexpr std::uint32_t nodump = 0x1, immutable = 0x2, append = 0x4, opaque = 0x8, hidden = 0x8000;
    constexpr std::uint32_t system_immutable = 0x20000;  // SF_IMMUTABLE: root's to change
    EXPECT_EQ(tree::flags_without_blockers(immutable), 0u);
    EXPECT_EQ(tree::flags_without_blockers(immutable | append | nodump | hidden), nodump | hidden);
    EXPECT_EQ(tree::flags_without_blockers(opaque | system_immutable), opaque | system_immutable);
    EXPECT_EQ(tree::flags_without_blockers(0), 0u);
}

TEST(FileFlags, ClearingIsRefusedWhereTheOsHasNoFileFlags) {
#if defined(UF_IMMUTABLE)
    GTEST_SKIP() << "this OS has file flags: the removal tests exercise them";
#else
    touch(test_dir() / "f");
    errno = 0;
    EXPECT_FALSE(tree::clear_blocking_flags_at(AT_FDCWD, (test_dir() / "f").c_str()));
    EXPECT_EQ(errno, ENOTSUP);
    fs::remove(test_dir() / "f");
#endif
}

#ifdef __linux__
// ---- a readdir that skips entries after unlinks ------------------------------
// HFS+ (Apple TA21420) and FreeBSD's NFS client return a directory's entries
// by index: the n-th call returns what is n-th *now*, so every unlink before
// the position shifts an unread entry under it, and one pass over a large
// directory removes only part of it. While `model_on`, readdir in this
// process (the library's too: it is this executable's symbol) does that.
bool model_on = false;
std::map<DIR*, std::size_t> positions;  // entries returned so far, per stream

using readdir_fn = dirent* (*)(DIR*);
using closedir_fn = int (*)(DIR*);
using rewinddir_fn = void (*)(DIR*);

template <typename F>
F real(const char* name) {
    return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

dirent* modelled_readdir(DIR* d) {
    static const readdir_fn next = real<readdir_fn>("readdir");
    // The directory as it is now, in name order.
    std::vector<std::pair<std::string, dirent>> now;
    int fd = ::openat(dirfd(d), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* fresh = fd >= 0 ? ::fdopendir(fd) : nullptr;
    if (fresh == nullptr) {
        if (fd >= 0) ::close(fd);
        return nullptr;
    }
    while (dirent* e = next(fresh)) now.emplace_back(e->d_name, *e);
    static const closedir_fn close_stream = real<closedir_fn>("closedir");
    close_stream(fresh);
    std::sort(now.begin(), now.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t& at = positions[d];
    if (at >= now.size()) return nullptr;
    static dirent out;
    out = now[at++].second;
    return &out;
}

}  // namespace

extern "C" dirent* readdir(DIR* d) {
    static const readdir_fn next = real<readdir_fn>("readdir");
    return model_on ? modelled_readdir(d) : next(d);
}

extern "C" int closedir(DIR* d) {
    static const closedir_fn next = real<closedir_fn>("closedir");
    positions.erase(d);
    return next(d);
}

extern "C" void rewinddir(DIR* d) {
    static const rewinddir_fn next = real<rewinddir_fn>("rewinddir");
    positions.erase(d);
    next(d);
}

namespace {

struct index_based_readdir {
    index_based_readdir() {
        positions.clear();
        model_on = true;
    }
    ~index_based_readdir() { model_on = false; }
};

fs::path make_flat(const std::string& name, int files) {
    fs::path dir = test_dir() / name;
    fs::create_directory(dir);
    for (int i = 0; i < files; ++i) touch(dir / ("f" + std::to_string(1000 + i)));
    return dir;
}

TEST(ReaddirSkipsAfterUnlink, TheModelSkipsEntriesAsHfsPlusDoes) {
    fs::path dir = make_flat("model", 16);
    {
        index_based_readdir model;
        DIR* d = ::opendir(dir.c_str());
        ASSERT_NE(d, nullptr);
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ::unlinkat(dirfd(d), e->d_name, 0);
        ::closedir(d);
    }
    EXPECT_EQ(list_dir(dir).size(), 8u) << "one pass should have removed every other entry";
    fs::remove_all(dir);
}

TEST(ReaddirSkipsAfterUnlink, LargeDirectoryIsRemovedWhilePassesKeepRemovingSomething) {
    for (int files : {256, 600}) {
        fs::path dir = make_flat("flat" + std::to_string(files), files);
        std::error_code ec;
        std::uintmax_t removed = 0;
        {
            index_based_readdir model;
            removed = tempfile::remove_tree(dir, ec);
        }
        EXPECT_FALSE(ec) << files << " files: " << ec.message();
        EXPECT_EQ(removed, static_cast<std::uintmax_t>(files) + 1);
        EXPECT_FALSE(fs::exists(dir)) << files << " files";
    }
}

TEST(ReaddirSkipsAfterUnlink, NestedLargeDirectoriesAreRemoved) {
    fs::path root = test_dir() / "nested";
    fs::create_directory(root);
    for (int d = 0; d < 30; ++d) {
        fs::path sub = root / ("d" + std::to_string(100 + d));
        fs::create_directory(sub);
        for (int i = 0; i < 30; ++i) touch(sub / ("f" + std::to_string(100 + i)));
        touch(root / ("f" + std::to_string(100 + d)));
    }
    std::error_code ec;
    std::uintmax_t removed = 0;
    {
        index_based_readdir model;
        removed = tempfile::remove_tree(root, ec);
    }
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(removed, 1u + 30u + 30u * 30u + 30u);
    EXPECT_FALSE(fs::exists(root));
}
#endif  // __linux__

}  // namespace
#endif  // _WIN32
