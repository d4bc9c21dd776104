# Builds the one CO-RE BPF object and its libbpf skeleton (bpftool), so the
# epscope binary embeds the object and can be copied anywhere (e.g. the lab).
find_program(CLANG clang REQUIRED)
find_program(BPFTOOL bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

# The architecture the BPF object is built for: bpf_tracing.h's register names
# (kprobe arguments) and struct epoll_event's layout depend on it. Default: the
# target's own; -DEPSCOPE_BPF_ARCH=arm64 builds an arm64 object on any host.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(epscope_bpf_default_arch arm64)
else()
  set(epscope_bpf_default_arch x86)
endif()
set(EPSCOPE_BPF_ARCH ${epscope_bpf_default_arch} CACHE STRING "BPF object architecture: x86 or arm64")
set_property(CACHE EPSCOPE_BPF_ARCH PROPERTY STRINGS x86 arm64)
if(NOT EPSCOPE_BPF_ARCH MATCHES "^(x86|arm64)$")
  message(FATAL_ERROR "EPSCOPE_BPF_ARCH=${EPSCOPE_BPF_ARCH}: give x86 or arm64")
endif()

# Two flavours of the one source: bpf_loop (5.17+) and bounded loops (older
# kernels, whose verifier rejects a program that refers to a bpf_loop callback).
# epscope embeds both and opens the one the running kernel can load.
function(epscope_bpf_flavour NAME DEFINES)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.bpf.o)
  set(skel ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.skel.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CLANG} -g -O2 -Wall -target bpf -D__TARGET_ARCH_${EPSCOPE_BPF_ARCH} ${DEFINES}
            -I${CMAKE_CURRENT_SOURCE_DIR} -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}
            -c ${CMAKE_CURRENT_SOURCE_DIR}/epscope.bpf.c -o ${obj}
    DEPENDS epscope.bpf.c kernel_types.h epscope_abi.h epscope_counting.h epscope_shared.h
    COMMENT "BPF object ${NAME}.bpf.o"
    VERBATIM)
  string(REPLACE "." "_" skel_name ${NAME})
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${skel_name}_bpf > ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${NAME}.skel.h"
    VERBATIM)
endfunction()

epscope_bpf_flavour(epscope "")
epscope_bpf_flavour(epscope_bounded "-DEPSCOPE_BOUNDED_LOOPS")
set(EPSCOPE_BPF_OBJ ${CMAKE_CURRENT_BINARY_DIR}/epscope.bpf.o)
set(EPSCOPE_BPF_SKEL ${CMAKE_CURRENT_BINARY_DIR}/epscope.skel.h
                     ${CMAKE_CURRENT_BINARY_DIR}/epscope_bounded.skel.h)

add_custom_target(epscope_bpf_skel DEPENDS ${EPSCOPE_BPF_SKEL})
add_library(epscope_bpf INTERFACE)
add_dependencies(epscope_bpf epscope_bpf_skel)
target_include_directories(epscope_bpf INTERFACE ${CMAKE_CURRENT_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR})

# Both architectures build, with their own layouts (arm64 is build-tested only).
add_test(NAME bpf_arch
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/arch_check.sh ${CLANG} ${BPFTOOL} ${CMAKE_CURRENT_SOURCE_DIR}
          /usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
set_tests_properties(bpf_arch PROPERTIES LABELS "unit" TIMEOUT 300)
