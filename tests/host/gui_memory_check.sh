#!/bin/sh
# gui_memory_check.sh EPSCOPE_GUI GUI_BENCH_TRACE: issue 10 item 7 with the real
# viewer. The same busy workload for 10 s and for 40 s (4x the records) is opened
# by epscope-gui --bench under Xvfb; its peak RSS (/usr/bin/time) must grow by far less
# than the records would cost if held (the old viewer kept ~165 bytes a record:
# here at most a quarter of that), and it must draw its frames.
set -u
gui=$1 make_trace=$2
dir=$(mktemp -d /var/tmp/epscope-gui-memory.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir"/*.out 2>/dev/null; exit 1; }
# max RSS in MiB of the viewer opening TRACE and drawing a few frames.
max_rss() {
    if /usr/bin/time -f '%M' -o "$dir/rss" "$gui" --bench --frames 3 "$1" \
        >"$dir/$(basename "$1").out" 2>&1; then
        echo $(($(tail -n 1 "$dir/rss") / 1024))
    else
        echo "failed"
    fi
}
records() { sed -n 's/.*(\([0-9]*\) records).*/\1/p' "$1"; }
"$make_trace" "$dir/short.trace" 100 1000 10 >"$dir/short.made" || fail "short trace"
"$make_trace" "$dir/long.trace" 100 1000 40 >"$dir/long.made" || fail "long trace"
short_n=$(records "$dir/short.made") long_n=$(records "$dir/long.made")
short_rss=$(max_rss "$dir/short.trace") long_rss=$(max_rss "$dir/long.trace")
case "$short_rss$long_rss" in *[!0-9]*) fail "the viewer's bench failed" ;; esac
grep -q "^frame p50" "$dir/long.trace.out" || fail "the long trace drew no frames"
held=$(( (long_n - short_n) * 165 / 1048576 ))
grew=$((long_rss - short_rss))
echo "records $short_n -> $long_n; RSS $short_rss -> $long_rss MiB (+$grew; held records would be +$held)"
[ $((grew * 4)) -lt "$held" ] || fail "RSS grew by $grew MiB for $((long_n - short_n)) more records"
echo "gui_memory_check: ok"
