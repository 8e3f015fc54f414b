# gs_add_test(NAME <name> LABEL unit|privileged SOURCES <files...> LIBS <targets...>)
# One GoogleTest executable whose cases are registered with CTest under the given label.
# Privileged tests skip themselves (GTEST_SKIP with the reason) when not run as root.
include(GoogleTest)
function(gs_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE GTest::gtest GTest::gtest_main ${T_LIBS})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${T_NAME} PRIVATE
    GS_SOURCE_DIR="${PROJECT_SOURCE_DIR}" GS_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${T_NAME}
    PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()
