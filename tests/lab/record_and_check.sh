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
# The doctor must pick kernel-function hooks, not tracepoints, on this kernel.
if [ "$backend" = auto ]; then
    "$lab" --kernel "$kernel" --timeout 300 --out "$out/doctor" --bin "$epscope" -- epscope doctor >"$out/doctor.txt"
    for hook in create insert callback wakeup wait harvest free; do
        grep -Eq "^  $hook +fentry " "$out/doctor.txt" || {
            echo "FAIL doctor on $kernel does not hook $hook with fentry:"; cat "$out/doctor.txt"; exit 1; }
    done
fi
"$check" "$out/s.log" "$out/t.trace" kernel
