# SPDX-License-Identifier: MIT
# Installs the library, headers, the CMake package tempfile::tempfile and tempfile.pc.
include(CMakePackageConfigHelpers)
install(TARGETS tempfile EXPORT tempfileTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tempfile DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT tempfileTargets NAMESPACE tempfile:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tempfile)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tempfileConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tempfileConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tempfile)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tempfileConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tempfileConfig.cmake ${PROJECT_BINARY_DIR}/tempfileConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tempfile)

# pkg-config: absolute dirs are used as they are, relative ones under ${prefix}.
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
install(FILES ${PROJECT_BINARY_DIR}/tempfile.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
