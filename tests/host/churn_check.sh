#!/bin/sh
# churn_check.sh EPSCOPE POLLER: recording keeps up with the ring drained on
# this machine's kernel, with the default ring buffer, under the loads that
# used to lose most of the trace when naming new fds read /proc on the drain
# thread (issue 12): 16 connections reconnecting every 4 requests, and 512
# persistent connections served by 4 threads from 4 client threads. Both must
# lose 0 records, and every TCP item of the churn trace must be named with its
# endpoints (fd_names_check.sh). The churn runs 8 s: the old naming scanned
# /proc/PID/net/tcp, TIME_WAIT sockets included, so its cost grew with the run
# (45% lost in 8 s with the old code, 0 in 3 s while the ring still held all).
set -eu
epscope=$1 poller=$2
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir"/*.err 2>/dev/null | tail -20; exit 1; }

# record NAME POLLER-ARGS...: records the poller; fails on loss or a failed run.
record() {
    name=$1; shift
    "$epscope" record -o "$dir/$name.trace" -- "$poller" --model basic --role both "$@" \
        >"$dir/$name.out" 2>"$dir/$name.err" || fail "$name: record failed"
    summary=$(grep "records (" "$dir/$name.err") || fail "$name: no summary line"
    lost=$(echo "$summary" | sed -n 's/.*records (\([0-9]*\) lost).*/\1/p')
    [ "$lost" = 0 ] || fail "$name: $summary"
    echo "$name: $summary"
}

record churn --conns 16 --requests-per-conn 4 --duration 8
requests=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' "$dir/churn.out")
[ -n "$requests" ] && [ "$requests" -gt 1000 ] || fail "churn: too few requests ($requests)"
"$here/fd_names_check.sh" "$epscope" "$dir/churn.trace" || fail "churn: unnamed TCP items"

record persistent --conns 512 --threads 4 --client-threads 4 --duration 3
echo "churn_check: ok"
