#!/bin/bash
# counting_compare.sh EPSCOPE DIR SCENARIO...: for each SCENARIO, DIR holds
# SCENARIO.trace (`epscope record` of `epscope-poller --scenario SCENARIO`)
# and SCENARIO.json (`epscope live --counting --json` of the same scenario).
# Per instance (by epfd) the waits and deliveries of `stat --json` (the
# model) and, when the counting backend saw kernel hooks (its callbacks are
# not null), the harvests, wakeups and callbacks by outcome must equal the
# counters; per item (epfd, data cookie) the deliveries in the dump must
# equal the item counters. Prints the number of figures compared; exit 1
# with a diff on the first difference. Used by counting_check.sh (host) and
# tests/lab/counting_check.sh (kernel hooks).
set -euo pipefail
epscope=$1 dir=$2
shift 2
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

compared=0 with_hooks=0 callbacks=0
for sc in "$@"; do
  tail -1 "$dir/$sc.json" | grep -q '"backend"' || fail "$sc: no snapshot: $(tail -3 "$dir/$sc.json")"
  hooks=1
  tail -1 "$dir/$sc.json" | grep -q '"callbacks":null' && hooks=0
  from_record "$dir/$sc.trace" "$hooks" | sort >"$dir/$sc.expected"
  from_counting "$dir/$sc.json" "$hooks" | sort >"$dir/$sc.got"
  [ -s "$dir/$sc.expected" ] || fail "$sc: the recording shows no instance"
  if ! diff -u "$dir/$sc.expected" "$dir/$sc.got" >"$dir/$sc.diff"; then
    cat "$dir/$sc.diff"; fail "$sc: counting mode differs from the recording (- record, + counting)"
  fi
  grep -q '"items_evicted":0,' "$dir/$sc.json" || fail "$sc: items evicted with the default bound"
  if [ "$hooks" = 1 ]; then
    with_hooks=1
    callbacks=$((callbacks + $(grep -c "^inst [0-9]* cb_[a-z_]* [1-9]" "$dir/$sc.expected" || true)))
  fi
  compared=$((compared + $(wc -l <"$dir/$sc.expected")))
done
# Kernel hooks that counted no callback in any scenario compared nothing.
[ "$with_hooks" = 0 ] || [ "$callbacks" -gt 0 ] || fail "kernel hooks, but no scenario had a callback"
echo "$compared"
