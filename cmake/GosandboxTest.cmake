# gs_add_test(NAME <name> LABEL unit|privileged SOURCES <files...> LIBS <targets...>
#             [SERIAL <Suite.Name...>])
# One GoogleTest executable whose cases are registered with CTest under the given label.
# Privileged tests skip themselves (GTEST_SKIP with the reason) when not run as root.
include(GoogleTest)
# SERIAL names tests (Suite.Name) that check host-wide state (every process, mount or
# cgroup on the machine): ctest runs them alone even under -j, where another test's jail
# would be "left behind" while it runs.
function(gs_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS;SERIAL" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE GTest::gtest GTest::gtest_main ${T_LIBS})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${T_NAME} PRIVATE
    GS_SOURCE_DIR="${PROJECT_SOURCE_DIR}" GS_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set(props LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT})
  if(NOT T_SERIAL)
    gtest_discover_tests(${T_NAME} PROPERTIES ${props} DISCOVERY_TIMEOUT 60)
    return()
  endif()
  list(JOIN T_SERIAL ":" serial)
  gtest_discover_tests(${T_NAME} TEST_FILTER "-${serial}" PROPERTIES ${props} DISCOVERY_TIMEOUT 60)
  gtest_discover_tests(${T_NAME} TEST_FILTER "${serial}" PROPERTIES ${props} RUN_SERIAL TRUE
                       DISCOVERY_TIMEOUT 60)
endfunction()
