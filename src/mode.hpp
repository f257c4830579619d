// SPDX-License-Identifier: MIT
#pragma once
// The permission bits a caller's options ask for (options.mode), checked
// once for every maker: an option left unset costs a test of a flag.
#include <filesystem>
#include <optional>
#include <system_error>

namespace tempfile::detail {

/// The bits to create with: `requested`'s, or `fallback` (0600 for files,
/// 0700 for directories) when unset. Bits outside fs::perms::mask (07777),
/// fs::perms::unknown included, are a bad option: errc::invalid_argument in
/// the generic category (throw_error makes it std::invalid_argument), and
/// the caller creates nothing. Leaves ec alone otherwise.
inline unsigned creation_mode(const std::optional<std::filesystem::perms>& requested, unsigned fallback,
                              std::error_code& ec) noexcept {
    if (!requested) return fallback;
    const auto bits = static_cast<unsigned>(*requested);
    if ((bits & ~static_cast<unsigned>(std::filesystem::perms::mask)) != 0) {
        ec = std::make_error_code(std::errc::invalid_argument);
        return fallback;
    }
    return bits;
}

}  // namespace tempfile::detail
