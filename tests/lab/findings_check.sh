#!/bin/sh
# findings_check.sh KERNEL EPSCOPE POLLER: `epscope check` on captures of a
# kernel-hook backend (fentry or kprobe) in the lab. Each of the poller's
# misuse scenarios is reported as exactly its finding (kind and severity; exit
# 3, or 0 for the info one) with the instance, items, threads, counts and
# times the scenario made; every other scenario (--list-scenarios without
# bad-) exits 0 with nothing of warning or worse; and
# since callbacks are seen, the rules that need them are judged (not listed as
# not judged). The load models are left out: in an emulated VM on a loaded
# host their threads are preempted for 100 ms and more, which the
# loop-blocked rule cannot tell from a blocked loop (host_findings checks
# them on the tracepoint backend).
set -eu
kernel=$1 epscope=$2 poller=$3
lab=$(dirname "$0")/run
out=$(mktemp -d)
trap '[ -z "${FINDINGS_KEEP:-}" ] || cp -r "$out" "$FINDINGS_KEEP"; rm -rf "$out"' EXIT  # FINDINGS_KEEP=DIR: keep the traces
bad="bad-busy-poll bad-oneshot-not-rearmed bad-loop-blocked bad-maxevents-starved
     bad-thundering-herd bad-spurious-wakeups bad-level-spin bad-registration-churn
     bad-overflow-pressure bad-unbalanced-pollers bad-edge-undrained"
# dup-registered-twice delivers an event on the item of a closed fd on
# purpose (the kernel keeps it while the dup holds the file): the
# closed-fd-registered finding, checked below with bad-closed-fd-registered.
closed="bad-closed-fd-registered dup-registered-twice"
healthy=$("$poller" --list-scenarios | cut -d' ' -f1 | grep -v '^bad-' |
    grep -vx dup-registered-twice)  # every other one
"$lab" --kernel "$kernel" --timeout 1200 --out "$out" --bin "$epscope" --bin "$poller" -- sh -c "
    ulimit -n 65536  # overflow-harvest and many-fds hold thousands of eventfds
    for s in $(echo $bad $closed $healthy); do
        epscope record -o /out/\$s.trace -- epscope-poller --scenario \$s >/out/\$s.out 2>&1 ||
            echo \"\$s failed\" >>/out/failures
    done
    epscope record --verify -o /out/starved-verify.trace -- epscope-poller \\
        --scenario bad-maxevents-starved >/out/starved-verify.out 2>&1 ||
        echo \"starved-verify failed\" >>/out/failures
    epscope record --verify --verify-interval 10 -o /out/closed-verify.trace -- \\
        epscope-poller --scenario bad-closed-fd-registered >/out/closed-verify.out 2>&1 ||
        echo \"closed-verify failed\" >>/out/failures"
failed=0
fail() { echo "FAIL: $kernel: $*"; failed=1; }
[ ! -s "$out/failures" ] || { fail "$(cat "$out/failures")"; exit 1; }
check() {  # check NAME EXPECTED-STATUS EXPECTED-KINDS
    set +e
    "$epscope" check "$out/$1.trace" >"$out/$1.txt" 2>&1; st=$?
    "$epscope" check --json "$out/$1.trace" >"$out/$1.json" 2>&1
    set -e
    kinds=$(jq -r '[.findings[] | .kind + ":" + .severity] | sort | join(" ")' "$out/$1.json")
    [ "$st" -eq "$2" ] && [ "$kinds" = "$3" ] ||
        { cat "$out/$1.txt"; fail "$1: exit $st, findings '$kinds'; expected $2, '$3'"; }
    ! grep -q '^  loop-blocked:' "$out/$1.txt" || fail "$1: loop-blocked not judged on a kernel backend"
}
# expect NAME JQ-CONDITION WHAT: the one finding of NAME.json satisfies the condition.
expect() {
    jq -e ".findings[0] | $2" "$out/$1.json" >/dev/null ||
        { cat "$out/$1.txt"; fail "$1: $3"; }
}
# The finding's process is the scenario's, its instance the epfd the scenario used.
pid_of() { grep -o '"pid":[0-9]*' "$out/$1.out" | head -1 | cut -d: -f2; }
epfd_of() { grep -o '"epfd":[0-9]*' "$out/$1.out" | head -1 | cut -d: -f2; }
expect_subject() {
    expect "$1" ".tgid == $(pid_of "$1") and .comm == \"epscope-poller\" and
                 .epfd == $(epfd_of "$1") and (.instance | startswith(\"ep#\"))" \
        "not the scenario's process and instance"
}
# The times: inside the trace, first before last.
expect_times() { expect "$1" '.first_s >= 0 and .last_s >= .first_s and .last_s < 60' "times"; }

check bad-busy-poll 3 'busy-polling:warning'
expect bad-busy-poll '.count >= 2000 and (.threads | length) == 1' "count of empty polls"
check bad-oneshot-not-rearmed 3 'oneshot-not-rearmed:warning'
grep -q 'not re-armed for [0-9]* ms (removed then); 1[0-9] callbacks ignored as disarmed' \
    "$out/bad-oneshot-not-rearmed.txt" || fail "oneshot: no ignored callbacks in the evidence"
expect bad-oneshot-not-rearmed '.count == 1 and .items[0].name == "pipe"' "the one pipe item"
# Six turns of 200 ms, each with the pipe's next event queued at its start.
check bad-loop-blocked 3 'loop-blocked:warning'
expect bad-loop-blocked '.count == 6 and (.items | length) == 1 and .items[0].name == "pipe" and
    (.title | test("6 turns longer than 50 ms")) and (.last_s - .first_s) >= 1.0' "6 stalls of 200 ms"
grep -q 'ms between leaving epoll_wait (record #[0-9]*) and entering it again (record #[0-9]*) while 1 items waited on the ready list, the oldest for [2-9][0-9][0-9] ms' \
    "$out/bad-loop-blocked.txt" || fail "loop-blocked: no evidence of a 200 ms wait"
# 40 harvests of 4 from 64 ready items: 60 left each time. The ready list
# after a harvest is walked with --verify only; without it the full harvests
# are listed as not judged.
check starved-verify 3 'maxevents-starved:warning'
expect starved-verify '.count == 40 and
    (.title | test("40 full harvests left up to 60 items"))' "40 harvests leaving 60"
check bad-maxevents-starved 0 ''
grep -q '^  maxevents-starved: 40 epoll_wait calls returned maxevents and the ready list after them was not walked: record with --verify' \
    "$out/bad-maxevents-starved.txt" || fail "bad-maxevents-starved: not listed as not judged"
# 40 writes, each waking up to 4 waiters in 4 instances.
check bad-thundering-herd 3 'thundering-herd:warning'
expect bad-thundering-herd '.count >= 20 and .count <= 40 and (.threads | length) == 4 and
    .items[0].name == "eventfd" and
    (.evidence | map(.text) | any(test("woke [2-4] waiters in [2-4] instances")))' "herds of 4"
# 80 signals, each a wakeup for nothing.
check bad-spurious-wakeups 3 'spurious-wakeups:warning'
expect bad-spurious-wakeups '.count >= 40 and .count <= 80 and (.threads | length) == 1 and
    (.title | test("\\(([89][0-9]|100)%\\)"))' "spurious wakeups, nearly all of them"
check bad-level-spin 3 'level-spin:warning'
expect bad-level-spin '.count == 1 and (.title | test("up to 3000 times"))' "3000 EPOLLOUT deliveries"
check bad-registration-churn 3 'registration-churn:warning'
expect bad-registration-churn '.count == 6000 and (.title | test("^Registration churn: 6.0 epoll_ctl calls per delivered event"))' \
    "6000 calls, 6 per event"
check bad-overflow-pressure 0 'overflow-pressure:info'
expect bad-overflow-pressure '.count >= 100' "callbacks on the overflow list"
check bad-unbalanced-pollers 3 'unbalanced-pollers:warning'
expect bad-unbalanced-pollers '.count >= 3000 and (.threads | length) == 3 and
    (.title | test("one of 3 threads delivered 100% of the events, outside epoll_wait ([6-9][0-9]|100)%"))' \
    "one busy thread of 3"
# One EPOLLET socket read once (1 KiB of 4 KiB) and left: no callback for
# 1.5 s, until the program read the rest; the reads are recorded (fd_read).
check bad-edge-undrained 3 'edge-undrained:warning'
expect bad-edge-undrained '.count == 1 and (.items | length) == 1 and (.threads | length) == 1 and
    (.confidence | test("^reads of the fd and callbacks are seen")) and
    (.evidence[0].text | test("which read it 1 time \\(1024 bytes, the last at record #[0-9]+\\) without reaching EAGAIN, then entered epoll_wait at record #[0-9]+; no new event for it for 1[4-9][0-9][0-9] ms \\(until the program read it again\\)"))' \
    "one stall of 1.5 s after a 1 KiB read"
"$epscope" dump --kind fd_read "$out/bad-edge-undrained.trace" >"$out/bad-edge-undrained.dump"
grep -q ' fd_read .*via=read .*requested=1024 result=1024' "$out/bad-edge-undrained.dump" ||
    fail "edge-undrained: the partial read is not recorded"
# The herd's instance is whichever the eventfd's wake-up called first.
for s in $(echo "$bad" | sed s/bad-maxevents-starved/starved-verify/); do
    [ "$s" = bad-thundering-herd ] || expect_subject "$s"
    expect "$s" ".tgid == $(pid_of "$s")" "not the scenario's process"
    expect_times "$s"
done
# A registered fd closed while its dup keeps the file open, its number reused
# and registered for another pipe: the stale item is the finding, with the
# callbacks that came after the close; the trace has the close (fd_close) and
# two items under that number (two files), stat lists the stale one apart;
# recorded with --verify, the model (two items of one fd) matches the kernel.
check bad-closed-fd-registered 3 'closed-fd-registered:warning'
check dup-registered-twice 3 'closed-fd-registered:warning'
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
jq -e '.verify_mismatches == 0 and .verify_checks > 0' "$out/closed-verify.json" >/dev/null ||
    { "$epscope" stat --mismatches "$out/closed-verify.trace"; fail "closed fd: verify mismatches or nothing verified"; }
# Healthy: exit 0, nothing of warning or worse (overflow-harvest may show
# overflow pressure, which is info).
healthy() {
    set +e
    "$epscope" check "$out/$1.trace" >"$out/$1.txt" 2>&1; st=$?
    "$epscope" check --json "$out/$1.trace" >"$out/$1.json" 2>&1
    set -e
    worse=$(jq -r '[.findings[] | select(.severity != "info") | .kind] | join(" ")' "$out/$1.json")
    [ "$st" -eq 0 ] && [ -z "$worse" ] ||
        { cat "$out/$1.txt"; fail "$1: exit $st, findings '$worse' on a healthy scenario"; }
}
for s in $healthy; do
    healthy "$s"
done
[ "$failed" -eq 0 ] || exit 1
echo "findings_check $kernel: ok"
