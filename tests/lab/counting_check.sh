#!/bin/sh
# counting_check.sh KERNEL EPSCOPE POLLER
# Counting mode with kernel hooks: in the lab, each deterministic poller
# scenario is recorded (`epscope record`) and counted (`epscope live
# --counting --json`), with fentry (auto) and with kprobes forced; back on
# the host, tests/host/counting_compare.sh holds the counters to the
# recording's model: per instance waits, deliveries, harvests, wakeups and
# callbacks by outcome, per item deliveries. One boot.
set -eu
kernel=$1 epscope=$2 poller=$3
here=$(dirname "$0")
scenarios="edge-vs-level oneshot-rearm maxevents-small insert-modify-delete many-fds"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$here/run" --kernel "$kernel" --timeout 600 --out "$out" --bin "$epscope" --bin "$poller" -- sh -c '
    ulimit -n 65536
    for b in auto kprobe; do
        mkdir -p /out/$b
        for s in '"$scenarios"'; do
            epscope record --backend $b -o /out/$b/$s.trace -- epscope-poller --scenario $s \
                >/out/$b/$s.rec.out 2>&1 || echo "record $b $s failed" >>/out/failures
            epscope live --counting --json --backend $b -i 3600 -- epscope-poller --scenario $s \
                >/out/$b/$s.json 2>/out/$b/$s.cnt.err || echo "counting $b $s failed" >>/out/failures
        done
    done
    true'
if [ -s "$out/failures" ]; then
    cat "$out/failures"
    tail -n 3 "$out"/*/*.cnt.err "$out"/*/*.rec.out
    exit 1
fi
for b in auto kprobe; do
    n=$("$here/../host/counting_compare.sh" "$epscope" "$out/$b" $scenarios) || { echo "$n"; echo "FAIL: $kernel $b"; exit 1; }
    echo "counting $kernel $b: $n figures equal"
done
echo "lab counting_check $kernel: ok"
