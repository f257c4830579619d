// SPDX-License-Identifier: MIT
#include "harness.hpp"

#include <gtest/gtest.h>

TEST(Harness, GivesEachTestAPrivateDirectory) {
    ASSERT_FALSE(tempfile_test::test_dir().empty());
    EXPECT_TRUE(std::filesystem::is_directory(tempfile_test::test_dir()));
    EXPECT_TRUE(tempfile_test::list_dir(tempfile_test::test_dir()).empty());
}
