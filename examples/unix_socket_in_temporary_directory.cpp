// SPDX-License-Identifier: MIT
// A Unix socket with a unique name in a private directory (POSIX only):
// create_unique() draws the names, the maker binds the socket, and the
// directory takes the socket with it when its owner ends. Rust's
// Builder::make does the same for a UnixListener.
#include <tempfile/tempfile.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <system_error>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

// Binds `fd` to `path`. A name already taken (EADDRINUSE, as bind() says
// it) is reported as file_exists, so that create_unique draws another.
void bind_to(int fd, const std::filesystem::path& path, std::error_code& ec) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof address.sun_path) {  // 108 bytes on Linux, 104 on macOS
        ec = std::make_error_code(std::errc::filename_too_long);
        return;
    }
    std::memcpy(address.sun_path, path.c_str(), path.native().size() + 1);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return;
    ec = errno == EADDRINUSE ? std::make_error_code(std::errc::file_exists)
                             : std::error_code(errno, std::system_category());
}

int connect_to(const std::filesystem::path& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.native().size() + 1);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

int main() {
    tempfile::temporary_directory run_dir;  // 0700: only this user can reach the socket
    const int server = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (server < 0) return 1;

    tempfile::name_options options;
    options.prefix = "server-";
    options.suffix = ".sock";
    options.dir = run_dir.path();
    const std::filesystem::path socket_path = tempfile::create_unique(
        options,
        [&](const std::filesystem::path& candidate, std::error_code& ec) { bind_to(server, candidate, ec); });
    if (::listen(server, 1) != 0) return 1;
    std::cout << "listening on " << socket_path << "\n";

    // A client (another process, normally) connects by the path.
    const int client = connect_to(socket_path);
    const int accepted = ::accept(server, nullptr, nullptr);
    if (client < 0 || accepted < 0) return 1;
    const std::string hello = "hello over " + socket_path.filename().string();
    if (::write(client, hello.data(), hello.size()) != static_cast<ssize_t>(hello.size())) return 1;
    char buffer[256] = {};
    const ssize_t got = ::read(accepted, buffer, sizeof buffer - 1);
    std::cout << "server read: " << std::string(buffer, got > 0 ? static_cast<std::size_t>(got) : 0) << "\n";

    ::close(accepted);
    ::close(client);
    ::close(server);
    return got == static_cast<ssize_t>(hello.size()) ? 0 : 1;
}  // run_dir's end removes the socket and the directory
