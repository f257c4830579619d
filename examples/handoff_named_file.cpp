// SPDX-License-Identifier: MIT
// Handing a named temporary file to another process. With
// delete_on_close = false, close() keeps the file, so the child can open it by
// name (on Windows an open temporary file cannot be reopened: Python's
// pitfall); the owner's end deletes it afterwards.
#include <tempfile/tempfile.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main() {
    tempfile::named_file_options options;  // C++20: f({.suffix = ".txt", .delete_on_close = false})
    options.suffix = ".txt";
    options.delete_on_close = false;
    tempfile::named_temporary_file f(options);
    f.write("hello from the parent\n");
    f.close();  // the file stays: the child can open it now

#ifdef _WIN32
    std::string command = "type \"" + f.path().string() + "\"";
#else
    std::string command = "cat '" + f.path().string() + "'";
#endif
    std::cout << "child reads " << f.path().string() << ":\n" << std::flush;
    int status = std::system(command.c_str());
    if (status != 0) {
        std::cerr << "the child could not read the file\n";
        return 1;
    }
    return 0;
}  // f's end deletes the file
