# SPDX-License-Identifier: MIT
# Installs the library, headers, the CMake package tempfile::tempfile and
# tempfile.pc, in three components:
#   runtime      the shared library (nothing in a static build)
#   development  headers, the static library or the shared library's
#                unversioned link, the CMake package, tempfile.pc
#   tool         tempfile-run and its man page (tools/CMakeLists.txt)
# `cmake --install build --component runtime` installs one of them; the
# .debs (cmake/package.cmake) are cut along the same lines.
include(CMakePackageConfigHelpers)
install(TARGETS tempfile EXPORT tempfileTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tempfile DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT development)
install(FILES ${PROJECT_BINARY_DIR}/include/tempfile/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tempfile
  COMPONENT development)

set(_tempfile_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/tempfile)
install(EXPORT tempfileTargets NAMESPACE tempfile:: DESTINATION ${_tempfile_cmake_dir} COMPONENT development)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tempfileConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tempfileConfig.cmake
  INSTALL_DESTINATION ${_tempfile_cmake_dir})
# SameMinorVersion while the major version is 0 (see TEMPFILE_COMPATIBILITY).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tempfileConfigVersion.cmake
  COMPATIBILITY ${TEMPFILE_COMPATIBILITY})
install(FILES ${PROJECT_BINARY_DIR}/tempfileConfig.cmake ${PROJECT_BINARY_DIR}/tempfileConfigVersion.cmake
  DESTINATION ${_tempfile_cmake_dir} COMPONENT development)

# pkg-config: relocatable. The prefix is found from where tempfile.pc lies,
# ${pcfiledir} (pkg-config and pkgconf both set it), so that an install with
# `cmake --install build --prefix X`, or a prefix moved afterwards, still
# gives -IX/include. The climb from the .pc's directory to the prefix follows
# CMAKE_INSTALL_LIBDIR: ../.. for lib/pkgconfig, ../../.. for Debian's
# lib/x86_64-linux-gnu/pkgconfig. An absolute libdir or includedir cannot
# move with the prefix and is written as it is.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(TEMPFILE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _tempfile_up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" _tempfile_up "${_tempfile_up}")
  set(TEMPFILE_PC_PREFIX "\${pcfiledir}/${_tempfile_up}")
endif()
foreach(_v LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_v}}")
    set(TEMPFILE_PC_${_v} "${CMAKE_INSTALL_${_v}}")
  else()
    set(TEMPFILE_PC_${_v} "\${prefix}/${CMAKE_INSTALL_${_v}}")
  endif()
endforeach()
if(BUILD_SHARED_LIBS)
  set(TEMPFILE_PC_CFLAGS "-DTEMPFILE_SHARED")
  set(TEMPFILE_PC_PRIVATE_LIBS "")
else()
  set(TEMPFILE_PC_CFLAGS "")
  set(TEMPFILE_PC_PRIVATE_LIBS "-pthread")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/tempfile.pc.in ${PROJECT_BINARY_DIR}/tempfile.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tempfile.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
