#!/bin/sh
# findings_check.sh KERNEL EPSCOPE POLLER: `epscope check` on captures of a
# kernel-hook backend (fentry or kprobe) in the lab. The poller's misuse
# scenarios are reported as exactly their finding, with exit 3 (the one-shot
# one from the callbacks ignored as disarmed, which this backend sees); the
# healthy scenarios exit 0; and since callbacks are seen, the rules that need
# them are judged (not listed as not judged). The load models are left out:
# in an emulated VM on a loaded host their threads are preempted for 100 ms
# and more, which the loop-blocked rule cannot tell from a blocked loop.
set -eu
kernel=$1 epscope=$2 poller=$3
lab=$(dirname "$0")/run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$lab" --kernel "$kernel" --timeout 600 --out "$out" --bin "$epscope" --bin "$poller" -- sh -c '
    for s in bad-busy-poll bad-oneshot-not-rearmed oneshot-rearm edge-vs-level maxevents-small \
             exclusive-waiters mixed-types; do
        epscope record -o /out/$s.trace -- epscope-poller --scenario $s >/out/$s.out 2>&1 ||
            echo "$s failed" >>/out/failures
    done'
fail() { echo "FAIL: $kernel: $*"; exit 1; }
[ ! -s "$out/failures" ] || fail "$(cat "$out/failures")"
check() {  # check NAME EXPECTED-STATUS EXPECTED-KINDS
    set +e
    "$epscope" check "$out/$1.trace" >"$out/$1.txt" 2>&1; st=$?
    "$epscope" check --json "$out/$1.trace" >"$out/$1.json" 2>&1
    set -e
    kinds=$(grep -o '"kind":"[a-z-]*","severity":"[a-z]*"' "$out/$1.json" | sort -u | tr '\n' ' ')
    [ "$st" -eq "$2" ] && [ "$kinds" = "$3" ] ||
        { cat "$out/$1.txt"; fail "$1: exit $st, findings '$kinds'; expected $2, '$3'"; }
    ! grep -q '^  loop-blocked:' "$out/$1.txt" || fail "$1: loop-blocked not judged on a kernel backend"
}
check bad-busy-poll 3 '"kind":"busy-polling","severity":"warning" '
check bad-oneshot-not-rearmed 3 '"kind":"oneshot-not-rearmed","severity":"warning" '
grep -q 'not re-armed for [0-9]* ms (removed then); 1[0-9] callbacks ignored as disarmed' \
    "$out/bad-oneshot-not-rearmed.txt" || fail "oneshot: no ignored callbacks in the evidence"
for s in oneshot-rearm edge-vs-level maxevents-small exclusive-waiters mixed-types; do
    check "$s" 0 ''
done
echo "findings_check $kernel: ok"
