#!/bin/sh
# cli_errors.sh EPSCOPE: bad input gets one clear line on stderr and a
# non-zero exit, and leaves no file behind.
set -u
epscope=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0

# expect EXIT PATTERN -- ARGS...: exit code EXIT, stderr one line matching PATTERN.
expect() {
    want=$1 pattern=$2
    shift 3
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    lines=$(wc -l <"$dir/err")
    if [ "$got" -ne "$want" ] || ! grep -Eq "$pattern" "$dir/err" || [ "$lines" -ne 1 ]; then
        echo "FAIL: $* -> exit $got (want $want), stderr:"; cat "$dir/err"; failed=1
    fi
}

expect 2 "nothing to trace" -- "$epscope" record -o "$dir/a.trace"
expect 2 "nothing to trace" -- "$epscope" live
expect 2 "interval" -- "$epscope" live -i 0 -p 1
expect 1 "no process with pid 999999" -- "$epscope" record -p 999999 -o "$dir/b.trace"
expect 2 "backend" -- "$epscope" record --backend bogus -p 1
expect 1 "cannot run 'no-such-command-x'" -- "$epscope" record -o "$dir/c.trace" -- no-such-command-x
expect 2 "unknown|not expected|requires|extra" -- "$epscope" frobnicate
printf 'not a trace at all' >"$dir/junk"
expect 1 "not an epscope trace|NotATrace|not a trace" -- "$epscope" dump "$dir/junk"
expect 1 "$dir/missing" -- "$epscope" dump "$dir/missing"
expect 2 "format" -- "$epscope" export "$dir/junk" -o "$dir/x.json" -f xml
expect 1 "not an epscope trace|NotATrace|not a trace" -- "$epscope" stat "$dir/junk"
# Issue 10 item 10: a FIFO (or any non-regular file) given as a trace is one
# line, never a hang in open().
mkfifo "$dir/fifo"
expect 1 "fifo: not a regular file" -- timeout 10 "$epscope" stat "$dir/fifo"
expect 1 "fifo: not a regular file" -- timeout 10 "$epscope" dump "$dir/fifo"
expect 1 "fifo: not a regular file" -- timeout 10 "$epscope" export -o "$dir/f.json" "$dir/fifo"
expect 1 "not a regular file" -- timeout 10 "$epscope" stat "$dir"
# Item 11: pids that name no traceable process, durations the clock cannot
# hold, empty paths, options that exclude each other.
expect 2 "0 is not a pid" -- "$epscope" record -p 0 -o "$dir/p.trace"
expect 2 "[-]1 is not a pid" -- "$epscope" record -p -1 -o "$dir/p.trace"
expect 2 "x is not a pid" -- "$epscope" live -p x
# check: a trace it cannot read, bad severities and windows.
expect 1 "not an epscope trace|NotATrace|not a trace" -- "$epscope" check "$dir/junk"
expect 2 "min-severity" -- "$epscope" check --min-severity fatal "$dir/junk"
expect 2 "to must be later than .?.?from" -- "$epscope" check --from 5 --to 2 "$dir/junk"
expect 2 "busy-min-rate" -- "$epscope" check --busy-min-rate -3 "$dir/junk"
expect 1 "pid 2 is a kernel thread" -- "$epscope" record -p 2 -o "$dir/k.trace"
sh -c 'sleep 0.1 & echo $! >"$1"; exec sleep 5' sh "$dir/zpid" &
sleep 1
expect 1 "pid $(cat "$dir/zpid") is a zombie" -- "$epscope" record -p "$(cat "$dir/zpid")" -o "$dir/z.trace"
for d in 1e400 nan inf -1 0 99999999999; do
    expect 2 "is not a duration: give seconds" -- "$epscope" record -d "$d" -p 1 -o "$dir/d.trace"
done
expect 2 "is not a duration" -- "$epscope" live -d nan -p 1
grep -q "00000000000000000000" "$dir/err" && { echo "FAIL: a duration printed in full"; failed=1; }
expect 2 "empty path" -- "$epscope" record -o "" -p 1
expect 2 "empty path" -- "$epscope" record --serve "" -p 1 -o "$dir/s.trace"
expect 2 "empty path" -- "$epscope" record --stream-to "" -p 1 -o "$dir/s.trace"
expect 2 "empty path" -- "$epscope" live --serve "" -p 1
expect 2 "empty path" -- "$epscope" export -o "" "$dir/junk"
expect 2 "excludes" -- "$epscope" record --all -p 1 -o "$dir/a.trace"
expect 2 "power of two" -- "$epscope" record --ring-mb 3 -p 1 -o "$dir/r.trace"
expect 2 "power of two" -- "$epscope" record --ring-mb 2048 -p 1 -o "$dir/r.trace"
ls "$dir"/*.trace* >/dev/null 2>&1 && { echo "FAIL: a failed record left a file:"; ls "$dir"; failed=1; }

# Without privileges doctor names the missing capability and fails.
if command -v setpriv >/dev/null; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$epscope" doctor >"$dir/doc" 2>&1
    rc=$?
    if [ $rc -eq 0 ] || ! grep -q "CAP_BPF" "$dir/doc"; then
        echo "FAIL: unprivileged doctor exit $rc:"; cat "$dir/doc"; failed=1
    fi
fi
[ $failed -eq 0 ] && echo "cli_errors: all checks passed"
exit $failed
