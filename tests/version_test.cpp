// SPDX-License-Identifier: MIT
// The version macros and tempfile::version() tell one story: the number of
// project() in CMakeLists.txt, which the build also hands over here.
#include <tempfile/tempfile.hpp>

#include <gtest/gtest.h>

#include <string>

TEST(Version, RunTimeVersionIsTheCompileTimeVersion) {
    EXPECT_EQ(tempfile::version(), TEMPFILE_VERSION_STRING);
}

TEST(Version, StringIsMajorMinorPatchOfTheMacros) {
    const std::string expected = std::to_string(TEMPFILE_VERSION_MAJOR) + "." +
                                 std::to_string(TEMPFILE_VERSION_MINOR) + "." +
                                 std::to_string(TEMPFILE_VERSION_PATCH);
    EXPECT_EQ(std::string(TEMPFILE_VERSION_STRING), expected);
}

TEST(Version, IntegerOrdersReleases) {
    static_assert(TEMPFILE_VERSION ==
                      TEMPFILE_VERSION_MAJOR * 10000 + TEMPFILE_VERSION_MINOR * 100 + TEMPFILE_VERSION_PATCH,
                  "TEMPFILE_VERSION is major * 10000 + minor * 100 + patch");
#if TEMPFILE_VERSION < 200
#error "this tree is 0.2.0 or later"
#endif
    EXPECT_GE(TEMPFILE_VERSION, 200);
}

TEST(Version, IsTheProjectVersionOfTheBuild) {
    EXPECT_EQ(tempfile::version(), TEMPFILE_PROJECT_VERSION);
}

TEST(Version, ViewIsNulTerminatedForCApis) {
    const std::string_view v = tempfile::version();
    ASSERT_FALSE(v.empty());
    EXPECT_EQ(v.data()[v.size()], '\0');
}
