#!/bin/sh
# verify_scenarios.sh KERNEL EPSCOPE POLLER
# Proves the model against the kernel: in the lab, every epscope-poller
# scenario and the mpoller, sepoll and basic models under load are recorded
# with `epscope record --verify` (BPF walks the ready list, overflow list and
# txlist at every harvest end and the rb-tree after every ADD/DEL; the tracer
# reads /proc fdinfo of every instance every 10 ms, loads: 50 ms); back on the host,
# `epscope stat --json` replays each trace through the model, which compares
# itself with all of them. Per trace: no lost records, the workload succeeded,
# 0 mismatches of the interest set against fdinfo and of the tree (shape and
# colours) against the kernel's walks; scenarios: 0 mismatches of any kind;
# loads the same, every kind exact. Harvests that raced a callback (BPF saw one
# running during the walks, or one that chose another list than its record
# said: EP_FLAG_RACED) compare their ready list but not their overflow list and
# txlist; they must stay under 5% of harvests (or be a single one), so the
# overflow check stays one.
# EPSCOPE_KEEP_TRACES=DIR: on failure, the traces are copied there (to replay
# them with `epscope stat --mismatches FILE`).
set -eu
kernel=$1 epscope=$2 poller=$3
lab=$(dirname "$0")/run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$lab" --kernel "$kernel" --timeout 900 --out "$out" --bin "$epscope" --bin "$poller" -- sh -c '
    ulimit -n 65536
    for s in $(epscope-poller --list-scenarios | cut -d" " -f1); do
        epscope record --verify --verify-interval 10 -o /out/scenario-$s.trace -- epscope-poller --scenario $s \
            >/out/scenario-$s.out 2>&1 || echo "scenario $s failed" >>/out/failures
    done
    run() { name=$1; shift
        epscope record --verify --verify-interval 50 -o /out/load-$name.trace -- epscope-poller "$@" --role both --conns 8 \
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
# One count of the fidelity object of `epscope stat --json`:
# category JSON checks|mismatches CATEGORY
category() {
    case $2 in
        checks) obj=$(echo "$1" | sed -n 's/.*"fidelity":{"checks":{\([^}]*\)}.*/\1/p') ;;
        *) obj=$(echo "$1" | sed -n 's/.*"fidelity":{"checks":{[^}]*},"mismatches":{\([^}]*\)}.*/\1/p') ;;
    esac
    echo "$obj" | sed -n "s/.*\"$3\":\([0-9]*\).*/\1/p"
}
for t in "$out"/*.trace; do
    name=$(basename "$t" .trace)
    json=$("$epscope" stat --json "$t")
    lost=$(echo "$json" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p')
    line="$kernel $name:"
    bad=""
    for c in ready overflow txlist tree fdinfo harvest-end; do
        n=$(category "$json" checks "$c")
        m=$(category "$json" mismatches "$c")
        line="$line $c $m/$n"
        [ "$m" -eq 0 ] || bad="$bad $c"
    done
    raced=$(echo "$json" | sed -n 's/.*"raced":\([0-9]*\).*/\1/p')
    harvests=$(category "$json" checks harvest-end)
    echo "$line; raced $raced; lost $lost"
    # One raced harvest is allowed in any trace: a scenario has 3-4 harvests,
    # and one callback beside its walks (exclusive waiters, mixed types) is
    # not a lost overflow check; its ready list was still compared.
    [ "$((raced * 20))" -le "$harvests" ] || [ "$raced" -le 1 ] || bad="$bad raced"
    # Every run must have compared its tree with the kernel's and, except the
    # shortest scenarios (done before the first checkpoint), fdinfo.
    [ "$(category "$json" checks tree)" -gt 0 ] || bad="$bad no-tree-checks"
    case $name in load-*) [ "$(category "$json" checks fdinfo)" -gt 0 ] || bad="$bad no-fdinfo-checks" ;; esac
    if [ -n "$bad" ] || [ "$lost" != 0 ]; then
        echo "FAIL $kernel $name:$bad"
        "$epscope" stat --mismatches "$t" | grep -E "fidelity|mismatch|lost" || true
        # Which programs the kernel skipped, as epscope record said at its end.
        grep -h "kernel skipped program runs" "$out/$name.out" || true
        failed=1
    fi
done
[ "$(ls "$out"/*.trace | wc -l)" -ge 17 ] || { echo "FAIL: expected 17 traces"; failed=1; }
if [ "$failed" != 0 ] && [ -n "${EPSCOPE_KEEP_TRACES:-}" ]; then
    mkdir -p "$EPSCOPE_KEEP_TRACES" && cp "$out"/*.trace "$out"/*.out "$EPSCOPE_KEEP_TRACES"/ &&
        echo "traces kept in $EPSCOPE_KEEP_TRACES"
fi
exit $failed
