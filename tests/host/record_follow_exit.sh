#!/bin/sh
# record_follow_exit.sh EPSCOPE EPOLL_SCRIPT TRACE_CHECK
# A daemon-like command double-forks and exits at once with status 3; its
# grandchild (reparented to init) does its epoll calls after that.
# 1. By default (--follow-exit all) record follows the grandchild to its end:
#    every one of its calls is in the trace, and record exits with the
#    command's own status (3).
# 2. --follow-exit first stops when the command exits, with its status too.
set -eu
epscope=$1 script=$2 check=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# The inner sh is forked by a subshell that exits at once: a double fork.
daemon="( sh -c 'sleep 1; \"$script\" --log \"$dir/daemon.log\"' & ); exit 3"

status=0
"$epscope" record -o "$dir/all.trace" -- sh -c "$daemon" 2>"$dir/all.err" || status=$?
[ "$status" -eq 3 ] || { echo "FAIL: record exited $status, the command 3"; cat "$dir/all.err"; exit 1; }
grep -q "stopped: command and its descendants exited" "$dir/all.err" ||
    { echo "FAIL: record did not wait for the descendants:"; cat "$dir/all.err"; exit 1; }
[ -s "$dir/daemon.log" ] || { echo "FAIL: the grandchild did not run"; exit 1; }
"$check" "$dir/daemon.log" "$dir/all.trace" syscall

status=0
"$epscope" record --follow-exit first -o "$dir/first.trace" -- sh -c "exit 5" \
    2>"$dir/first.err" || status=$?
[ "$status" -eq 5 ] || { echo "FAIL: record --follow-exit first exited $status, not 5"; exit 1; }
grep -q "stopped: command exited" "$dir/first.err" ||
    { echo "FAIL: --follow-exit first:"; cat "$dir/first.err"; exit 1; }

# A death by signal is 128+N.
status=0
"$epscope" record -o "$dir/sig.trace" -- sh -c 'kill -USR1 $$' 2>"$dir/sig.err" || status=$?
[ "$status" -eq 138 ] || { echo "FAIL: a command killed by SIGUSR1 gave $status, not 138"; exit 1; }
echo "record_follow_exit: ok"
