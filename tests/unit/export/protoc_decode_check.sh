#!/bin/bash
# `epscope export -f perfetto` of a lab (fentry) trace decodes with protoc
# against the project's .proto into process, thread and instance tracks,
# counter tracks, slices, callbacks and flows.
# Usage: protoc_decode_check.sh EPSCOPE PROTO TRACE
set -u
epscope=$1 proto=$2 trace=$3
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"$epscope" export -f perfetto -o "$dir/t.pftrace" "$trace" 2>/dev/null ||
    { echo "FAIL: export exited $?"; exit 1; }
protoc --decode=perfetto.protos.Trace -I "$(dirname "$proto")" "$proto" \
    <"$dir/t.pftrace" >"$dir/t.txt" 2>"$dir/err" ||
    { echo "FAIL: protoc --decode: $(cat "$dir/err")"; exit 1; }
fail=0
need() {  # need WHAT MIN PATTERN
    local n; n=$(grep -cE "$3" "$dir/t.txt")
    if [ "$n" -lt "$2" ]; then echo "FAIL: $1: $n lines match '$3' (want >= $2)"; fail=1
    else echo "ok: $1 ($n)"; fi
}
need "process track" 1 '^    process \{'
need "thread track" 1 '^    thread \{'
need "counter tracks" 3 '^    counter \{'
need "epoll_wait slices" 1 'name: "epoll_wait"'
need "slice begins" 1 'type: TYPE_SLICE_BEGIN'
need "slice ends" 1 'type: TYPE_SLICE_END'
need "counter values" 1 'counter_value:'
need "callbacks" 1 'name: "callback '
need "flows started" 1 '^    flow_ids:'
need "flows ended at deliveries" 1 'terminating_flow_ids:'
need "no raw kernel addresses" 1 'name: "epoll ep#1'
exit $fail
