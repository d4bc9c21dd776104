#!/bin/sh
# record_and_check.sh KERNEL BACKEND EPSCOPE EPOLL_SCRIPT TRACE_CHECK
# In the kernel lab: `epscope record --verify --backend BACKEND` around epoll-script on
# a stock kernel; back on the host, trace-check holds the trace to the
# script's log with every kernel-side fact (identities, callback outcomes,
# sleep and wakeup, harvests and their lists, removals, teardown). --verify:
# the harvests' list walks (the txlist left by maxevents) are recorded only then.
set -eu
kernel=$1 backend=$2 epscope=$3 script=$4 check=$5
lab=$(dirname "$0")/run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$lab" --kernel "$kernel" --timeout 300 --out "$out" --bin "$epscope" --bin "$script" -- \
    sh -c "epscope record --verify --backend $backend -o /out/t.trace -- epoll-script --log /out/s.log"
# The doctor must pick kernel-function hooks, not tracepoints, on this kernel:
# fentry, or kprobes where kernel code is preemptible (7.2: PREEMPT_LAZY, a
# preempted fentry program is skipped for the next thread on its CPU).
if [ "$backend" = auto ]; then
    "$lab" --kernel "$kernel" --timeout 300 --out "$out/doctor" --bin "$epscope" -- epscope doctor >"$out/doctor.txt"
    want=fentry
    if [ "$kernel" = 7.2 ]; then
        want=kprobe
        grep -q "^  preemption: lazy (kernel code is preemptible" "$out/doctor.txt" || {
            echo "FAIL doctor on $kernel does not name its lazy preemption:"; cat "$out/doctor.txt"; exit 1; }
    fi
    for hook in create insert callback wakeup wait harvest free; do
        grep -Eq "^  $hook +$want " "$out/doctor.txt" || {
            echo "FAIL doctor on $kernel does not hook $hook with $want:"; cat "$out/doctor.txt"; exit 1; }
    done
fi
"$check" "$out/s.log" "$out/t.trace" kernel
