#!/bin/sh
# findings_check.sh EPSCOPE POLLER: `epscope check` on real captures of this
# machine's kernel (syscall tracepoints): the poller's misuse scenarios are
# reported as exactly their finding, with exit status 3; the healthy load
# models exit 0 with no finding of warning or worse; and what the tracepoint
# backend cannot see is listed as not judged, never left silent.
set -eu
epscope=$1 poller=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir"/*.txt 2>/dev/null; exit 1; }
rec() { name=$1; shift; "$epscope" record --backend tracepoint "$@" >"$dir/rec-$name.txt" 2>&1 ||
    fail "record $name"; }
check() {  # check NAME EXPECTED-STATUS [OPTIONS]: epscope check on NAME.trace, text and JSON
    name=$1 want=$2; shift 2
    set +e
    "$epscope" check "$@" "$dir/$name.trace" >"$dir/$name.txt" 2>&1; st=$?
    "$epscope" check --json "$@" "$dir/$name.trace" >"$dir/$name.json" 2>&1; js=$?
    set -e
    [ "$st" -eq "$want" ] && [ "$js" -eq "$want" ] ||
        fail "$name: check exited $st (json $js), expected $want"
}
kinds() { grep -o '"kind":"[a-z-]*","severity":"[a-z]*"' "$dir/$1.json" | sort -u; }

# Busy polling: one thread, timeout 0, every call empty.
rec busy -o "$dir/busy.trace" -- "$poller" --scenario bad-busy-poll
check busy 3
[ "$(kinds busy)" = '"kind":"busy-polling","severity":"warning"' ] ||
    fail "busy: expected exactly busy-polling, got: $(kinds busy)"
grep -q '^WARNING  busy-polling$' "$dir/busy.txt" || fail "busy: no text block"
grep -q '^  process [0-9]* epscope-poller, instance [^,]*(epfd [0-9]*), threads [0-9]*$' "$dir/busy.txt" ||
    fail "busy: no process/instance/thread line"
grep -q 'epoll_wait calls with timeout 0 returned no event.*record #[1-9]' "$dir/busy.txt" ||
    fail "busy: no evidence with a record number"
grep -q '^  loop-blocked: the tracepoint backend records no callbacks' "$dir/busy.txt" ||
    fail "busy: what the backend cannot see is not listed"
# --min-severity error hides the warning and the gate passes; a window of the first
# microsecond (before the loop began) finds nothing; a window past the end is refused.
check busy 0 --min-severity error
check busy 3 --from 0 --to 10
check busy 0 --from 0 --to 0.000001
check busy 2 --from 100
"$epscope" stat "$dir/busy.trace" | grep -q '^  WARNING busy-polling: Busy polling' ||
    fail "stat: no one-line summary of the finding"

# `live` shows the finding as it appears (frames one after another off a terminal).
"$epscope" live --backend tracepoint -i 0.1 -- "$poller" --scenario bad-busy-poll \
    >"$dir/live.txt" 2>&1 || fail "live"
grep -q '^  WARNING busy-polling: Busy polling: .*\[pid [0-9]* epscope-poller, ' "$dir/live.txt" ||
    fail "live: the finding is not shown"
# What the tracepoint backend cannot see is said in live too (as check lists it).
grep -q '^  not judged by this capture: .*thundering-herd' "$dir/live.txt" ||
    fail "live: the kinds this backend cannot judge are not said"

# One-shot never re-armed: the tracepoint backend sees neither callbacks nor
# closes, so it needs the fdinfo checkpoints of --verify to say it.
rec oneshot --verify --verify-interval 100 -o "$dir/oneshot.trace" -- \
    "$poller" --scenario bad-oneshot-not-rearmed
check oneshot 3
[ "$(kinds oneshot)" = '"kind":"oneshot-not-rearmed","severity":"warning"' ] ||
    fail "oneshot: expected exactly oneshot-not-rearmed, got: $(kinds oneshot)"
grep -q '^  items: fd [0-9]* (pipe)$' "$dir/oneshot.txt" || fail "oneshot: item not named"
grep -q 'fdinfo at record #[0-9]* still lists it registered and disarmed' "$dir/oneshot.txt" ||
    fail "oneshot: no fdinfo evidence"
grep -q '"items":\[{"fd":[0-9]*,"name":"pipe"}\]' "$dir/oneshot.json" || fail "oneshot: JSON items"
# Without --verify the same run is not judged, and said so.
rec oneshot-plain -o "$dir/oneshot-plain.trace" -- "$poller" --scenario bad-oneshot-not-rearmed
check oneshot-plain 0
grep -q '^  oneshot-not-rearmed: 1 one-shot items stayed disarmed' "$dir/oneshot-plain.txt" ||
    fail "oneshot without --verify: not listed as not judged"

# The misuse scenarios this backend sees from syscalls alone: exactly their
# finding, with the figures the scenario made.
expect() {  # expect NAME JQ-CONDITION WHAT: on the one finding of NAME.json
    jq -e ".findings[0] | $2" "$dir/$1.json" >/dev/null || fail "$1: $3"
}
for s in level-spin registration-churn unbalanced-pollers edge-undrained; do
    rec "$s" -o "$dir/$s.trace" -- "$poller" --scenario "bad-$s"
    check "$s" 3
    [ "$(kinds "$s")" = "\"kind\":\"$s\",\"severity\":\"warning\"" ] ||
        fail "$s: expected exactly $s, got: $(kinds "$s")"
    expect "$s" '.comm == "epscope-poller" and .first_s >= 0 and .last_s > .first_s' "subject, times"
done
expect level-spin '.count == 1 and (.title | test("up to 3000 times")) and
    (.items | length) == 1' "3000 EPOLLOUT deliveries of one item"
expect registration-churn '.count == 6000 and
    (.title | test("^Registration churn: 6.0 epoll_ctl calls per delivered event"))' "6 per event"
expect unbalanced-pollers '.count >= 3000 and (.threads | length) == 3 and
    (.title | test("one of 3 threads delivered 100% of the events, outside epoll_wait ([6-9][0-9]|100)%"))' \
    "one busy thread of 3"
# One EPOLLET socket read once (1 KiB of 4 KiB) and left for 1.5 s: the
# reads are recorded (fd_read), the stall measured until the program read
# the rest at the end.
expect edge-undrained '.count == 1 and (.items | length) == 1 and (.threads | length) == 1 and
    (.title | test("^Edge-triggered item left undrained: read short of EAGAIN, then no event for up to 1\\.[4-9] s \\(stalls: 1\\)$")) and
    (.evidence[0].text | test("which read it 1 time \\(1024 bytes, the last at record #[0-9]+\\) without reaching EAGAIN, then entered epoll_wait at record #[0-9]+; no new event for it for 1[4-9][0-9][0-9] ms \\(until the program read it again\\)"))' \
    "one stall of 1.5 s after a 1 KiB read"
"$epscope" dump --kind fd_read "$dir/edge-undrained.trace" >"$dir/edge-undrained.dump"
grep -q ' fd_read .*via=read .*requested=1024 result=1024' "$dir/edge-undrained.dump" ||
    fail "edge-undrained: the partial read is not recorded"
grep -q ' fd_read .*via=read .*requested=8192 result=3072' "$dir/edge-undrained.dump" ||
    fail "edge-undrained: the late read of the rest is not recorded"
# The ones that need callbacks or wakeups: not judged here, and said so.
not_judged() {  # not_judged SCENARIO KIND
    rec "$1" -o "$dir/$1.trace" -- "$poller" --scenario "bad-$1"
    check "$1" 0
    [ -z "$(kinds "$1")" ] || fail "$1: findings on a backend that cannot see it: $(kinds "$1")"
    jq -e ".unjudged | any(.kind == \"$2\")" "$dir/$1.json" >/dev/null ||
        fail "$1: $2 not listed as not judged"
}
not_judged loop-blocked loop-blocked
not_judged maxevents-starved maxevents-starved
not_judged thundering-herd thundering-herd
not_judged spurious-wakeups spurious-wakeups
not_judged overflow-pressure overflow-pressure
grep -q '^  maxevents-starved: .*: 40 epoll_wait calls returned maxevents' "$dir/maxevents-starved.txt" ||
    fail "maxevents-starved: the full harvests are not counted in the not-judged line"

# Healthy: the scenarios without bad- and the load models give nothing of
# warning or worse.
for s in oneshot-rearm edge-vs-level maxevents-small exclusive-waiters mixed-types \
         overflow-harvest; do
    rec "ok-$s" -o "$dir/ok-$s.trace" -- "$poller" --scenario "$s"
    check "ok-$s" 0
done
rec oneshot-ok --verify --verify-interval 100 -o "$dir/oneshot-ok.trace" -- \
    "$poller" --scenario oneshot-rearm
check oneshot-ok 0
for m in "basic --trigger level" "basic --trigger edge" "basic --trigger oneshot" sepoll \
         "mpoller --pollers 2 --handlers 2" "basic --threads 3 --shared-epoll" \
         "basic --threads 3 --exclusive"; do
    n=load-$(echo "$m" | tr -c 'a-z0-9\n' '-')
    # shellcheck disable=SC2086
    rec "$n" -o "$dir/$n.trace" -- "$poller" --model $m --role both --conns 8 --duration 1
    check "$n" 0
    ! kinds "$n" | grep -q unbalanced-pollers || fail "$n: unbalanced-pollers on a healthy load"
done
echo "findings_check: ok"
