# SPDX-License-Identifier: MIT
# `docs`: the Doxygen API reference in BUILD/docs/html, from the public
# headers (with the generated version.hpp), the README as the main page and
# the docs/ pages. Any Doxygen warning fails the target: the log is
# BUILD/docs/warnings.log. Debian: apt-get install doxygen.
find_package(Doxygen QUIET)
find_package(Python3 QUIET COMPONENTS Interpreter)
if(NOT DOXYGEN_FOUND OR NOT Python3_Interpreter_FOUND)
  message(STATUS "tempfile: no doxygen or python3, no `docs` target")
  return()
endif()
set(TEMPFILE_DOCS_OUTPUT ${PROJECT_BINARY_DIR}/docs)
configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${PROJECT_BINARY_DIR}/Doxyfile @ONLY)
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E remove_directory ${TEMPFILE_DOCS_OUTPUT}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${TEMPFILE_DOCS_OUTPUT}
  COMMAND ${DOXYGEN_EXECUTABLE} ${PROJECT_BINARY_DIR}/Doxyfile
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Doxygen: API reference in ${TEMPFILE_DOCS_OUTPUT}/html"
  VERBATIM)
