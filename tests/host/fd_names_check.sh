#!/bin/sh
# fd_names_check.sh EPSCOPE TRACE: every item inserted in TRACE is named, and
# every TCP item's name carries its endpoints ("TCP a:p->b:q" or "TCP a:p
# (listening)"), never "?" or a bare "socket". A name belongs to an item when
# its process, fd and inode match the insert's (names of anon inodes such as
# eventfd carry no inode: process and fd then). Prints a one-line summary.
set -eu
epscope=$1 trace=$2
"$epscope" dump "$trace" | awk '
function val(line, key,    re, s) {
    re = " " key "="
    s = index(line, re)
    if (s == 0) return ""
    s = substr(line, s + length(re))
    if (substr(s, 1, 1) == "\"") { s = substr(s, 2); return substr(s, 1, index(s, "\"") - 1) }
    sub(/ .*/, "", s)
    return s
}
$2 == "fd_name" {
    t = val($0, "tgid"); f = val($0, "fd"); i = val($0, "ino")
    n = val($0, "name"); ty = val($0, "type")
    if (i != "0") { name[t " " f " " i] = n; type[t " " f " " i] = ty }
    else { anon[t " " f] = ty " " n }
}
$2 == "item_insert" && val($0, "result") == "0" {
    items[++nitems] = val($0, "tgid") " " val($0, "fd") " " val($0, "ino")
}
END {
    bad = 0; tcp = 0
    for (k = 1; k <= nitems; k++) {
        key = items[k]; split(key, p, " ")
        if (key in name) {
            n = name[key]; ty = type[key]
        } else if ((p[1] " " p[2]) in anon) {
            n = anon[p[1] " " p[2]]; ty = n; sub(/ .*/, "", ty); sub(/^[^ ]* /, "", n)
        } else { n = "(none)"; ty = "none" }
        if (ty == "tcp") {
            tcp++
            if (n !~ /^TCP [^ ]+:[0-9]+(->[^ ]+:[0-9]+| \(listening\))$/) ty = "bad"
        }
        if (ty == "none" || ty == "bad" || ty == "unknown" || ty == "socket" || n == "?") {
            if (bad++ < 5) printf "item (tgid fd ino) %s named %s: \"%s\"\n", key, ty, n
        }
    }
    printf "fd_names_check: %d items, %d TCP, %d without a full name\n", nitems, tcp, bad
    if (nitems == 0 || bad > 0) exit 1
}'
