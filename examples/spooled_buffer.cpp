// SPDX-License-Identifier: MIT
// A buffer that stays in memory while it is small and spills to an unnamed
// temporary file when it grows, keeping its content and position.
#include <tempfile/tempfile.hpp>

#include <iostream>
#include <string>

int main() {
    tempfile::spooled_temporary_file buffer(64 * 1024);  // up to 64 KiB in memory

    buffer.write("small header\n");
    std::cout << "after 13 bytes, on disk: " << std::boolalpha << buffer.rolled_over() << "\n";

    const std::string row(1000, 'x');
    for (int i = 0; i < 100; ++i) buffer.write(row + "\n");
    std::cout << "after " << buffer.size() << " bytes, on disk: " << buffer.rolled_over() << "\n";

    buffer.seek(0);
    std::string first_line;
    std::getline(buffer.stream(), first_line);
    std::cout << "first line: " << first_line << "\n";
    return buffer.rolled_over() && first_line == "small header" ? 0 : 1;
}  // the unnamed file vanishes with its owner
