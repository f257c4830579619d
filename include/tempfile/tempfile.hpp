// SPDX-License-Identifier: MIT
#pragma once
/// tempfile — secure, unique, self-cleaning temporary files and directories.
/// This header brings in the whole public API; each piece also has its own.
#include <tempfile/atomic_file.hpp>
#include <tempfile/file.hpp>
#include <tempfile/named_temporary_file.hpp>
#include <tempfile/names.hpp>
#include <tempfile/reap.hpp>
#include <tempfile/remove_tree.hpp>
#include <tempfile/spooled_temporary_file.hpp>
#include <tempfile/temporary_directory.hpp>
#include <tempfile/temporary_file.hpp>
#include <tempfile/version.hpp>
