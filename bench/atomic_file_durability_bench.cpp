// SPDX-License-Identifier: MIT
// What each atomic_file durability costs (docs/atomic-file-and-persist.md):
// 7 rounds of 200 commits of 4 KiB each over one target, the durabilities
// interleaved so that a change of load hits all three; prints the median
// round per durability. Argument: the directory to save in (default: the
// working one; not /tmp where it is a tmpfs, whose syncs cost nothing).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <tempfile/tempfile.hpp>
#include <vector>
int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    tempfile::directory_options d;
    d.dir = argc > 1 ? argv[1] : ".";
    tempfile::temporary_directory dir(d);
    const fs::path target = dir.path() / "config.json";
    const std::string content(4096, 'x');
    const char* names[] = {"none", "data", "full"};
    std::vector<long> per[3];
    const int rounds = 7, n = 200;
    for (int round = 0; round < rounds; ++round)
        for (auto sync :
             {tempfile::durability::none, tempfile::durability::data, tempfile::durability::full}) {
            tempfile::atomic_file_options o;
            o.sync = sync;
            auto start = std::chrono::steady_clock::now();
            for (int i = 0; i < n; ++i) {
                tempfile::atomic_file f(target, o);
                f.write(content);
                f.commit();
            }
            per[static_cast<int>(sync)].push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                                                      std::chrono::steady_clock::now() - start)
                                                      .count() /
                                                  n);
        }
    for (int s = 0; s < 3; ++s) {
        std::sort(per[s].begin(), per[s].end());
        std::cout << names[s] << ": median " << per[s][rounds / 2] << " us per commit (min " << per[s][0]
                  << ", max " << per[s][rounds - 1] << ")\n";
    }
}
