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

# reasonrec_test(NAME DEPS ... [OPTIMISED PATTERN...]): one GoogleTest binary per tests/ folder.
# OPTIMISED lists the tests too slow to run under the sanitizers (GoogleTest filter patterns:
# Suite.Name or Suite.*). They get the CTest label `optimised`: `make test` runs them in the release
# build (make test-optimised) and every other test in the sanitizer build (make test-sanitize).
# A test `test_NAME.optimised_patterns` fails when a pattern no longer names any test.
set(REASONREC_DISCOVERY_TIMEOUT 60)
if(REASONREC_SANITIZE)
  set(REASONREC_DISCOVERY_TIMEOUT 300)  # loading libtorch into an ASan process at build time
endif()
function(reasonrec_test name)
  cmake_parse_arguments(ARG "" "" "DEPS;OPTIMISED" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_executable(test_${name} ${sources} ${REASONREC_SANITIZER_DEFAULTS})
  target_compile_options(test_${name} PRIVATE ${REASONREC_WARNINGS})
  if(REASONREC_SANITIZE)
    # GCC 12's -Wmaybe-uninitialized misfires inside libstdc++'s <regex> under the sanitizers'
    # instrumentation (tests/engine/generate_command_test.cpp); the release build keeps it.
    target_compile_options(test_${name} PRIVATE -Wno-maybe-uninitialized)
  endif()
  target_link_libraries(test_${name} PRIVATE ${ARG_DEPS} reasonrec_test_support GTest::gtest
    GTest::gtest_main GTest::gmock)
  target_compile_definitions(test_${name} PRIVATE
    REASONREC_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    REASONREC_BINARY_DIR="${PROJECT_BINARY_DIR}")
  include(GoogleTest)
  set(discover WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} DISCOVERY_TIMEOUT ${REASONREC_DISCOVERY_TIMEOUT})
  # A plain path, not $<TARGET_FILE:reasonrec>: that would make every test binary wait for the
  # whole CLI (libtorch half included). Folders whose tests run the CLI add_dependencies on it.
  set(environment ENVIRONMENT "REASONREC_BIN=${PROJECT_BINARY_DIR}/src/cli/reasonrec")
  if(NOT ARG_OPTIMISED)
    gtest_discover_tests(test_${name} ${discover} PROPERTIES ${environment})
    return()
  endif()
  list(JOIN ARG_OPTIMISED ":" filter)
  gtest_discover_tests(test_${name} ${discover} TEST_FILTER "-${filter}" PROPERTIES ${environment})
  gtest_discover_tests(test_${name} ${discover} TEST_FILTER "${filter}"
    PROPERTIES ${environment} LABELS optimised)
  add_test(NAME test_${name}.optimised_patterns COMMAND ${CMAKE_COMMAND}
    -DBINARY=$<TARGET_FILE:test_${name}> -DFILTER=${filter}
    -P ${PROJECT_SOURCE_DIR}/cmake/CheckTestPatterns.cmake)
  set_property(GLOBAL APPEND PROPERTY REASONREC_OPTIMISED_TARGETS test_${name})
endfunction()
