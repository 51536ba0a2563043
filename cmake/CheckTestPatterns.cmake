# cmake -DBINARY=test_x -DFILTER=A.b:C.* -P CheckTestPatterns.cmake
# Fails when one of the patterns a reasonrec_test(... OPTIMISED ...) names matches no test of the
# binary: a renamed test would otherwise drop out of the sanitizer run and the release run alike.
string(REPLACE ":" ";" patterns "${FILTER}")
foreach(pattern IN LISTS patterns)
  execute_process(COMMAND "${BINARY}" --gtest_list_tests "--gtest_filter=${pattern}"
                  OUTPUT_VARIABLE listed ERROR_VARIABLE errors RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${BINARY} --gtest_list_tests failed (${status}): ${errors}")
  endif()
  if(NOT listed MATCHES "\n  [^ \n]")
    message(FATAL_ERROR "OPTIMISED pattern '${pattern}' names no test of ${BINARY}: update the "
                        "OPTIMISED list in its tests/*/CMakeLists.txt")
  endif()
  message(STATUS "${pattern}: ok")
endforeach()
