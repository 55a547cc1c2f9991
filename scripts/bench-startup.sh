#!/usr/bin/env bash
# Start-up benchmark: kmod4j's tools against kmod's C tools in the same run, with hyperfine; prints the times and
# the ratio kmod4j/kmod for each tool. Both run the same command on this machine (on a kernel without modules
# that is lsmod's "cannot open /proc/modules" path and rmmod's ENOSYS path, which is still a whole start-up).
#   usage: scripts/bench-startup.sh [RUNS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-20}"
for tool in hyperfine kmod; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
        else
            echo "bench-startup: $tool is missing (apt-get install $tool)" >&2
            exit 1
        fi
    fi
done
"$here/kmod4j" --version >/dev/null # builds the jar and the AOT cache when missing
json="$(mktemp)"
trap 'rm -f "$json"' EXIT
hyperfine -N -i --warmup 3 --runs "$runs" --export-json "$json" \
    'kmod lsmod' "$here/kmod4j lsmod" \
    'kmod rmmod kmod4j_bench_no_such_module' "$here/kmod4j rmmod kmod4j_bench_no_such_module" \
    >/dev/null 2>&1
python3 - "$json" <<'PY'
import json, sys
r = {x["command"].split("/")[-1]: x["mean"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
for tool, args in (("lsmod", ""), ("rmmod", " kmod4j_bench_no_such_module")):
    c, j = r["kmod " + tool + args], r["kmod4j " + tool + args]
    print(f"{tool:6} kmod {c:7.1f} ms   kmod4j {j:7.1f} ms   ratio {j / c:6.1f}x")
PY
