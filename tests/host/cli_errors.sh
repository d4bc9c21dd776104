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
expect 2 "nothing to watch" -- "$epscope" live
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
