#!/bin/bash
# reads_on_demand.sh EPSCOPE POLLER: the read-family programs (FD_READ, for
# edge-undrained) attach at a traced process's first EPOLLET registration,
# not before: tracing a level-triggered program leaves every read of the
# machine untaxed (issue 12: record's cost). Seen from the kernel's side,
# `bpftool perf show` (the tracepoint links of the recording epscope):
# - a level-triggered poller: no sys_enter_read/sys_exit_read link at any
#   moment of the recording, and no fd_read record;
# - an edge-triggered one: the read links appear, and fd_read records of its
#   fds are in the trace.
set -euo pipefail
epscope=$1 poller=$2
dir=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 5 "$dir"/*.err 2>/dev/null || true; exit 1; }

# record TRIGGER: samples the recording epscope's tracepoint links every
# 0.1 s into $dir/TRIGGER.links (the most read links seen at once).
record() {
    local trig=$1 rec most=0 n
    "$epscope" record -o "$dir/$trig.trace" -- "$poller" --model basic --role both \
        --trigger "$trig" --conns 8 --duration 2 >/dev/null 2>"$dir/$trig.err" &
    rec=$!
    pids+=("$rec")
    while kill -0 "$rec" 2>/dev/null; do
        # Debian 12's bpftool lists every process's links: this epscope's only.
        n=$(bpftool perf show 2>/dev/null | grep "^pid $rec " |
            grep -c 'tracepoint  sys_e[a-z]*_\(read\|readv\|recv[a-z]*\)$' || true)
        [ "$n" -gt "$most" ] && most=$n
        sleep 0.1
    done
    wait "$rec" || fail "record of a $trig-triggered poller failed"
    echo "$most" >"$dir/$trig.links"
}

record level
[ "$(cat "$dir/level.links")" = 0 ] ||
    fail "read programs attached while tracing a level-triggered program ($(cat "$dir/level.links") links)"
! "$epscope" dump "$dir/level.trace" | grep -q ' fd_read ' || fail "fd_read records in a level-triggered trace"

record edge
# Five syscalls (read, readv, recvfrom, recvmsg, recvmmsg), enter and exit.
[ "$(cat "$dir/edge.links")" = 10 ] ||
    fail "the read programs did not attach for an edge-triggered program ($(cat "$dir/edge.links") links)"
reads=$("$epscope" dump "$dir/edge.trace" | grep -c ' fd_read ' || true)
[ "$reads" -gt 1000 ] || fail "only $reads fd_read records of an edge-triggered poller"
echo "reads_on_demand: ok ($reads reads recorded under edge, none attached under level)"
