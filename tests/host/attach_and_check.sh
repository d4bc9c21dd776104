#!/bin/sh
# attach_and_check.sh EPSCOPE EPOLL_SCRIPT TRACE_CHECK: `epscope record -p`
# on a process that is already running with registered items: they must come
# from the /proc snapshot, and everything after the attach from the tracer.
set -eu
epscope=$1 script=$2 check=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/ready"
"$script" --log "$dir/script.log" --pause 1500 >"$dir/ready" &
pid=$!
read -r line <"$dir/ready"
[ "$line" = ready ]
"$epscope" record -p "$pid" -o "$dir/t.trace"
wait "$pid"
"$check" "$dir/script.log" "$dir/t.trace" syscall
