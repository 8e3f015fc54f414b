# Generates the x86_64 syscall number -> name table from the kernel uapi header, so the
# table always matches the headers the build uses.
# Inputs: UNISTD_H (asm/unistd_64.h), OUT (the .inc file to write).
file(STRINGS ${UNISTD_H} lines REGEX "^#define __NR_[a-z0-9_]+ [0-9]+")
set(body "// Generated from ${UNISTD_H} by gen_syscall_names.cmake. Do not edit.\n")
foreach(line ${lines})
  string(REGEX REPLACE "^#define __NR_([a-z0-9_]+) ([0-9]+).*" "{\\2, \"\\1\"}," entry "${line}")
  string(APPEND body "${entry}\n")
endforeach()
file(WRITE ${OUT}.tmp "${body}")
file(RENAME ${OUT}.tmp ${OUT})
