#!/bin/sh
# record_child_and_signal.sh EPSCOPE EPOLL_SCRIPT TRACE_CHECK
# 1. Children of a launched command are traced: the shell forks epoll-script,
#    whose calls must all be in the trace.
# 2. SIGTERM finishes the file cleanly: a complete, readable trace, no .partial.
set -eu
epscope=$1 script=$2 check=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$epscope" record -o "$dir/child.trace" -- sh -c "\"$script\" --log \"$dir/child.log\"; true"
"$check" "$dir/child.log" "$dir/child.trace" syscall

"$epscope" record -o "$dir/term.trace" -- sleep 30 &
rec=$!
sleep 2
kill -TERM "$rec"
wait "$rec"
[ -f "$dir/term.trace" ] || { echo "FAIL: no trace after SIGTERM"; ls "$dir"; exit 1; }
[ ! -e "$dir/term.trace.partial" ] || { echo "FAIL: .partial left after SIGTERM"; exit 1; }
"$epscope" dump "$dir/term.trace" >"$dir/term.txt" 2>"$dir/term.err"
[ ! -s "$dir/term.err" ] || { echo "FAIL: dump complains:"; cat "$dir/term.err"; exit 1; }
grep -q 'what=exec' "$dir/term.txt" || { echo "FAIL: the launched command is not in the trace"; exit 1; }
echo "record_child_and_signal: ok"
