#!/bin/sh
# closed_fd_check.sh EPSCOPE POLLER: the poller's bad-closed-fd-registered
# scenario recorded on this machine's kernel (syscall tracepoints): a
# registered fd closed while its dup keeps the file open, its number reused
# and registered for another pipe. The trace has the close (fd_close, file
# shared) and two items under that number; `stat` lists the stale one apart,
# labelled; `check` reports exactly closed-fd-registered (from the deliveries
# of the stale item's data after the close) with exit status 3.
set -eu
epscope=$1 poller=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$epscope" record --backend tracepoint -o "$dir/t.trace" -- \
    "$poller" --scenario bad-closed-fd-registered >"$dir/rec.txt" 2>&1 ||
    { cat "$dir/rec.txt"; fail "record"; }
"$epscope" dump "$dir/t.trace" >"$dir/t.dump"
n=$(sed -n 's/.* fd_close .*via=close fd=\([0-9]*\) .*shared=yes.*/\1/p' "$dir/t.dump" | head -1)
[ -n "$n" ] || { cat "$dir/t.dump"; fail "no fd_close of a shared file"; }
files=$(grep " item_insert .* fd=$n .*result=0" "$dir/t.dump" | grep -o 'file=file#[0-9]*' | sort -u |
    wc -l)
[ "$files" -eq 2 ] || fail "$files files registered under fd $n, expected 2"
"$epscope" stat "$dir/t.trace" >"$dir/t.stat"
grep -q "stale item: fd $n\( ([^)]*)\)\? file#[0-9]*, its fd closed at .* removed later: callbacks unseen, delivered [1-9]" \
    "$dir/t.stat" || { cat "$dir/t.stat"; fail "stat does not show the stale item"; }
set +e
"$epscope" check "$dir/t.trace" >"$dir/t.txt" 2>&1; st=$?
"$epscope" check --json "$dir/t.trace" >"$dir/t.json" 2>&1
set -e
kinds=$(grep -o '"kind":"[a-z-]*","severity":"[a-z]*"' "$dir/t.json" | sort -u | tr '\n' ' ')
[ "$st" -eq 3 ] && [ "$kinds" = '"kind":"closed-fd-registered","severity":"warning" ' ] ||
    { cat "$dir/t.txt"; fail "check exited $st with '$kinds'"; }
grep -q "0 callbacks and [1-9][0-9]* deliveries for it after the close" "$dir/t.txt" ||
    { cat "$dir/t.txt"; fail "no deliveries after the close in the evidence"; }
! grep -q '^  closed-fd-registered:' "$dir/t.txt" || fail "listed as not judged"
echo "closed_fd_check: ok"
