# reasonrec_library(NAME DEPS ...): one static library per concern folder, from every .cpp in it.
function(reasonrec_library name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(reasonrec_${name} STATIC ${sources})
  target_include_directories(reasonrec_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(reasonrec_${name} PRIVATE ${REASONREC_WARNINGS})
  target_link_libraries(reasonrec_${name} PUBLIC ${ARG_DEPS})
  add_library(reasonrec::${name} ALIAS reasonrec_${name})
endfunction()

# reasonrec_test(NAME DEPS ...): one GoogleTest binary per tests/ folder.
function(reasonrec_test name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_executable(test_${name} ${sources})
  target_compile_options(test_${name} PRIVATE ${REASONREC_WARNINGS})
  target_link_libraries(test_${name} PRIVATE ${ARG_DEPS} reasonrec_test_support GTest::gtest
    GTest::gtest_main GTest::gmock)
  target_compile_definitions(test_${name} PRIVATE
    REASONREC_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    REASONREC_BINARY_DIR="${PROJECT_BINARY_DIR}")
  include(GoogleTest)
  gtest_discover_tests(test_${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ENVIRONMENT "REASONREC_BIN=$<TARGET_FILE:reasonrec>" DISCOVERY_TIMEOUT 60)
endfunction()
