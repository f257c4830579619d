// SPDX-License-Identifier: MIT
// Saving a configuration file atomically: readers see the old file or the new
// one, whole, never half of each, even if the program dies mid-write.
#include <tempfile/tempfile.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

int main() {
    tempfile::temporary_directory home;  // stands in for the user's config directory
    const auto config = home / "app.conf";

    for (int version = 1; version <= 3; ++version) {
        tempfile::atomic_file out(config);
        out.stream() << "# written by atomic_config_save\nversion = " << version << "\n";
        if (version == 3) {
            std::cout << "version 3 abandoned before commit: the file keeps version 2\n";
            break;  // no commit(): the temporary goes, app.conf is untouched
        }
        out.commit();  // data synced, renamed over app.conf, directory synced
    }

    std::string content;
    {
        auto in = std::ifstream(config);
        content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    std::cout << content;
    return content.find("version = 2") != std::string::npos ? 0 : 1;
}
