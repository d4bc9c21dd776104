#!/bin/sh
# verify_scenarios.sh KERNEL EPSCOPE POLLER
# Proves the model against the kernel: in the lab, every epscope-poller
# scenario and the mpoller, sepoll and basic models under load are recorded
# with the kernel hooks; back on the host, `epscope stat` replays each trace
# through the model, which compares itself with the kernel's own lists as BPF
# walked them at every harvest and with /proc fdinfo snapshots. Every trace
# must have checks and 0 mismatches (insert-modify-delete has no harvest: it
# only needs 0 mismatches; the loads: see below), no lost records, and
# each workload must have succeeded.
set -eu
kernel=$1 epscope=$2 poller=$3
lab=$(dirname "$0")/run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$lab" --kernel "$kernel" --timeout 900 --out "$out" --bin "$epscope" --bin "$poller" -- sh -c '
    ulimit -n 65536
    for s in $(epscope-poller --list-scenarios | cut -d" " -f1); do
        epscope record -o /out/scenario-$s.trace -- epscope-poller --scenario $s \
            >/out/scenario-$s.out 2>&1 || echo "scenario $s failed" >>/out/failures
    done
    run() { name=$1; shift
        epscope record -o /out/load-$name.trace -- epscope-poller "$@" --role both --conns 8 \
            --duration 2 --payload 128 >/out/load-$name.out 2>&1 || echo "load $name failed" >>/out/failures
    }
    run mpoller --model mpoller --pollers 2 --handlers 2
    run sepoll --model sepoll
    run basic-edge --model basic --trigger edge
    run basic-oneshot --model basic --trigger oneshot
    run herd --model basic --threads 3 --shared-epoll
    true'
failed=0
if [ -s "$out/failures" ]; then
    cat "$out/failures"
    for f in "$out"/*.out; do echo "== $f"; tail -n 5 "$f"; done
    failed=1
fi
for t in "$out"/*.trace; do
    name=$(basename "$t" .trace)
    json=$("$epscope" stat --json "$t")
    checks=$(echo "$json" | sed -n 's/.*"verify_checks":\([0-9]*\).*/\1/p')
    mismatches=$(echo "$json" | sed -n 's/.*"verify_mismatches":\([0-9]*\).*/\1/p')
    lost=$(echo "$json" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p')
    echo "$kernel $name: $checks checks, $mismatches mismatches, $lost lost"
    # The scenarios must match exactly. Under load a few harvest-end counts
    # still differ (at most 0.2% of checks in every run so far, most with
    # several threads on one instance: records of concurrent callbacks and
    # harvests interleave across CPUs, and the model does not yet reorder
    # them): held under 1% of checks until it does.
    allowed=0
    case $name in load-*) allowed=$((checks / 100)) ;; esac
    if [ "$mismatches" -gt "$allowed" ] || [ "$lost" != 0 ] || { [ "$checks" = 0 ] && [ "$name" != scenario-insert-modify-delete ]; }; then
        "$epscope" stat "$t" | grep -E "fidelity|lost" || true
        failed=1
    fi
done
[ "$(ls "$out"/*.trace | wc -l)" -ge 17 ] || { echo "FAIL: expected 17 traces"; failed=1; }
exit $failed
