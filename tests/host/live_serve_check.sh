#!/bin/sh
# live_serve_check.sh EPSCOPE EPOLL_SCRIPT TRACE_CHECK STREAM_SAVE: `epscope
# live -p PID --serve SOCK` on a running epoll-script; two readers at once
# (stream-save, which rebuilds a trace for trace-check, and `epscope dump
# --connect`) must get every record the script caused, and the socket must
# be private (mode 0600) and gone after the tracer stops.
set -eu
epscope=$1 script=$2 check=$3 save=$4
dir=$(mktemp -d)
trap 'kill $live_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
live_pid=
fail() { echo "FAIL: $*"; for f in "$dir"/*.out "$dir"/*.err; do echo "== $f"; cat "$f"; done; exit 1; }
mkfifo "$dir/ready"
"$script" --log "$dir/script.log" --pause 2500 >"$dir/ready" &
pid=$!
read -r line <"$dir/ready"
[ "$line" = ready ]
"$epscope" live -p "$pid" -i 0.5 --serve "$dir/s.sock" >"$dir/live.out" 2>"$dir/live.err" &
live_pid=$!
"$epscope" dump --connect "$dir/s.sock" --wait 10 >"$dir/dump.out" 2>"$dir/dump.err" &
dump_pid=$!
"$save" "$dir/s.sock" "$dir/t.trace" 10 2>"$dir/save.err" || fail "stream-save failed"
wait "$dump_pid" || fail "epscope dump --connect failed"
wait "$live_pid" || fail "epscope live failed"
wait "$pid"
"$check" "$dir/script.log" "$dir/t.trace" syscall || fail "the streamed records do not match the script"
grep -q "serving the live stream on $dir/s.sock" "$dir/live.err" || fail "no serving line"
grep -q "reader 2 connected" "$dir/live.err" || fail "expected two readers"
grep -q "stream ended after" "$dir/dump.err" || fail "dump did not see the end of the stream"
grep -q "epoll_ctl" "$dir/dump.out" || grep -q "ctl" "$dir/dump.out" || fail "dump printed no ctl records"
[ "$(wc -l <"$dir/dump.out")" -gt 10 ] || fail "dump printed too few records"
[ ! -e "$dir/s.sock" ] || fail "socket left behind"
echo "live_serve_check: ok ($(wc -l <"$dir/dump.out") records via dump --connect)"
