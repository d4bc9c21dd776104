#!/bin/sh
# live_check.sh EPSCOPE POLLER: `epscope live` on a launched workload prints
# frames (not a terminal: one after another) naming the process, its
# instances and its hottest fds, and stops when the command exits.
set -eu
epscope=$1 poller=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$epscope" live -i 0.3 -- "$poller" --model basic --role both --conns 4 --duration 1.5 >"$out" 2>/dev/null
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }
[ "$(grep -c '^----$' "$out")" -ge 2 ] || fail "expected several frames"
grep -q "epscope live  backend" "$out" || fail "no header"
grep -Eq "^[0-9]+ +epscope-poller +[0-9]" "$out" || fail "no instance row for epscope-poller"
grep -q "TCP 127.0.0.1:" "$out" || fail "hottest fds are not named"
echo "live_check: ok"
