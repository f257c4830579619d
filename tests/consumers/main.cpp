// SPDX-License-Identifier: MIT
// A consumer of the installed or embedded library: uses a few owners and
// checks that they clean up. Exit 0 means the package works.
#include <tempfile/tempfile.hpp>

#include <filesystem>
#include <iostream>

int main() {
    // Every public function must be exported from the shared library; this
    // one once was not (its definition did not see TEMPFILE_API).
    tempfile::enable_signal_cleanup();
    std::filesystem::path dir_path, file_path;
    {
        tempfile::temporary_directory dir;
        dir_path = dir.path();
        tempfile::named_file_options options;
        options.dir = dir.path();
        options.suffix = ".txt";
        tempfile::named_temporary_file f(options);
        f.write("consumer");
        file_path = f.path();
        if (!std::filesystem::exists(file_path)) return 1;
    }
    if (std::filesystem::exists(dir_path) || std::filesystem::exists(file_path)) return 2;
    // The library linked at run time is the one whose headers we compiled with.
    if (tempfile::version() != TEMPFILE_VERSION_STRING) return 3;
    std::cout << "consumer ok: tempfile " << tempfile::version() << ", " << tempfile::gettempdir().string()
              << "\n";
    return 0;
}
