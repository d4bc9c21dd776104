#!/bin/sh
# serve_stalled_reader.sh EPSCOPE POLLER: a `dump --connect` reader stopped
# (SIGSTOP) while `record --serve` streams a busy server falls behind its
# queue (64 KiB here) and is dropped. Resumed, it is told so: it exits
# non-zero with "dropped: fell N KiB/MiB behind", while the tracer's trace
# file is complete.
set -eu
epscope=$1 poller=$2
dir=$(mktemp -d)
rec_pid= dump_pid=
trap 'kill -CONT $dump_pid 2>/dev/null || true; kill $rec_pid $dump_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/*.err; do echo "== $f"; tail -20 "$f"; done; exit 1; }
"$epscope" record --ring-mb 64 -o "$dir/t.trace" --serve "$dir/s.sock" --serve-queue-kb 64 \
    --serve-spool-dir "$dir" -- "$poller" --model basic --role both --conns 4 \
    --duration 5 >/dev/null 2>"$dir/record.err" &
rec_pid=$!
"$epscope" dump --connect "$dir/s.sock" --wait 10 >"$dir/dump.out" 2>"$dir/dump.err" &
dump_pid=$!
i=0
until grep -q "reader 1 connected" "$dir/record.err"; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the reader never connected"; sleep 0.1
done
kill -STOP "$dump_pid"
i=0
until grep -q "reader 1 fell more than 64 KiB behind" "$dir/record.err"; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the stalled reader was not dropped"; sleep 0.1
done
kill -CONT "$dump_pid"
status=0
wait "$dump_pid" || status=$?
dump_pid=
[ "$status" -ne 0 ] || fail "dump --connect exited 0 after being dropped"
grep -Eq "dropped: fell [0-9]+ (KiB|MiB) behind after [0-9]+ records" "$dir/dump.err" ||
    fail "dump --connect did not say it was dropped"
wait "$rec_pid" || fail "epscope record failed"
rec_pid=
"$epscope" dump "$dir/t.trace" >/dev/null 2>"$dir/file.err" || fail "the trace file is not readable"
[ ! -s "$dir/file.err" ] || fail "the trace file is not whole"
echo "serve_stalled_reader: ok ($(cat "$dir/dump.err"))"
