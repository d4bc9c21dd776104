#!/bin/sh
# capture_overhead.sh [ROUNDS] (run inside the lab): the poller's basic load (the one of
# scripts/bench-overhead) untraced, under `epscope record` (the planned backend: fentry on
# 6.12 and 6.1), `epscope record --backend kprobe` and `epscope record --verify`,
# interleaved; per round req/s and the poller's CPU microseconds per request.
# tests/lab/run --kernel 6.12 --file tests/lab/capture_overhead.sh:/data/o.sh -- sh /data/o.sh 5
# With --file OTHER_EPSCOPE:/data/epscope-baseline, that binary's `record` is a row too.
ulimit -n 65536
rounds=${1:-3}
P="epscope-poller --model basic --role both --duration 3"
rps() { sed -n 's/^{[^{]*"requests_per_s":\([0-9.]*\),.*/\1/p' "$1" | head -1; }
# CPU microseconds per request of the poller itself (its getrusage).
cpr() { sed -n 's/^{[^{]*"seconds":\([0-9.]*\),"requests_per_s":\([0-9.]*\),.*"cpu_s":\([0-9.]*\),.*/\3 \1 \2/p' "$1" |
  awk '{ if ($2 * $3 > 0) printf "%.1f", 1e6 * $1 / ($2 * $3) }'; }
run() { # NAME CMD...: one run, one line
  name=$1; shift
  "$@" > /out/run.json 2>/out/run.err
  lost=$(sed -n 's/.*records (\([0-9]*\) lost).*/\1/p' /out/run.err)
  echo "round $r: $name $(rps /out/run.json) req/s $(cpr /out/run.json) us CPU/req${lost:+ lost $lost}"
}
r=1
while [ "$r" -le "$rounds" ]; do
  run untraced $P
  run record epscope record -o /out/r.trace -- $P
  [ -x /data/epscope-baseline ] && run baseline /data/epscope-baseline record -o /out/b.trace -- $P
  run kprobe epscope record --backend kprobe -o /out/k.trace -- $P
  run verify epscope record --verify -o /out/v.trace -- $P
  r=$((r + 1))
done
