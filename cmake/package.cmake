# SPDX-License-Identifier: MIT
# CPack: three Debian packages, one per install component (cmake/install.cmake):
#   libtempfile<SOVERSION>  the shared library: libtempfile0.2 for
#                           libtempfile.so.0.2, the name Debian gives a
#                           library package (its SONAME, with the version
#                           appended), so that 0.2 and 0.3 can be installed
#                           side by side
#   libtempfile-dev         headers, the .so link, the CMake package, tempfile.pc
#   tempfile-run            the command and its man page
# Made from a shared build installed to /usr:
#   cmake -S . -B build/deb -DBUILD_SHARED_LIBS=ON -DCMAKE_INSTALL_PREFIX=/usr
#   cmake --build build/deb && (cd build/deb && cpack -G DEB)
# scripts/check-deb.sh builds, inspects, extracts and uses them.
if(NOT BUILD_SHARED_LIBS)
  message(STATUS "tempfile: the .debs are made from a shared build (-DBUILD_SHARED_LIBS=ON); cpack is not set up")
  return()
endif()

set(TEMPFILE_PACKAGE_CONTACT "tempfile maintainers <tempfile@example.org>"
    CACHE STRING "Maintainer field of the .debs: who builds them")
set(CPACK_PACKAGE_NAME tempfile)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${TEMPFILE_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_COMPONENTS_ALL runtime development)
if(TARGET tempfile-run)
  list(APPEND CPACK_COMPONENTS_ALL tool)
endif()

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends on libc6, libstdc++6 and libgcc-s1 come from dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# -dev and the tool need exactly this build of the library.
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_COMPONENT_DEVELOPMENT_DEPENDS runtime)
set(CPACK_COMPONENT_TOOL_DEPENDS runtime)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libtempfile${TEMPFILE_SOVERSION})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
# A shlibs file, so that packages built against it depend on libtempfile0.2 (>= this version).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "${PROJECT_DESCRIPTION} (shared library)\n Python's tempfile module for C++17: RAII owners of temporary files and\n directories, created securely and removed whatever happens.")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libtempfile-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SHLIBDEPS OFF)
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
    "${PROJECT_DESCRIPTION} (development files)\n Headers, the CMake package tempfile::tempfile and tempfile.pc.")

set(CPACK_DEBIAN_TOOL_PACKAGE_NAME tempfile-run)
set(CPACK_DEBIAN_TOOL_PACKAGE_SECTION utils)
# dpkg-shlibdeps, run by CPack on the tool's staging tree, would not find
# libtempfile there: cmake/package-deb-depends.cmake.in runs it on the build.
set(CPACK_DEBIAN_TOOL_PACKAGE_SHLIBDEPS OFF)
if(TARGET tempfile-run)
  get_target_property(_tempfile_run_dir tempfile-run BINARY_DIR)
  set(TEMPFILE_RUN_BINARY ${_tempfile_run_dir}/tempfile-run)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/package-deb-depends.cmake.in
                 ${PROJECT_BINARY_DIR}/CPackProjectConfig.cmake @ONLY)
  set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_BINARY_DIR}/CPackProjectConfig.cmake)
endif()
set(CPACK_COMPONENT_TOOL_DESCRIPTION
    "run a command with a private temporary directory, then remove it\n tempfile-run gives a command a private scratch directory or file, passes\n its path in TMPDIR or in place of {}, and removes it however the command\n ends.")

# Debian wants each package's licence in /usr/share/doc/<package>/copyright.
# EXCLUDE_FROM_ALL: only a component install (CPack's) puts it there, not a
# plain `cmake --install`.
foreach(_component IN LISTS CPACK_COMPONENTS_ALL)
  string(TOUPPER ${_component} _upper)
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${CPACK_DEBIAN_${_upper}_PACKAGE_NAME}
          RENAME copyright COMPONENT ${_component} EXCLUDE_FROM_ALL)
endforeach()

include(CPack)
