#!/usr/bin/env bash
# Generates kmod4j's man pages from the commands' own --help output with help2man (Debian package help2man),
# plus the kmod4j-specific sections in docs/man/*.h2m. Output: target/man/*.1 and *.8.
#   usage: scripts/man-pages.sh [OUTDIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/target/man}"

if ! command -v help2man >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq help2man >/dev/null
    else
        echo "man-pages: help2man is missing (apt-get install help2man)" >&2
        exit 1
    fi
fi
mkdir -p "$out"
k="$here/kmod4j"
version="$("$k" --version)"

page() { # NAME SECTION DESCRIPTION INCLUDE COMMAND...
    local name="$1" section="$2" description="$3" include="$4"
    shift 4
    # --no-discard-stderr: kmod's lsmod has no --help and prints its usage on stderr, as kmod4j's does.
    help2man --no-info --no-discard-stderr --section="$section" --name="$description" \
        --version-string="$name ${version#* }" --include="$include" --output="$out/$name.$section" "$*"
}

page kmod4j 1 "Linux kernel-module unloading: simulator and kmod-compatible tools" \
    "$here/docs/man/kmod4j.h2m" "$k"
page kmod4j-sim-run 1 "run a scenario on the simulated kernel" "$here/docs/man/kmod4j.h2m" "$k sim run"
page kmod4j-sim-compare 1 "compare a real kernel's scenario outputs with the simulator" \
    "$here/docs/man/kmod4j.h2m" "$k sim compare"
page kmod4j-lsmod 8 "show the loaded kernel modules (kmod 30 compatible)" "$here/docs/man/kmod4j-tools.h2m" \
    "$k lsmod"
page kmod4j-rmmod 8 "remove kernel modules (kmod 30 compatible)" "$here/docs/man/kmod4j-tools.h2m" "$k rmmod"
if "$k" modprobe --help >/dev/null 2>&1; then
    page kmod4j-modprobe 8 "remove kernel modules with their dependencies (kmod 30 compatible)" \
        "$here/docs/man/kmod4j-tools.h2m" "$k modprobe"
fi
ls "$out"
