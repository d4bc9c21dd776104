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

# The model against the kernel: every poller scenario and the models under
# load, recorded on each kernel; the model's verify counts must be clean.
foreach(kernel IN ITEMS 6.1 6.12)
  add_test(NAME lab_verify_model_${kernel}
    COMMAND ${EPSCOPE_LAB_DIR}/verify_scenarios.sh ${kernel}
            $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller>)
  set_tests_properties(lab_verify_model_${kernel} PROPERTIES
    LABELS lab
    TIMEOUT 1200
    FIXTURES_REQUIRED epscope_lab_kernels
    ENVIRONMENT EPSCOPE_BUILD_DIR=${PROJECT_BINARY_DIR}
    PROCESSORS 2)
endforeach()

# The model's work stays linear on real loads recorded without --verify
# (fentry and kprobe): model_replay's routed records per record, bounded.
foreach(kernel IN ITEMS 6.1 6.12)
  add_test(NAME lab_replay_bound_${kernel}
    COMMAND ${EPSCOPE_LAB_DIR}/replay_bound.sh ${kernel}
            $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller> $<TARGET_FILE:model_replay>)
  set_tests_properties(lab_replay_bound_${kernel} PROPERTIES
    LABELS lab
    TIMEOUT 1200
    FIXTURES_REQUIRED epscope_lab_kernels
    ENVIRONMENT EPSCOPE_BUILD_DIR=${PROJECT_BINARY_DIR}
    PROCESSORS 2)
endforeach()
