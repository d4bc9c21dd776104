#!/bin/bash
# counting_check.sh EPSCOPE POLLER [BACKEND]: counting mode counts what a
# full recording of the same deterministic workload shows. Each poller
# scenario runs twice, once under `epscope record` and once under
# `epscope live --counting --json`; per instance (by epfd) the waits,
# timeouts and deliveries from `stat --json` (the model), and with kernel
# hooks its harvests, wakeups and callbacks by outcome, must equal the
# counters, and per item (epfd, data cookie) the deliveries in the dump must
# equal the item counters. Also: the figures the backend cannot see are
# null, never zeros, and a bad option combination is refused in one line.
set -euo pipefail
epscope=$1 poller=$2 backend=${3:-auto}
scenarios=${EPSCOPE_COUNTING_SCENARIOS:-"edge-vs-level oneshot-rearm maxevents-small insert-modify-delete many-fds"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The record side, as "inst EPFD FIELD N" and "item EPFD DATA N" lines.
from_record() { # TRACE HOOKS(0|1)
  "$epscope" stat --json "$1" | awk -v hooks="$2" -v RS='{"ep":"' 'NR > 1 {
      match($0, /"epfds":\[[0-9]+/); fd = substr($0, RSTART + 9, RLENGTH - 9)
      n = split("waits deliveries" (hooks ? " harvests wakeups" : ""), f, " ")
      for (i = 1; i <= n; i++) { match($0, "\"" f[i] "\":[0-9]+"); print "inst", fd, f[i], substr($0, RSTART + length(f[i]) + 3, RLENGTH - length(f[i]) - 3) }
      if (hooks) { match($0, /"callbacks":\{[^}]*\}/); cb = substr($0, RSTART + 13, RLENGTH - 14)
        m = split(cb, kv, ","); for (i = 1; i <= m; i++) { split(kv[i], p, ":"); gsub(/"/, "", p[1]); print "inst", fd, "cb_" p[1], p[2] } }
    }'
  "$epscope" dump --json "$1" | awk '
    /"kind":"(wait_end|item_insert)"/ { match($0, /"ep":"[^"]*"/); ep = substr($0, RSTART, RLENGTH)
      match($0, /"epfd":[0-9]+/); epfd[ep] = substr($0, RSTART + 7, RLENGTH - 7) }
    /"kind":"harvest_item"/ { match($0, /"ep":"[^"]*"/); ep = substr($0, RSTART, RLENGTH)
      match($0, /"data":"0x[0-9a-f]*"/); d = substr($0, RSTART + 10, RLENGTH - 11); n[ep " " d]++ }
    END { for (k in n) { split(k, p, " "); print "item", epfd[p[1]], p[2], n[k] } }' |
    while read -r item fd data count; do echo "item $fd $((16#$data)) $count"; done
}

# The counting side, from the last JSON object (the final snapshot).
from_counting() { # JSON HOOKS(0|1)
  tail -1 "$1" | awk -v hooks="$2" '{
      inst = $0; sub(/"items":\[.*/, "", inst)
      n = split(inst, parts, /\{"epfd":/)
      for (j = 2; j <= n; j++) { s = parts[j]; fd = s; sub(/,.*/, "", fd); if (fd == "-1") continue
        m = split("waits deliveries" (hooks ? " harvests wakeups" : ""), f, " ")
        for (i = 1; i <= m; i++) { match(s, "\"" f[i] "\":[0-9]+"); print "inst", fd, f[i], substr(s, RSTART + length(f[i]) + 3, RLENGTH - length(f[i]) - 3) }
        if (hooks) { match(s, /"callbacks":\{[^}]*\}/); cb = substr(s, RSTART + 13, RLENGTH - 14)
          k = split(cb, kv, ","); for (i = 1; i <= k; i++) { split(kv[i], p, ":"); gsub(/"/, "", p[1]); print "inst", fd, "cb_" p[1], p[2] } }
      }
      items = $0; sub(/.*"items":\[/, "", items)
      n = split(items, parts, /\{"tgid":/)
      for (j = 2; j <= n; j++) { s = parts[j]
        match(s, /"epfd":-?[0-9]+/); fd = substr(s, RSTART + 7, RLENGTH - 7)
        match(s, /"data":[0-9]+/); d = substr(s, RSTART + 7, RLENGTH - 7)
        match(s, /"deliveries":[0-9]+/); c = substr(s, RSTART + 13, RLENGTH - 13)
        if (c > 0) print "item", fd, d, c }
    }'
}

hooks=0 compared=0
for sc in $scenarios; do
  "$epscope" record --backend "$backend" --force -o "$work/$sc.trace" -- "$poller" --scenario "$sc" \
    >/dev/null 2>"$work/$sc.rec.err" || fail "$sc: record failed: $(tail -1 "$work/$sc.rec.err")"
  "$epscope" live --counting --json --backend "$backend" -i 3600 -- "$poller" --scenario "$sc" \
    >"$work/$sc.json" 2>"$work/$sc.cnt.err" || fail "$sc: live --counting failed: $(tail -1 "$work/$sc.cnt.err")"
  tail -1 "$work/$sc.json" | grep -q '"backend"' || fail "$sc: no snapshot: $(tail -3 "$work/$sc.json")"
  hooks=1
  tail -1 "$work/$sc.json" | grep -q '"callbacks":null' && hooks=0
  from_record "$work/$sc.trace" "$hooks" | sort >"$work/$sc.expected"
  from_counting "$work/$sc.json" "$hooks" | sort >"$work/$sc.got"
  [ -s "$work/$sc.expected" ] || fail "$sc: the recording shows no instance"
  if ! diff -u "$work/$sc.expected" "$work/$sc.got" >"$work/$sc.diff"; then
    cat "$work/$sc.diff"; fail "$sc: counting mode differs from the recording (- record, + counting)"
  fi
  grep -q '"items_evicted":0,' "$work/$sc.json" || fail "$sc: items evicted with the default bound"
  compared=$((compared + $(wc -l <"$work/$sc.expected")))
done

# Unseen figures are null, not zeros (tracepoint backend: no callbacks).
if [ "$hooks" = 0 ]; then
  tail -1 "$work/$sc.json" | grep -q '"harvests":null,"wakeups":null,"callbacks":null' ||
    fail "the tracepoint backend's unseen figures are not null"
  "$epscope" live --counting --backend "$backend" -i 3600 -- "$poller" --scenario edge-vs-level 2>/dev/null |
    grep -q "not seen by the tracepoint backend (n/a): callbacks" || fail "the text view does not say what is unseen"
fi
# A small item bound evicts, and says so (many-fds registers thousands).
"$epscope" live --counting --json --counting-items 64 --backend "$backend" -i 3600 -- "$poller" --scenario many-fds \
  >"$work/small.json" 2>/dev/null
grep -Eq '"items_evicted":[1-9]' "$work/small.json" || fail "evictions from a 64-item map not reported"
# Options that need the record stream.
if "$epscope" live --counting --verify -- /bin/true 2>"$work/err"; then fail "--counting --verify accepted"; fi
grep -q -- "--verify needs the record stream" "$work/err" || fail "unclear refusal: $(cat "$work/err")"
echo "counting_check: ok ($compared figures equal, backend $backend, kernel hooks $hooks)"
