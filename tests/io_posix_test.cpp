// SPDX-License-Identifier: MIT
// The durable sync's fallback rule (src/posix/io_posix.cpp), which macOS
// runs with F_FULLFSYNC: Linux has no F_FULLFSYNC, so the rule is driven
// here with stand-ins for it and for fsync.
#ifndef _WIN32
#include "posix/io_posix.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace {
namespace os = tempfile::detail::os;

int full_errno = 0;   // what the stand-in F_FULLFSYNC fails with (0: succeeds)
int plain_errno = 0;  // what the stand-in fsync fails with
int plain_calls = 0;

int fake_full(int) {
    if (full_errno == 0) return 0;
    errno = full_errno;
    return -1;
}

int fake_plain(int) {
    ++plain_calls;
    if (plain_errno == 0) return 0;
    errno = plain_errno;
    return -1;
}

int run(int full, int plain) {
    full_errno = full;
    plain_errno = plain;
    plain_calls = 0;
    return os::full_sync(3, fake_full, fake_plain);
}

TEST(FullSync, SucceedsWithoutFsyncWhenFullSyncDoes) {
    EXPECT_EQ(run(0, EIO), 0);
    EXPECT_EQ(plain_calls, 0);
}

TEST(FullSync, FallsBackToFsyncOnlyWhenTheFileSystemRefusesTheRequest) {
    EXPECT_EQ(run(ENOTSUP, 0), 0);
    EXPECT_EQ(plain_calls, 1);
    EXPECT_EQ(run(ENOTTY, 0), 0);
    EXPECT_EQ(plain_calls, 1);
    EXPECT_EQ(run(ENOTSUP, EIO), EIO) << "the fallback's own failure is reported";
}

TEST(FullSync, AnIoErrorIsReportedNeverHiddenByASucceedingFsync) {
    for (int err : {EIO, ENOSPC, EBADF, EINVAL}) {
        EXPECT_EQ(run(err, 0), err);
        EXPECT_EQ(plain_calls, 0) << "errno " << err;
    }
}

TEST(FullSync, RuleNamesOnlyRefusals) {
    EXPECT_TRUE(os::fsync_may_replace_full_sync(ENOTSUP));
    EXPECT_TRUE(os::fsync_may_replace_full_sync(ENOTTY));
    EXPECT_FALSE(os::fsync_may_replace_full_sync(EIO));
    EXPECT_FALSE(os::fsync_may_replace_full_sync(0));
}

}  // namespace
#endif  // _WIN32
