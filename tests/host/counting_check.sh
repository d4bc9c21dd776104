#!/bin/bash
# counting_check.sh EPSCOPE POLLER [BACKEND]: counting mode counts what a
# full recording of the same deterministic workload shows. Each poller
# scenario runs twice, once under `epscope record` and once under
# `epscope live --counting --json`; counting_compare.sh holds the counters
# to the recording (per instance and per item). Also: the figures the backend cannot see are
# null, never zeros, and a bad option combination is refused in one line.
set -euo pipefail
epscope=$1 poller=$2 backend=${3:-auto}
scenarios=${EPSCOPE_COUNTING_SCENARIOS:-"edge-vs-level oneshot-rearm maxevents-small insert-modify-delete many-fds"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for sc in $scenarios; do
  "$epscope" record --backend "$backend" --force -o "$work/$sc.trace" -- "$poller" --scenario "$sc" \
    >/dev/null 2>"$work/$sc.rec.err" || fail "$sc: record failed: $(tail -1 "$work/$sc.rec.err")"
  "$epscope" live --counting --json --backend "$backend" -i 3600 -- "$poller" --scenario "$sc" \
    >"$work/$sc.json" 2>"$work/$sc.cnt.err" || fail "$sc: live --counting failed: $(tail -1 "$work/$sc.cnt.err")"
done
compared=$("$(dirname "$0")/counting_compare.sh" "$epscope" "$work" $scenarios) || { echo "$compared"; exit 1; }
hooks=1
tail -1 "$work/$sc.json" | grep -q '"callbacks":null' && hooks=0

# Unseen figures are null, not zeros (tracepoint backend: no callbacks).
if [ "$hooks" = 0 ]; then
  tail -1 "$work/$sc.json" | grep -q '"harvests":null,"wakeups":null,"callbacks":null' ||
    fail "the tracepoint backend's unseen figures are not null"
  "$epscope" live --counting --backend "$backend" -i 3600 -- "$poller" --scenario edge-vs-level 2>/dev/null |
    grep -q "not seen by the tracepoint backend (n/a): callbacks" || fail "the text view does not say what is unseen"
fi
# A small item bound evicts, and says so (many-fds registers thousands).
"$epscope" live --counting --json --counting-items 64 --backend "$backend" -i 3600 -- "$poller" --scenario many-fds \
  >"$work/small.json" 2>/dev/null
grep -Eq '"items_evicted":[1-9]' "$work/small.json" || fail "evictions from a 64-item map not reported"
# Attached mid-life (-p): items registered before the attach are named by
# the fd /proc fdinfo showed for their data cookie, not by the cookie.
"$poller" --model basic --role both --conns 4 --duration 3 >/dev/null 2>&1 &
ppid=$!
sleep 0.5
"$epscope" live --counting -d 1 -i 3600 -p "$ppid" >"$work/attach.txt" 2>/dev/null
wait "$ppid" || true
grep -q "busiest items (delivered): fd [0-9]" "$work/attach.txt" ||
  fail "items of a process attached mid-life are not named by fd: $(grep busiest "$work/attach.txt")"
# Options that need the record stream.
if "$epscope" live --counting --verify -- /bin/true 2>"$work/err"; then fail "--counting --verify accepted"; fi
grep -q -- "--verify needs the record stream" "$work/err" || fail "unclear refusal: $(cat "$work/err")"
echo "counting_check: ok ($compared figures equal, backend $backend, kernel hooks $hooks)"
