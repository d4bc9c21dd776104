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
    for s in bad-busy-poll bad-oneshot-not-rearmed bad-closed-fd-registered oneshot-rearm \
             edge-vs-level maxevents-small exclusive-waiters mixed-types; do
        epscope record -o /out/$s.trace -- epscope-poller --scenario $s >/out/$s.out 2>&1 ||
            echo "$s failed" >>/out/failures
    done
    epscope record --verify --verify-interval 10 -o /out/closed-verify.trace -- \
        epscope-poller --scenario bad-closed-fd-registered >/out/closed-verify.out 2>&1 ||
        echo "closed-verify failed" >>/out/failures'
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
# A registered fd closed while its dup keeps the file open, its number reused
# and registered for another pipe: the stale item is the finding, with the
# callbacks that came after the close; the trace has the close (fd_close) and
# two items under that number (two files), stat lists the stale one apart;
# recorded with --verify, the model (two items of one fd) matches the kernel.
check bad-closed-fd-registered 3 '"kind":"closed-fd-registered","severity":"warning" '
grep -q 'was closed at record #[0-9]* while its file stayed open elsewhere' \
    "$out/bad-closed-fd-registered.txt" || fail "closed fd: no close in the evidence"
grep -q '[1-9][0-9]* callbacks and [0-9]* deliveries for it after the close' \
    "$out/bad-closed-fd-registered.txt" || fail "closed fd: no callbacks after the close"
for t in bad-closed-fd-registered closed-verify; do
    "$epscope" dump "$out/$t.trace" >"$out/$t.dump"
    n=$(sed -n 's/.* fd_close .*via=close fd=\([0-9]*\) .*shared=yes.*/\1/p' "$out/$t.dump" | head -1)
    [ -n "$n" ] || fail "$t: no fd_close of a shared file"
    files=$(grep " item_insert .* fd=$n .*result=0" "$out/$t.dump" | grep -o 'file=file#[0-9]*' | sort -u |
        wc -l)
    [ "$files" -eq 2 ] || fail "$t: $files files registered under fd $n, expected 2"
    "$epscope" stat "$out/$t.trace" >"$out/$t.stat"
    grep -q "stale item: fd $n\( (pipe[^)]*)\)\? file#[0-9]*, its fd closed at .* removed later" \
        "$out/$t.stat" || { cat "$out/$t.stat"; fail "$t: stat does not show the stale item"; }
done
"$epscope" stat --json "$out/closed-verify.trace" >"$out/closed-verify.json"
grep -q '"verify_mismatches":0,' "$out/closed-verify.json" ||
    { "$epscope" stat --mismatches "$out/closed-verify.trace"; fail "closed fd: verify mismatches"; }
grep -q '"verify_checks":[1-9]' "$out/closed-verify.json" || fail "closed fd: nothing verified"
for s in oneshot-rearm edge-vs-level maxevents-small exclusive-waiters mixed-types; do
    check "$s" 0 ''
done
echo "findings_check $kernel: ok"
