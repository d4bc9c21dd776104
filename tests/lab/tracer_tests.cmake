# The tracer on the lab's stock kernels: `epscope record` around epoll-script
# with the planner's choice (auto: fentry on both) and with kprobes forced;
# trace-check then holds each trace to the script's log, kernel facts included.
# 5.10 loads the object's bounded-loop flavour (no bpf_loop there).
foreach(kernel IN ITEMS 5.10 6.1 6.12 7.2)
  foreach(backend IN ITEMS auto kprobe)
    epscope_add_lab_script(lab_record_${backend}_${kernel} 900 record_and_check.sh
      ${kernel} ${backend} $<TARGET_FILE:epscope> $<TARGET_FILE:epoll-script>
      $<TARGET_FILE:trace-check>)
  endforeach()
endforeach()

# 5.10: its ep_remove unlinks the items of files being released at teardown (6.x leave
# them to eventpoll_release_file): every item still removed before the free.
epscope_add_lab_script(lab_exit_removals_5.10 420 exit_removals.sh 5.10
  $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller>)

# The model against the kernel: every poller scenario and the models under
# load, recorded on each kernel; the model's verify counts must be clean and
# nothing lost. 7.2 (lazy preemption) loses nothing because nothing the tracer
# attaches can be preempted mid-run holding a recursion guard: the epoll hooks,
# process tracking and close/dup2/dup3 are kprobes there, the tracer reads no BPF
# map by syscall while tracing and no read-syscall program is attached
# (bpf/epscope_shared.h; docs/KERNEL-NOTES.md, "7.2's verify with kprobes"); its
# list mismatches are understood and handled (KERNEL-NOTES, verify mode (8) and (9)),
# and so is its rare fdinfo mismatch (a checkpoint's drain stopped by a record still
# being written: KERNEL-NOTES, "7.2's verify with kprobes").
# By hand: EPSCOPE_KEEP_TRACES=DIR tests/lab/verify_scenarios.sh KERNEL EPSCOPE
# POLLER keeps the traces of a failing run.
foreach(kernel IN ITEMS 5.10 6.1 6.12 7.2)
  epscope_add_lab_script(lab_verify_model_${kernel} 1200 verify_scenarios.sh ${kernel}
    $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller>)
endforeach()

# The kprobe backend with many threads asleep in epoll_wait at once: kretprobes
# made in tracefs with an instance per sleeper (24 waiters, --verify: exact), the
# returns past the kernel's most (4200 waiters) counted as lost records and named,
# and tracefs left as found (stale events of a killed epscope removed).
foreach(kernel IN ITEMS 5.10 6.1 6.12 7.2)
  epscope_add_lab_script(lab_kretprobe_waiters_${kernel} 600 kretprobe_waiters.sh ${kernel}
    $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller>)
endforeach()

foreach(kernel IN ITEMS 6.1 6.12)
  # TCP items named by BPF from struct sock at insert time (SOCK_NAME), fentry
  # and kprobe, under connection churn (issue 11 item 6).
  epscope_add_lab_script(lab_sock_names_${kernel} 600 sock_names_check.sh ${kernel}
    $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller>)
  # Processes exiting with items registered (the epoll fd above and below its
  # targets), fentry, kprobe and --verify: every item removed (file close)
  # before its instance is freed (issue 11 item 2). One boot, about a minute.
  epscope_add_lab_script(lab_exit_removals_${kernel} 420 exit_removals.sh ${kernel}
    $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller>)
  # The model's work stays linear on real loads recorded without --verify
  # (fentry and kprobe): model_replay's routed records per record, bounded.
  epscope_add_lab_script(lab_replay_bound_${kernel} 1200 replay_bound.sh ${kernel}
    $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller> $<TARGET_FILE:model_replay>)
  # Counting mode with kernel hooks (fentry and kprobe): the counters equal a
  # recording's model of the same scenarios, callbacks by outcome included.
  epscope_add_lab_script(lab_counting_${kernel} 700 counting_check.sh ${kernel}
    $<TARGET_FILE:epscope> $<TARGET_FILE:epscope-poller>)
endforeach()
