#!/bin/bash
# exporter_unit.sh BUILD-DIR: `cmake --install` puts the exporter's systemd
# unit where systemd looks (lib/systemd/system under the prefix), its
# ExecStart naming the epscope it installed, and `systemd-analyze verify`
# accepts it (options, the executable, the man page it documents). A unit
# with a misspelt option is refused by the same check.
set -euo pipefail
build=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$dir/prefix" >"$dir/install.log" 2>&1 ||
    fail "cmake --install: $(tail -3 "$dir/install.log")"
unit=$dir/prefix/lib/systemd/system/epscope-exporter.service
[ -f "$unit" ] || fail "no unit installed at $unit"
grep -qx "ExecStart=$dir/prefix/bin/epscope exporter \$EPSCOPE_EXPORTER_ARGS" "$unit" ||
    fail "ExecStart does not name the installed epscope: $(grep ExecStart "$unit")"
grep -q '^CapabilityBoundingSet=.*CAP_BPF.*CAP_PERFMON' "$unit" || fail "no BPF capabilities"

# Documentation=man:epscope-exporter(1) is looked up with man.
export MANPATH=$dir/prefix/share/man
systemd-analyze verify "$unit" >"$dir/verify.log" 2>&1 ||
    fail "systemd-analyze verify refused the unit: $(cat "$dir/verify.log")"
[ ! -s "$dir/verify.log" ] || fail "systemd-analyze verify warned: $(cat "$dir/verify.log")"

# The check can fail: a misspelt option.
mkdir "$dir/bad"
sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$unit" >"$dir/bad/epscope-exporter.service"
systemd-analyze verify "$dir/bad/epscope-exporter.service" >"$dir/bad.log" 2>&1 || true
grep -q "Unknown key 'NoNewPrivilege'" "$dir/bad.log" ||
    fail "systemd-analyze verify did not notice a misspelt option: $(cat "$dir/bad.log")"
echo "exporter_unit: ok"
