#!/bin/sh
# record_and_check.sh EPSCOPE EPOLL_SCRIPT TRACE_CHECK BACKEND EXPECT
# Records epoll-script under `epscope record --backend BACKEND` and checks the
# trace against the script's log (EXPECT: kernel or syscall).
set -eu
epscope=$1 script=$2 check=$3 backend=$4 expect=$5
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$epscope" record --backend "$backend" -o "$dir/t.trace" -- "$script" --log "$dir/script.log"
"$check" "$dir/script.log" "$dir/t.trace" "$expect"
