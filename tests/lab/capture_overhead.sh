#!/bin/sh
# capture_overhead.sh (run inside the lab): the poller's mpoller load untraced, under
# `epscope record` and under `epscope record --verify`, three times; prints req/s.
# tests/lab/run --kernel 6.12 --file tests/lab/capture_overhead.sh:/data/o.sh -- sh /data/o.sh
ulimit -n 65536
P="epscope-poller --model mpoller --pollers 2 --handlers 2 --role both --conns 16 --duration 3 --payload 128"
rps() { sed -n 's/.*"requests_per_s":\([0-9.]*\),"mismatches".*/\1/p' "$1" | head -1; }
for r in 1 2 3; do
  $P > /out/none.json 2>/dev/null; a=$(rps /out/none.json)
  epscope record -o /out/r.trace -- $P > /out/rec.json 2>/dev/null; b=$(rps /out/rec.json)
  epscope record --verify -o /out/v.trace -- $P > /out/ver.json 2>/dev/null; c=$(rps /out/ver.json)
  echo "run $r: untraced $a req/s, record $b req/s, record --verify $c req/s"
done
