#!/bin/sh
# kretprobe_waiters.sh KERNEL EPSCOPE POLLER
# The kprobe backend with many threads asleep in epoll_wait at once. A
# kretprobe holds one of its instances (maxactive) per thread from the call to
# the return, and the kernel's default (max(10, 2 x CPUs)) runs out: returns go
# unrecorded and, from libbpf's perf-made kprobes, uncounted. epscope makes its
# kprobes in tracefs instead (tracer/capture/kprobe_events.hpp), with the
# kernel's most instances (4096) where threads sleep, and counts misses.
#  1. 24 waiters on one instance, --verify: nothing lost, 0 mismatches (before:
#     "ready list: kernel has N items, model 0" for every harvest whose wait's
#     return was missed).
#  2. 4200 waiters, past the kernel's most: the missed returns are lost records,
#     named at the end ("kernel skipped program runs: kretprobe_do_epoll_wait N").
#  3. tracefs is left as found: our events removed at the end; events of a dead
#     epscope removed at start; another group's event untouched.
set -eu
kernel=$1 epscope=$2 poller=$3
lab=$(dirname "$0")/run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$lab" --kernel "$kernel" --timeout 600 --mem 2048 --out "$out" --bin "$epscope" --bin "$poller" -- sh -c '
    ulimit -n 65536
    T=/sys/kernel/tracing
    load="--model basic --shared-epoll --role both --conns 16 --duration 2 --payload 128"
    epscope record --backend kprobe --verify --verify-interval 50 -o /out/waiters.trace -- epscope-poller $load --threads 24 \
        >/out/waiters.out 2>&1 || echo "waiters: record failed" >>/out/failures
    echo "p:epscope/e999999_0_do_epoll_wait do_epoll_wait" >>$T/kprobe_events
    echo "p:epscope/e1_0_do_epoll_ctl do_epoll_ctl" >>$T/kprobe_events
    echo "p:kprobes/epscope_neighbour do_epoll_wait" >>$T/kprobe_events
    epscope record --backend kprobe -o /out/many.trace -- epscope-poller $load --threads 4200 \
        >/out/many.out 2>&1 || echo "many: record failed" >>/out/failures
    cat $T/kprobe_events >/out/left
    true'
fail() { echo "FAIL $kernel: $*"; failed=1; }
failed=0
[ ! -s "$out/failures" ] || fail "$(cat "$out/failures")"
json=$("$epscope" stat --json "$out/waiters.trace")
lost=$(echo "$json" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p')
mism=$(echo "$json" | sed -n 's/.*"fidelity":{"checks":{[^}]*},"mismatches":{\([^}]*\)}.*/\1/p')
ready=$(echo "$json" | sed -n 's/.*"fidelity":{"checks":{[^}]*"ready":\([0-9]*\).*/\1/p')
echo "$kernel 24 waiters: lost $lost; ready checks $ready; mismatches {$mism}"
[ "$lost" = 0 ] || fail "24 waiters lost $lost records"
[ "${ready:-0}" -gt 100 ] || fail "24 waiters: too few ready-list checks (${ready:-0})"
echo "$mism" | grep -q '[1-9]' && { fail "24 waiters: mismatches"; "$epscope" stat --mismatches "$out/waiters.trace" | head -20; }
line=$(grep "kernel skipped program runs" "$out/many.out" || true)
echo "$kernel 4200 waiters: ${line:-no skipped runs said}"
missed=$(echo "$line" | sed -n 's/.*kretprobe_do_epoll_wait \([0-9]*\).*/\1/p')
[ "${missed:-0}" -gt 0 ] || fail "4200 waiters: no missed kretprobe_do_epoll_wait returns said"
many_lost=$("$epscope" stat --json "$out/many.trace" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p')
[ "${many_lost:-0}" -ge "${missed:-1}" ] || fail "4200 waiters: trace lost ${many_lost:-0} < missed $missed"
grep -q "epscope/" "$out/left" && fail "events of ours left in kprobe_events: $(grep epscope/ "$out/left")"
grep -q "kprobes/epscope_neighbour" "$out/left" || fail "another group's event was removed"
[ "$failed" = 0 ] && echo "PASS $kernel"
exit "$failed"
