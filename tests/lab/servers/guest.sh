#!/bin/sh
# In the lab guest (tests/lab/real_servers.sh): nginx and redis-server, each recorded with
# `epscope record --verify` launched, and attached mid-life (-p) under loopback load.
# Failures go to /out/failures; traces to /out/*.trace.
set -u
mkdir -p /tmp/nginx
fail() { echo "$*" >>/out/failures; }
# listening PORT-IN-HEX: wait up to 20 s for a loopback listening socket (redis-benchmark
# retries a refused connection forever, so the port is probed, not the server).
listening() {
    i=0
    until grep -q "0100007F:$1 00000000:0000 0A" /proc/net/tcp; do
        i=$((i + 1)); [ $i -lt 100 ] || return 1; sleep 0.2
    done
}
http_get() { timeout 10 wget -q -O /dev/null http://127.0.0.1:8080/; }
http_load() { n=0; while [ $n -lt "$1" ]; do http_get || fail "http request failed"; n=$((n + 1)); done; }
redis_load() { timeout 120 redis-benchmark -h 127.0.0.1 -p 6379 -c 8 -n "$1" -q -t set,get,lpush >/dev/null || fail "redis-benchmark failed"; }
# load CMD...: CMD again and again in the background until stop_load (the load of an attached
# recording: it runs before the attach, throughout and after, whatever the time record takes
# to start, so the trace has connections from before the attach and new ones).
load() { rm -f /tmp/stop-load; (while [ ! -e /tmp/stop-load ]; do "$@"; done) & loader=$!; }
stop_load() { touch /tmp/stop-load; wait $loader; }
REDIS="redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --dir /tmp --daemonize no"

# nginx launched: record from exec to the graceful exit (SIGQUIT) of master and workers.
epscope record --verify -o /out/nginx-launched.trace -- nginx -p /tmp/nginx -c /data/nginx.conf \
    -g 'daemon off;' >/out/nginx-launched.out 2>&1 &
rec=$!
listening 1F90 || fail "nginx (launched) did not answer"
http_load 150
kill -QUIT "$(cat /tmp/nginx/nginx.pid)"
wait $rec || fail "record of launched nginx failed"

# nginx attached mid-life: the master and its existing workers, under load.
nginx -p /tmp/nginx -c /data/nginx.conf -g 'daemon off;' >/out/nginx-server.out 2>&1 &
master=$!
listening 1F90 || fail "nginx (attached) did not answer"
http_load 20

pids="-p $master"
for s in /proc/[0-9]*/stat; do set -- $(cat "$s" 2>/dev/null); [ "${4:-}" = "$master" ] && pids="$pids -p $1"; done
echo "nginx master $master, $pids" >/out/nginx-pids.txt
load http_load 5
sleep 0.5
epscope record --verify -d 4 -o /out/nginx-attached.trace $pids >/out/nginx-attached.out 2>&1 ||
    fail "record of attached nginx failed"
stop_load
kill -QUIT $master; wait $master

# redis-server launched: record from exec to its exit on SIGTERM.
epscope record --verify -o /out/redis-launched.trace -- sh -c "exec $REDIS" >/out/redis-launched.out 2>&1 &
rec=$!
listening 18EB || fail "redis (launched) did not answer"
redis_load 2000
kill -TERM "$(pidof redis-server)"
wait $rec || fail "record of launched redis failed"

# redis-server attached mid-life under load.
sh -c "exec $REDIS" >/out/redis-server.out 2>&1 &
redis=$!
listening 18EB || fail "redis (attached) did not answer"
redis_load 500
load redis_load 300
sleep 0.5
epscope record --verify -d 4 -o /out/redis-attached.trace -p $redis >/out/redis-attached.out 2>&1 ||
    fail "record of attached redis failed"
stop_load
kill -TERM $redis; wait $redis
true
