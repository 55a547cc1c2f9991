#!/usr/bin/env bash
# The live comparison: run every conformance scenario on each of Debian 12's real kernels under QEMU
# (conformance/run-kernel.sh), then replay each run through the simulator with that kernel's profile and module
# sizes and print matched/total records per scenario and in all (kmod4j sim compare, which reads the run's
# KERNEL_VERSION).
#
# usage: conformance/live-compare.sh [OUTDIR] [SCENARIO ...]
#   OUTDIR defaults to conformance/out; each kernel's run goes to OUTDIR/KVER.
#   Scenario names default to all of conformance/scenarios.
#
# Kernels: $KVER when set (one release, or several separated by spaces); otherwise every installed Debian 12
# kernel, one per series of DEBIAN12_SERIES (6.1 and 6.12, the newest installed release of each). When run as
# root, a series whose image or headers are missing is installed first with apt-get (linux-image-amd64 and
# linux-headers-amd64 for 6.1; linux-image-6.12.117+deb12-amd64 and linux-headers-6.12.117+deb12-amd64 for 6.12).
# Exit status: 0 when every record of every kernel matched, 1 otherwise.
set -euo pipefail

conf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$conf")"
out="$conf/out"
if [ $# -gt 0 ] && { [[ "$1" == */* ]] || [ -d "$1" ]; }; then
    out="$1"
    shift
fi
. "$conf/lib.sh"

if [ -n "${KVER:-}" ]; then
    read -r -a kvers <<<"$KVER"
else
    missing=()
    for s in $DEBIAN12_SERIES; do
        [ -n "$(pick_kver "$s")" ] || missing+=($(debian12_packages "$s"))
    done
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
            log "live-compare: installing ${missing[*]} (apt-get)"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq "${missing[@]}" >/dev/null
        else
            log "live-compare: not root: cannot install ${missing[*]}; comparing the kernels that are installed"
        fi
    fi
    kvers=()
    for s in $DEBIAN12_SERIES; do
        k="$(pick_kver "$s")"
        [ -n "$k" ] && kvers+=("$k")
    done
fi
if [ ${#kvers[@]} -eq 0 ]; then
    log "live-compare: no Debian 12 kernel with headers is installed"
    exit 1
fi

status=0
summary=()
for k in "${kvers[@]}"; do
    t0=$(date +%s)
    echo "== kernel $k"
    "$conf/run-kernel.sh" -k "$k" -o "$out/$k" "$@" || status=1
    echo "kernel: $(head -1 "$out/$k/KERNEL_VERSION" 2>/dev/null || echo unknown)"
    "$root/kmod4j" sim compare "$conf/scenarios" "$out/$k" | tee "$out/$k.compare" || status=1
    summary+=("$k: $(grep '^records:' "$out/$k.compare" | sed 's/^records: //'), $(($(date +%s) - t0)) s")
done
echo "== live comparison, per kernel (records matched/total, time)"
printf '  %s\n' "${summary[@]}"
exit "$status"
