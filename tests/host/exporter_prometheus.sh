#!/bin/bash
# exporter_prometheus.sh EPSCOPE POLLER: `epscope exporter` in its daemon
# form, scraped by a real Prometheus (Debian's) on loopback.
# - bad selectors and addresses: one clear line, exit 2, nothing loaded;
# - a poller started after the exporter is picked up by name at its exec,
#   one started into a cgroup v2 group by the group, one moved into the
#   group after its exec by the /proc scan; one never selected is not;
# - the series Prometheus stored equal what `epscope live --counting` (the
#   same counting mode, tracing the same process from the same exec) says;
# - a process that exits is dropped from the metrics;
# - SIGTERM stops the exporter (exit 0) and closes the endpoint.
set -euo pipefail
epscope=$1 poller=$2
dir=$(mktemp -d)
chmod 755 "$dir"
cg=
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "$cg" ] && rmdir "$cg" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    tail -n 20 "$dir"/*.err "$dir"/*.log 2>/dev/null || true
    exit 1
}

# Bad selectors: one line each, exit 2, before any BPF is loaded.
refused() { # WANTED-TEXT ARGS...
    local want=$1 status=0
    shift
    "$epscope" exporter "$@" >/dev/null 2>"$dir/bad.err" || status=$?
    [ "$status" = 2 ] || fail "exporter $* exited $status, not 2: $(cat "$dir/bad.err")"
    grep -q -- "$want" "$dir/bad.err" || fail "exporter $*: unclear: $(cat "$dir/bad.err")"
    [ "$(wc -l <"$dir/bad.err")" -eq 1 ] || fail "exporter $*: more than one line"
}
refused "nothing to trace: give --comm NAME, --cgroup PATH or -p PID"
refused "a name, not a path" --comm /usr/sbin/nginx
refused "an empty name" --comm ""
refused "no such group" --cgroup /no/such/group.$$
refused "not a cgroup v2 group" --cgroup /cgroup.procs
refused "give PORT (on 127.0.0.1) or ADDR:PORT" --comm nginx --metrics nonsense
refused "is not a pid" -p 0
status=0
"$epscope" exporter -p 999999999 -d 1 --metrics 0 2>"$dir/bad.err" || status=$?
[ "$status" = 1 ] && grep -q "no process with pid 999999999" "$dir/bad.err" &&
    [ "$(wc -l <"$dir/bad.err")" -eq 1 ] ||
    fail "a pid of no process: exit $status, $(cat "$dir/bad.err")"

# A cgroup v2 group of our own (hybrid systems mount v2 at .../unified).
mount=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
[ -n "$mount" ] || fail "no cgroup v2 hierarchy mounted"
cg=$mount/epscope-exporter-test.$$
mkdir "$cg"
# The poller under names of this test's own: CTest runs other tests beside
# this one, and their epscope-poller processes must not be selected here
# (they would compete for the --max-processes/--max-instances caps). byname
# is selected by name; cgpoller and cgmoved under names no selector gives.
cp "$poller" "$dir/byname"
cp "$poller" "$dir/cgpoller"
cp "$poller" "$dir/cgmoved"
poller=$dir/byname

"$epscope" exporter --comm byname --cgroup "${cg#"$mount"}" --metrics 0 -i 0.25 \
    --scan-interval 0.5 >"$dir/exporter.out" 2>"$dir/exporter.err" &
exporter=$!
pids+=("$exporter")
for _ in $(seq 100); do grep -q "metrics on http" "$dir/exporter.err" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$dir/exporter.err") || fail "no metrics URL printed"
target=${url#http://}
target=${target%/metrics}

# Prometheus scraping it every second.
. "$(dirname "$0")/prometheus_lib.sh"
start_prometheus "$dir" "$target" || exit 1
for _ in $(seq 100); do [ "$(query up)" = 1 ] && break; sleep 0.2; done
[ "$(query up)" = 1 ] || fail "Prometheus never scraped the exporter"

# Two servers started after the exporter, each also under `live --counting`
# (the reference: counting mode from the same exec): one selected by name,
# one (cgpoller) by the group it execs in.
"$epscope" live --counting --json -i 0.5 -- "$poller" --role server --transport unix \
    --unix "$dir/name.sock" --duration 0 >"$dir/ref_name.json" 2>"$dir/ref_name.err" &
pids+=("$!")
"$epscope" live --counting --json -i 0.5 -- sh -c "echo \$\$ >$cg/cgroup.procs && exec $dir/cgpoller \
    --role server --transport unix --unix $dir/cg.sock --duration 0" >"$dir/ref_cg.json" 2>"$dir/ref_cg.err" &
pids+=("$!")
for _ in $(seq 100); do [ -S "$dir/name.sock" ] && [ -S "$dir/cg.sock" ] && break; sleep 0.1; done
[ -S "$dir/name.sock" ] && [ -S "$dir/cg.sock" ] || fail "the servers did not start"
by_name=$(pgrep -f "^$poller --role server .*name.sock") || fail "no server pid"
by_cg=$(pgrep -f "^$dir/cgpoller --role server") || fail "no cgroup server pid"

# A process never selected, then one moved into the group after its exec.
"$dir/cgmoved" --model basic --role both --conns 2 --duration 30 >/dev/null 2>&1 &
moved=$!
pids+=("$moved")

# Load from clients (named byname: traced too, and they exit).
scrape() { curl -sSf --max-time 10 "$url"; }
# Whether the metrics served now have a line matching PATTERN.
serves() { scrape >"$dir/now.txt" && grep -q "$1" "$dir/now.txt"; }
"$poller" --role client --transport unix --unix "$dir/name.sock" --conns 4 --duration 3 \
    --payload 64 >"$dir/client1.out" 2>&1 &
client=$!
"$poller" --role client --transport unix --unix "$dir/cg.sock" --conns 2 --duration 3 \
    --payload 64 >"$dir/client2.out" 2>&1 &
client2=$!
# Running, not a zombie waiting for this shell's wait.
# (/proc/PID/stat's state, not ps: ps reads all of /proc, a second under load)
running() { local st; st=$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null) && [[ $st != " Z"* ]]; }
client_seen=0 scrapes=0
while running "$client"; do
    serves "pid=\"$client\"" && client_seen=1
    scrapes=$((scrapes + 1))
    sleep 0.1
done
# What the endpoint served last, should the client never have had series.
cp "$dir/now.txt" "$dir/last-scrape.log" 2>/dev/null || true
wait "$client" || fail "client 1"
wait "$client2" || fail "client 2"
[ "$client_seen" = 1 ] ||
    fail "the client (by name, pid $client) never had series in $scrapes scrapes"
scrape >"$dir/scrape1.txt" || fail "scrape failed"
! grep -q "pid=\"$moved\"" "$dir/scrape1.txt" || fail "a process no selector names is traced"
sleep 3  # quiet: the last figures scraped at least twice

# Prometheus's series equal counting mode's figures for the same processes.
compare() { # PID REFERENCE-JSON WHAT
    local sel="{pid=\"$1\"}" ref
    for f in deliveries waits; do
        local prom
        prom=$(query "sum(epscope_instance_${f}_total$sel)")
        ref=$(tail -1 "$2" | jq ".processes[] | select(.tgid == $1) | .total.$f")
        [ -n "$prom" ] && [ "$prom" -gt 0 ] || fail "$3: Prometheus has no $f for pid $1 ($prom)"
        [ "$prom" = "$ref" ] || fail "$3: $f: Prometheus $prom, live --counting $ref"
    done
    local bucket
    bucket=$(query "sum(epscope_instance_wait_seconds_count$sel)")
    [ "$bucket" = "$(query "sum(epscope_instance_waits_total$sel)")" ] ||
        fail "$3: the wait histogram's count differs from the waits"
}
compare "$by_name" "$dir/ref_name.json" "by name"
compare "$by_cg" "$dir/ref_cg.json" "by cgroup"
[ "$(query "count(epscope_instance_waits_total{pid=\"$by_cg\",comm=\"cgpoller\"})")" -ge 1 ] ||
    fail "the cgroup's process is not labelled with its comm"

# The client exited: its series are gone from the metrics (and Prometheus).
scrape >"$dir/scrape2.txt" || fail "scrape failed"
! grep -q "pid=\"$client\"" "$dir/scrape2.txt" || fail "an exited client is still exported"
[ -z "$(query "epscope_instance_waits_total{pid=\"$client\"}")" ] ||
    fail "Prometheus still has the exited client's series"
! grep -q '0x[0-9a-f]\{8,\}' "$dir/scrape2.txt" || fail "a kernel address in the metrics"

# Moved into the group after its exec: the scan (every 0.5 s) finds it.
echo "$moved" >"$cg/cgroup.procs"
for _ in $(seq 40); do serves "pid=\"$moved\"" && break; sleep 0.1; done
serves "comm=\"cgmoved\".*pid=\"$moved\"" || fail "a process moved into the group is not picked up"

# The cgroup server stops: dropped within an update.
kill "$by_cg"
for _ in $(seq 40); do serves "pid=\"$by_cg\"" || break; sleep 0.1; done
! serves "pid=\"$by_cg\"" || fail "a stopped process is still exported"

# SIGTERM: a clean stop, exit 0, the endpoint closed.
kill -TERM "$exporter"
timeout 10 tail --pid="$exporter" -f /dev/null || fail "the exporter did not stop on SIGTERM"
status=0
wait "$exporter" || status=$?
[ "$status" = 0 ] || fail "the exporter exited $status on SIGTERM"
grep -q "stopped (signal)" "$dir/exporter.err" || fail "no stop line"
! curl -sf "$url" >/dev/null 2>&1 || fail "endpoint still open after the exporter stopped"
echo "exporter_prometheus: ok"
