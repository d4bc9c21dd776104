# Builds the one CO-RE BPF object and its libbpf skeleton (bpftool), so the
# epscope binary embeds the object and can be copied anywhere (e.g. the lab).
find_program(CLANG clang REQUIRED)
find_program(BPFTOOL bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

set(EPSCOPE_BPF_OBJ ${CMAKE_CURRENT_BINARY_DIR}/epscope.bpf.o)
set(EPSCOPE_BPF_SKEL ${CMAKE_CURRENT_BINARY_DIR}/epscope.skel.h)

add_custom_command(
  OUTPUT ${EPSCOPE_BPF_OBJ}
  COMMAND ${CLANG} -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86
          -I${CMAKE_CURRENT_SOURCE_DIR} -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}
          -c ${CMAKE_CURRENT_SOURCE_DIR}/epscope.bpf.c -o ${EPSCOPE_BPF_OBJ}
  DEPENDS epscope.bpf.c kernel_types.h epscope_abi.h epscope_counting.h
  COMMENT "BPF object epscope.bpf.o"
  VERBATIM)

add_custom_command(
  OUTPUT ${EPSCOPE_BPF_SKEL}
  COMMAND ${BPFTOOL} gen skeleton ${EPSCOPE_BPF_OBJ} name epscope_bpf > ${EPSCOPE_BPF_SKEL}
  DEPENDS ${EPSCOPE_BPF_OBJ}
  COMMENT "BPF skeleton epscope.skel.h"
  VERBATIM)

add_custom_target(epscope_bpf_skel DEPENDS ${EPSCOPE_BPF_SKEL})
add_library(epscope_bpf INTERFACE)
add_dependencies(epscope_bpf epscope_bpf_skel)
target_include_directories(epscope_bpf INTERFACE ${CMAKE_CURRENT_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
