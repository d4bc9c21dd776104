#!/bin/bash
# metrics_prometheus.sh EPSCOPE POLLER: a real Prometheus (Debian's) scrapes
# `epscope live --metrics` on loopback while it traces the poller's server on
# this machine; the series Prometheus stored equal what `epscope stat` says of
# the same live stream (saved through --stream-to), once the load is over.
# Then: bad requests to the endpoint, a non-loopback address written out, a
# bad --metrics value, and the traced process stopped under the exporter.
set -euo pipefail
epscope=$1 poller=$2
dir=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    tail -n 20 "$dir"/*.err "$dir"/*.log 2>/dev/null || true
    exit 1
}

# The traced server, idle until the client comes.
"$poller" --role server --transport unix --unix "$dir/srv.sock" --duration 0 >"$dir/server.out" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 50); do [ -S "$dir/srv.sock" ] && break; sleep 0.1; done

# The live stream saved through a FIFO: the same records the metrics come from.
mkfifo "$dir/stream.fifo"
cat "$dir/stream.fifo" >"$dir/live.stream" &
pids+=("$!")
"$epscope" live -p "$server" --metrics 0 --stream-to "$dir/stream.fifo" -d 120 -i 1 \
    >"$dir/live.out" 2>"$dir/live.err" &
live=$!
pids+=("$live")
for _ in $(seq 100); do grep -q "metrics on http" "$dir/live.err" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$dir/live.err") || fail "no metrics URL printed"
target=${url#http://}
target=${target%/metrics}

# Prometheus scraping it every second.
. "$(dirname "$0")/prometheus_lib.sh"
start_prometheus "$dir" "$target" || exit 1
for _ in $(seq 100); do [ "$(query up)" = 1 ] && break; sleep 0.2; done
[ "$(query up)" = 1 ] || fail "Prometheus never scraped the exporter"

# Load for 1.5 s, then quiet: at least two scrapes of the final values.
"$poller" --role client --transport unix --unix "$dir/srv.sock" --conns 4 --duration 1.5 \
    --payload 64 >"$dir/client.out" 2>&1 || fail "client"
sleep 3.5
sel="{pid=\"$server\"}"
prom_deliveries=$(query "sum(epscope_instance_deliveries_total$sel)")
prom_waits=$(query "sum(epscope_instance_waits_total$sel)")
prom_items=$(query "sum(epscope_instance_items$sel)")
prom_bucket=$(query "sum(epscope_instance_wait_seconds_count$sel)")
[ -n "$prom_deliveries" ] && [ "$prom_deliveries" -gt 1000 ] ||
    fail "Prometheus has no deliveries for pid $server ($prom_deliveries)"
# No kernel address in any label, nothing the backend cannot see (tracepoints).
curl -sSf --max-time 10 "$url" >"$dir/scrape.txt" || fail "scrape by curl failed"
! grep -q '0x[0-9a-f]\{8,\}' "$dir/scrape.txt" || fail "a kernel address in the metrics"
! grep -q '^epscope_instance_callbacks_total' "$dir/scrape.txt" ||
    fail "callbacks exported although the backend cannot see them"
grep -q 'epscope_hook_visible{backend="tracepoint",hook="callback"} 0' "$dir/scrape.txt" ||
    fail "the invisible callback hook is not said"

# Bad requests: an unknown path, a malformed request line; /metrics still serves.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$target/nope")
[ "$code" = 404 ] || fail "unknown path answered $code"
exec 3<>"/dev/tcp/${target%:*}/${target#*:}"
printf 'BOGUS\r\n\r\n' >&3
timeout 5 cat <&3 >/dev/null || true
exec 3<&-
curl -sf "$url" >/dev/null || fail "the endpoint died after a bad request"

kill -TERM "$live"  # stops as Ctrl-C does: the stream ends whole (a background job ignores SIGINT)
wait "$live" || fail "live exited with $? on SIGTERM"
stat_json=$("$epscope" stat --json "$dir/live.stream") || fail "stat of the live stream"
pick() { echo "$stat_json" | jq "[.processes[] | select(.tgid == $server) | .instances[].$1] | add"; }
[ "$(pick deliveries)" = "$prom_deliveries" ] ||
    fail "deliveries: Prometheus $prom_deliveries, stat $(pick deliveries)"
[ "$(pick waits)" = "$prom_waits" ] || fail "waits: Prometheus $prom_waits, stat $(pick waits)"
[ "$(pick items)" = "$prom_items" ] || fail "items: Prometheus $prom_items, stat $(pick items)"
[ "$prom_bucket" = "$prom_waits" ] || fail "wait histogram count $prom_bucket != waits $prom_waits"

# A traced process that stops: live ends on its own, status 0, endpoint closed.
"$epscope" live -p "$server" --metrics 0 -i 1 >"$dir/live2.out" 2>"$dir/live2.err" &
live2=$!
for _ in $(seq 100); do grep -q "metrics on http" "$dir/live2.err" && break; sleep 0.1; done
url2=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$dir/live2.err") || fail "no second URL"
curl -sf "$url2" >/dev/null || fail "second exporter not serving"
kill "$server"
timeout 20 tail --pid="$live2" -f /dev/null || fail "live did not stop with its process"
wait "$live2" || fail "live exited $? when its process stopped"
! curl -sf "$url2" >/dev/null 2>&1 || fail "endpoint still open after live ended"

# Addresses: loopback unless written out; a bad value is one line, exit 1.
if "$epscope" live -p 1 --metrics nonsense -d 1 2>"$dir/bad.err"; then fail "bad --metrics accepted"; fi
grep -q "give PORT (on 127.0.0.1) or ADDR:PORT" "$dir/bad.err" || fail "no clear line: $(cat "$dir/bad.err")"
[ "$(wc -l <"$dir/bad.err")" -eq 1 ] || fail "more than one line for a bad --metrics"
# Findings of the full model's engine: a busy-polling loop is counted; the
# rules this (tracepoint) backend cannot judge are said so and have no count.
"$epscope" live --metrics 0 -i 0.2 -- sh -c "$poller --scenario bad-busy-poll >/dev/null; sleep 5" \
    >/dev/null 2>"$dir/live3.err" &
pids+=("$!")
for _ in $(seq 100); do grep -q "metrics on http" "$dir/live3.err" && break; sleep 0.1; done
url3=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$dir/live3.err") || fail "no third URL"
busy='epscope_findings{rule="busy-polling",severity="warning"} 1'
for _ in $(seq 40); do
    curl -sf "$url3" >"$dir/findings.txt" && grep -qF "$busy" "$dir/findings.txt" && break
    sleep 0.2
done
grep -qF "$busy" "$dir/findings.txt" || fail "no busy-polling finding: $(grep findings "$dir/findings.txt")"
grep -qF 'epscope_findings_unjudged{rule="loop-blocked"} 1' "$dir/findings.txt" ||
    fail "loop-blocked not said unjudged on the tracepoint backend"
! grep -qF 'epscope_findings{rule="loop-blocked"' "$dir/findings.txt" ||
    fail "an unjudged rule has a count"
echo "metrics_prometheus: ok"
