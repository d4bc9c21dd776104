#!/bin/sh
# real_servers.sh KERNEL EPSCOPE [OUT-DIR]   (OUT-DIR: keep the guest's traces there)
# Third-party event-loop servers from Debian's archive (scripts/setup installs them): nginx
# (a master and two workers, EPOLLEXCLUSIVE on the listening socket) and redis-server
# (single-threaded ae loop), each recorded with `epscope record --verify` in the lab, launched
# and attached mid-life (-p: nginx's master and its workers) under loopback load
# (servers/guest.sh). Back on the host, per trace: no lost records, 0 mismatches of every
# kind (`epscope stat --json`'s fidelity object), the tree compared; launched: every item
# removed before its instance is freed and every instance freed; attached: the interest sets
# compared with the kernel's fdinfo at least once.
# Every item inserted during a recording is named, every TCP item with its endpoints
# (tests/host/fd_names_check.sh), and each trace has TCP items.
set -eu
kernel=$1 epscope=$2
here=$(dirname "$0")
if [ $# -ge 3 ]; then
    out=$3
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
for b in nginx redis-server redis-benchmark; do
    command -v $b >/dev/null || { echo "FAIL: $b is not installed (run scripts/setup)"; exit 1; }
done
"$here/run" --kernel "$kernel" --timeout 600 --out "$out" --bin "$epscope" \
    --bin "$(command -v nginx)" --bin "$(command -v redis-server)" --bin "$(command -v redis-benchmark)" \
    --file "$here/servers/nginx.conf:/data/nginx.conf" --file "$here/servers/group:/etc/group" \
    --file "$here/servers/guest.sh:/data/guest.sh" -- sh /data/guest.sh
failed=0
if [ -s "$out/failures" ]; then
    cat "$out/failures"
    for f in "$out"/*.out; do echo "== $f"; tail -n 5 "$f"; done
    failed=1
fi
# One object of `epscope stat --json`'s fidelity: checks or mismatches, as "name":N pairs.
fidelity() {
    case $2 in
        checks) echo "$1" | sed -n 's/.*"fidelity":{"checks":{\([^}]*\)}.*/\1/p' ;;
        *) echo "$1" | sed -n 's/.*"fidelity":{"checks":{[^}]*},"mismatches":{\([^}]*\)}.*/\1/p' ;;
    esac
}
count() { echo "$1" | tr ',' '\n' | sed -n "s/\"$2\":\([0-9]*\)/\1/p"; }
for t in "$out"/*.trace; do
    name=$(basename "$t" .trace)
    json=$("$epscope" stat --json "$t")
    lost=$(echo "$json" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p')
    checks=$(fidelity "$json" checks)
    mism=$(fidelity "$json" mismatches)
    bad=""
    [ "$lost" = 0 ] || bad="$bad lost-$lost"
    [ -n "$mism" ] || bad="$bad no-fidelity"
    for m in $(echo "$mism" | tr ',' ' '); do
        case $m in *:0) ;; *) bad="$bad mismatch-$m" ;; esac
    done
    dump=$("$epscope" dump "$t")
    case $name in
        *-attached) [ "$(count "$checks" fdinfo)" -gt 0 ] 2>/dev/null || bad="$bad no-fdinfo-checks" ;;
        *-launched)
            [ "$(count "$checks" tree)" -gt 0 ] 2>/dev/null || bad="$bad no-tree-checks"
            acct=$(echo "$dump" | awk '
                function field(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
                $2 == "instance_create" { live[field("ep")] = 0 }
                $2 == "item_insert" && field("result") == "0" { live[field("ep")]++ }
                $2 == "item_remove" && field("result") == "0" { live[field("ep")]-- }
                $2 == "instance_free" { ep = field("ep"); if (live[ep] != 0) bad = bad " " ep "-freed-with-" live[ep] "-items"; delete live[ep] }
                END { for (ep in live) bad = bad " " ep "-never-freed"; print bad }')
            bad="$bad$acct" ;;
    esac
    names=$("$here/../host/fd_names_check.sh" "$epscope" "$t") || bad="$bad fd-names($names)"
    tcp=$(echo "$names" | sed -n 's/.* \([0-9]*\) TCP,.*/\1/p')
    [ "${tcp:-0}" -gt 0 ] || bad="$bad no-tcp-items"
    echo "$kernel $name: lost $lost; checks {$checks}; mismatches {$mism}; ${names#fd_names_check: }"
    if [ -n "$bad" ]; then
        echo "FAIL $kernel $name:$bad"
        "$epscope" stat --mismatches "$t" | grep -E "mismatch" | head -20 || true
        failed=1
    fi
done
[ "$(ls "$out"/*.trace 2>/dev/null | wc -l)" -eq 4 ] || { echo "FAIL: expected 4 traces"; failed=1; }
exit $failed
