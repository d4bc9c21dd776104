# The tracer on the lab's stock kernels: `epscope record` around epoll-script
# with the planner's choice (auto: fentry on both) and with kprobes forced;
# trace-check then holds each trace to the script's log, kernel facts included.
foreach(kernel IN ITEMS 6.1 6.12)
  foreach(backend IN ITEMS auto kprobe)
    add_test(NAME lab_record_${backend}_${kernel}
      COMMAND ${EPSCOPE_LAB_DIR}/record_and_check.sh ${kernel} ${backend}
              $<TARGET_FILE:epscope> $<TARGET_FILE:epoll-script> $<TARGET_FILE:trace-check>)
    set_tests_properties(lab_record_${backend}_${kernel} PROPERTIES
      LABELS lab
      TIMEOUT 900
      FIXTURES_REQUIRED epscope_lab_kernels
      ENVIRONMENT EPSCOPE_BUILD_DIR=${PROJECT_BINARY_DIR}
      PROCESSORS 2)
  endforeach()
endforeach()
