# The tracer on the lab's stock kernels: `epscope record` around epoll-script
# with the planner's choice (auto: fentry on both) and with kprobes forced;
# trace-check then holds each trace to the script's log, kernel facts included.
# 5.10 is not here yet: its verifier rejects the object's bpf_loop callbacks
# (bpf_loop is 5.17+); see docs/KERNEL-NOTES.md.
foreach(kernel IN ITEMS 6.1 6.12 7.2)
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

# TCP items named by BPF from struct sock at insert time (SOCK_NAME), fentry
# and kprobe, under connection churn (issue 11 item 6).
foreach(kernel IN ITEMS 6.1 6.12)
  add_test(NAME lab_sock_names_${kernel}
    COMMAND ${EPSCOPE_LAB_DIR}/sock_names_check.sh ${kernel} $<TARGET_FILE:epscope>
            $<TARGET_FILE:epscope-poller>)
  set_tests_properties(lab_sock_names_${kernel} PROPERTIES
    LABELS lab
    TIMEOUT 600
    FIXTURES_REQUIRED epscope_lab_kernels
    ENVIRONMENT EPSCOPE_BUILD_DIR=${PROJECT_BINARY_DIR}
    PROCESSORS 2)
endforeach()

# Issue 11.2: processes exiting with items registered (the epoll fd above and below its
# targets), fentry, kprobe and --verify: every item removed (file close) before its instance
# is freed. One boot per kernel, about a minute.
foreach(kernel IN ITEMS 6.1 6.12)
  add_test(NAME lab_exit_removals_${kernel}
    COMMAND ${EPSCOPE_LAB_DIR}/exit_removals.sh ${kernel}
            $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller>)
  set_tests_properties(lab_exit_removals_${kernel} PROPERTIES
    LABELS lab
    TIMEOUT 420
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
