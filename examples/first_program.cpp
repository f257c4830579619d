// SPDX-License-Identifier: MIT
#include <tempfile/tempfile.hpp>

#include <fstream>
#include <iostream>

int main() {
    tempfile::temporary_directory scratch;  // mode 0700, a unique name in the temporary directory
    std::ofstream(scratch / "data.csv") << "a,b\n1,2\n";

    tempfile::named_temporary_file report;  // mode 0600, deleted when its owner ends
    report.write("handed to another program by its name\n");
    std::cout << "scratch: " << scratch.path() << "\nreport:  " << report.path() << '\n';
}  // both are removed here, the directory with all it holds, even if something threw
