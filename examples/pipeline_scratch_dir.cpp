// SPDX-License-Identifier: MIT
// A multi-step pipeline that needs scratch space: every step writes into one
// private directory, and the whole tree goes when the directory's owner does,
// even when a step throws. No rmdir-on-a-non-empty-directory, no orphans.
#include <tempfile/tempfile.hpp>

#include <fstream>
#include <iostream>
#include <string>

namespace {

void extract(const std::filesystem::path& out) {
    std::ofstream(out) << "banana 3\napple 5\ncherry 1\n";
}

void transform(const std::filesystem::path& in, const std::filesystem::path& out) {
    std::ifstream src(in);
    std::ofstream dst(out);
    std::string fruit;
    int count = 0;
    while (src >> fruit >> count) dst << fruit << ' ' << count * 10 << '\n';
}

int total(const std::filesystem::path& in) {
    std::ifstream src(in);
    std::string fruit;
    int count = 0, sum = 0;
    while (src >> fruit >> count) sum += count;
    return sum;
}

}  // namespace

int main() {
    std::filesystem::path where;
    {
        tempfile::directory_options options;
        options.prefix = "pipeline-";
        tempfile::temporary_directory scratch(options);
        where = scratch.path();
        std::filesystem::create_directories(scratch / "stage1" / "logs");
        extract(scratch / "stage1" / "raw.txt");
        transform(scratch / "stage1" / "raw.txt", scratch / "scaled.txt");
        std::cout << "pipeline total: " << total(scratch / "scaled.txt") << "\n";
        std::cout << "scratch was " << where.string() << "\n";
    }  // the directory and all it holds are removed here
    std::cout << "scratch still exists: " << std::boolalpha << std::filesystem::exists(where) << "\n";
    return std::filesystem::exists(where) ? 1 : 0;
}
