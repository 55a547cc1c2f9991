#!/usr/bin/env bash
# The live comparison: run every conformance scenario on Debian's real kernel under QEMU
# (conformance/run-kernel.sh, which installs what it needs), then replay each through the simulator
# and print matched/total records per scenario and in all (kmod4j sim compare).
#
# usage: conformance/live-compare.sh [OUTDIR] [SCENARIO ...]
#   OUTDIR defaults to conformance/out; scenario names default to all of conformance/scenarios.
set -euo pipefail

conf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$conf")"
out="$conf/out"
if [ $# -gt 0 ] && { [[ "$1" == */* ]] || [ -d "$1" ]; }; then
    out="$1"
    shift
fi

"$conf/run-kernel.sh" -o "$out" "$@"
echo "kernel: $(head -1 "$out/KERNEL_VERSION" 2>/dev/null || echo unknown)"
"$root/kmod4j" sim compare "$conf/scenarios" "$out"
