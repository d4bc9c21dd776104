#!/bin/sh
# live_drain_check.sh EPSCOPE POLLER: at a low record rate BPF wakes nobody
# (the ring stays below its wake threshold), so `epscope live` must still see
# records while the command runs: the collector's timer drains the ring. Each
# frame's record count must grow during the run, not only at the end.
set -eu
epscope=$1 poller=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$epscope" live -i 0.4 -- "$poller" --model basic --role both --conns 1 --rate 20 \
    --duration 3 >"$out" 2>/dev/null
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }
counts=$(sed -n 's/^epscope live  backend [^ ]*  \([0-9]*\) records.*/\1/p' "$out")
[ "$(echo "$counts" | wc -l)" -ge 4 ] || fail "expected several frames"
# Distinct non-zero counts among the frames drawn while the poller ran.
grew=$(echo "$counts" | grep -v '^0$' | sort -un | wc -l)
[ "$grew" -ge 3 ] || fail "records reached the live view only $grew times (counts: $(echo $counts))"
echo "live_drain_check: ok ($(echo $counts))"
