#!/bin/sh
# serve_late_join.sh EPSCOPE POLLER STREAM_SAVE: a reader that connects to
# `epscope record --serve` long after the capture began (the in-memory
# history shrunk to 64 KiB so the stream outgrows it many times) gets the
# whole stream from the spool: what it saved dumps and stats exactly as the
# trace file. Then, with a 1 MiB spool cap passed, a late `dump --connect`
# is told its stream is incomplete, and the tracer's log says so too.
set -eu
epscope=$1 poller=$2 save=$3
dir=$(mktemp -d)
rec_pid=
trap 'kill $rec_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/*.err; do echo "== $f"; tail -20 "$f"; done; exit 1; }
wait_socket() {
    i=0
    while [ ! -S "$1" ]; do
        i=$((i + 1)); [ $i -lt 100 ] || fail "no socket $1"; sleep 0.1
    done
}
# Connections churn (a reconnect every 20 requests): items come and go, so a
# reader missing the start would hold a different set of items.
"$epscope" record --ring-mb 64 -o "$dir/t.trace" --serve "$dir/s.sock" --serve-history-kb 64 \
    --serve-spool-dir "$dir" -- "$poller" --model basic --role both --conns 4 \
    --requests-per-conn 20 --duration 6 >/dev/null 2>"$dir/record.err" &
rec_pid=$!
wait_socket "$dir/s.sock"
sleep 3
"$save" "$dir/s.sock" "$dir/late.trace" 10 2>"$dir/save.err" || fail "stream-save failed"
wait "$rec_pid" || fail "epscope record failed"
rec_pid=
behind=$(sed -n 's/.*reader 1 connected (\([0-9]*\) KiB behind: served from the spool first).*/\1/p' \
    "$dir/record.err")
[ -n "$behind" ] || fail "the reader did not join behind the history"
[ "$behind" -gt 256 ] || fail "the reader joined only $behind KiB behind (expected > 4x the 64 KiB history)"
caught=$(sed -n 's/.*reader 1 caught up (\(.*\)); now live.*/\1/p' "$dir/record.err")
[ -n "$caught" ] || fail "the reader never caught up with the live stream"
"$epscope" dump "$dir/t.trace" >"$dir/file.dump" 2>"$dir/dump1.err" || fail "dump of the trace file"
"$epscope" dump "$dir/late.trace" >"$dir/late.dump" 2>"$dir/dump2.err" || fail "dump of the saved stream"
[ "$(wc -l <"$dir/file.dump")" -gt 10000 ] || fail "too few records: $(wc -l <"$dir/file.dump")"
cmp -s "$dir/file.dump" "$dir/late.dump" ||
    fail "the late reader's records differ from the trace file: $(diff "$dir/file.dump" "$dir/late.dump" | head -5)"
# The same figures; only the file name in the first line differs.
"$epscope" stat "$dir/t.trace" 2>/dev/null | sed "s|$dir/t.trace|TRACE|" >"$dir/file.stat"
"$epscope" stat "$dir/late.trace" 2>/dev/null | sed "s|$dir/late.trace|TRACE|" >"$dir/late.stat"
[ "$(wc -l <"$dir/file.stat")" -gt 3 ] || fail "stat printed too little"
cmp -s "$dir/file.stat" "$dir/late.stat" || fail "stat differs: $(diff "$dir/file.stat" "$dir/late.stat" | head -5)"
if ls -A "$dir" | grep -q spool; then fail "a spool file is visible in $dir"; fi

# Past the spool's cap: the late reader is told, in its stream and by the tracer.
"$epscope" record --ring-mb 64 -o "$dir/t2.trace" --serve "$dir/s2.sock" --serve-history-kb 64 \
    --serve-spool-mb 1 --serve-spool-dir "$dir" -- "$poller" --model basic --role both \
    --conns 4 --requests-per-conn 20 --duration 8 >/dev/null 2>"$dir/record2.err" &
rec_pid=$!
wait_socket "$dir/s2.sock"
until grep -q "passed the spool's cap of 1 MiB" "$dir/record2.err"; do
    kill -0 "$rec_pid" 2>/dev/null || fail "the stream never passed a 1 MiB spool cap"
    sleep 0.1
done
"$epscope" dump --connect "$dir/s2.sock" >"$dir/late2.dump" 2>"$dir/late2.err" ||
    fail "dump --connect past the cap failed"
wait "$rec_pid" || fail "epscope record (cap) failed"
rec_pid=
grep -q "incomplete stream: the stream starts at record [0-9]* of the capture" "$dir/late2.err" ||
    fail "dump --connect did not say the stream is incomplete"
grep -q "reader 1 connected too late for the whole stream" "$dir/record2.err" ||
    fail "the tracer did not log the incomplete reader"
echo "serve_late_join: ok (joined $behind KiB behind, caught up: $caught; $(wc -l <"$dir/file.dump") records identical)"
