// SPDX-License-Identifier: MIT
#include <tempfile/version.hpp>

namespace tempfile {

// The string is the one this library was compiled with, so that a program
// can tell it apart from the headers it was compiled against.
std::string_view version() noexcept {
    return TEMPFILE_VERSION_STRING;
}

}  // namespace tempfile
