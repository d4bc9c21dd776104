#!/bin/sh
# truncated_exit.sh EPSCOPE EPSCOPE_GUI EPOLL_SCRIPT (under xvfb-run): issue 10
# items 10 and 12. A trace cut off mid-chunk is shown up to its last whole
# chunk by `epscope stat`, `epscope dump` and `epscope-gui --screenshot`, and
# all three exit 2 (shown, but cut off): 0 is a complete file, 1 an
# unreadable one (the GUI: 2, its window shows why). A FIFO given to the GUI
# is one line, no hang.
set -u
epscope=$1 gui=$2 script=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0
fail() { echo "FAIL: $*"; cat "$dir/err"; failed=1; }
"$epscope" record -o "$dir/t.trace" -- "$script" --log /dev/null 2>/dev/null || exit 1
size=$(stat -c %s "$dir/t.trace")
head -c $((size - 40)) "$dir/t.trace" >"$dir/cut.trace"
for f in t cut; do
    want=0; [ $f = cut ] && want=2
    "$epscope" stat "$dir/$f.trace" >/dev/null 2>"$dir/err"; rc=$?
    [ $rc -eq $want ] || fail "stat $f.trace: exit $rc, want $want"
    "$epscope" dump "$dir/$f.trace" >/dev/null 2>"$dir/err"; rc=$?
    [ $rc -eq $want ] || fail "dump $f.trace: exit $rc, want $want"
    "$gui" --screenshot "$dir/$f.png" "$dir/$f.trace" >/dev/null 2>"$dir/err"; rc=$?
    [ $rc -eq $want ] || fail "epscope-gui --screenshot $f.trace: exit $rc, want $want"
done
mkfifo "$dir/fifo"
timeout 20 "$gui" --screenshot "$dir/f.png" "$dir/fifo" >/dev/null 2>"$dir/err"; rc=$?
# (An unreadable file is exit 2 in the GUI, whose window shows the message.)
{ [ $rc -eq 2 ] && grep -q "not a regular file" "$dir/err"; } ||
    fail "epscope-gui on a FIFO: exit $rc (124: it hung)"
[ $failed -eq 0 ] && echo "truncated_exit: all checks passed"
exit $failed
