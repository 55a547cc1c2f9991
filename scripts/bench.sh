#!/usr/bin/env bash
# kmod4j's benchmarks, in one run, each figure next to what it is compared with (docs/performance.md):
#   1. start-up: a JVM 25 hello-world, kmod's C lsmod, and kmod4j's lsmod --root FIXTURE and sim run (hyperfine);
#   2. scale: each tool and sim run on Debian's whole module graph (4,023 modules, generated here from the
#      linux-image-amd64 package) against the same command with one module; modprobe -r at the top of a
#      2,001-module chain against a 1-module one; 20,000 background scenario commands (time and peak memory);
#   3. JMH (jmh/): reference get/put against a bare CAS loop, a 5,000-module table, the whole graph loaded and
#      removed in process, the FFM delete_module against spawning rmmod; and the heap of a 5,000-module kernel.
# It prints a table with the ratios, and keeps the raw results in target/bench/.
#
#   usage: scripts/bench.sh [--quick]      (--quick: fewer runs and iterations, for a smoke test)
#
# Needs JDK 25 and Maven (as ./kmod4j); installs hyperfine and kmod with apt-get when root; downloads Debian's
# linux-image-amd64 package (no installation: it is unpacked under target/bench/ and indexed with depmod -b).
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$here/scripts/jdk.sh"
kmod4j_find_jdk || exit 1
export JAVA_HOME
java="$JAVA_HOME/bin/java"
quick=0
[ "${1:-}" = --quick ] && quick=1
runs=$([ $quick = 1 ] && echo 3 || echo 15)
jmh_opts=(-f 1 -wi 3 -i 5 -w 1s -r 1s)
[ $quick = 1 ] && jmh_opts=(-f 1 -wi 1 -i 1 -w 500ms -r 500ms)
out="$here/target/bench"
mkdir -p "$out"
log() { printf 'bench: %s\n' "$*" >&2; }

need() { # COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    else
        log "$1 is missing (apt-get install $2)"
        exit 1
    fi
}
need hyperfine hyperfine
need kmod kmod
need depmod kmod

log "building kmod4j and the benchmarks"
"$here/kmod4j" --version >/dev/null # the jar and its AOT cache
(cd "$here/jmh" && mvn -q -B -ntp package >&2)
jmh_jar="$here/jmh/target/jmh.jar"

# ---- Debian's module graph: linux-image-amd64's kernel package, unpacked and indexed here, not installed ------
graph_dir="$out/linux-image"
dep="$(ls "$graph_dir"/lib/modules/*/modules.dep 2>/dev/null | head -n 1 || true)"
if [ -z "$dep" ]; then
    pkg="$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)"
    if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq >/dev/null
        pkg="$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)"
    fi
    [ -n "$pkg" ] || { log "cannot find the package linux-image-amd64 depends on (apt-get update as root)"; exit 1; }
    log "downloading $pkg (unpacked under $graph_dir, not installed)"
    rm -rf "$graph_dir" && mkdir -p "$graph_dir/deb"
    (cd "$graph_dir/deb" && apt-get -o APT::Sandbox::User=root download -q "$pkg" >/dev/null)
    dpkg-deb -x "$graph_dir"/deb/*.deb "$graph_dir"
    release="$(ls "$graph_dir/lib/modules" | head -n 1)"
    depmod -b "$graph_dir" "$release" 2>/dev/null
    dep="$graph_dir/lib/modules/$release/modules.dep"
fi
graph_cp=(-cp "$jmh_jar")
"$java" "${graph_cp[@]}" org.kmod4j.bench.ModuleGraph "$dep" >"$out/graph.scn"
"$java" "${graph_cp[@]}" org.kmod4j.bench.ModuleGraph --chain 2001 >"$out/chain2001.scn"
"$java" "${graph_cp[@]}" org.kmod4j.bench.ModuleGraph --chain 1 >"$out/chain1.scn"
modules=$(grep -c '^load ' "$out/graph.scn")
# A module of the graph with dependencies, for modprobe -r: the last one loaded (it needs the most).
top="$(grep '^load ' "$out/graph.scn" | tail -n 1 | cut -d' ' -f2)"
printf 'module %s\nload %s\n' "$top" "$top" >"$out/one.scn"
printf 'module m\nload m\ncat /proc/modules\n' >"$out/three-lines.scn"
python3 -c 'print("module m")
for i in range(20000): print("bg cat /proc/sys/kernel/tainted")' >"$out/bg20000.scn"

# A fixture for lsmod --root: three modules.
fx="$out/fixture"
rm -rf "$fx" && mkdir -p "$fx/proc" "$fx/sys/module"
printf 'c 16384 0 - Live 0xffffffffc0002000\nb 16384 1 c, Live 0xffffffffc0001000\na 16384 1 b, Live 0xffffffffc0000000\n' \
    >"$fx/proc/modules"
for m in a b c; do mkdir -p "$fx/sys/module/$m/holders"; echo live >"$fx/sys/module/$m/initstate"; done
echo 1 >"$fx/sys/module/a/refcnt"; echo 1 >"$fx/sys/module/b/refcnt"; echo 0 >"$fx/sys/module/c/refcnt"

# A JVM 25 hello-world: the floor of any JVM tool's start-up.
mkdir -p "$out/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' \
    >"$out/hello/Hello.java"
"$JAVA_HOME/bin/javac" -d "$out/hello" "$out/hello/Hello.java"

k="$here/kmod4j"
log "start-up and scale (hyperfine, $runs runs each)"
hyperfine -N -i --warmup 2 --runs "$runs" --export-json "$out/hyperfine.json" \
    -n hello-world "$java -cp $out/hello Hello" \
    -n kmod-lsmod "kmod lsmod" \
    -n lsmod-root "$k lsmod --root $fx" \
    -n sim-run-3-lines "$k sim run $out/three-lines.scn" \
    -n lsmod-sim-1 "$k lsmod --sim $out/one.scn" \
    -n lsmod-sim-graph "$k lsmod --sim $out/graph.scn" \
    -n rmmod-sim-1 "$k rmmod --sim $out/one.scn $top" \
    -n rmmod-sim-graph "$k rmmod --sim $out/graph.scn $top" \
    -n modprobe-r-sim-1 "$k modprobe -r --sim $out/one.scn $top" \
    -n modprobe-r-sim-graph "$k modprobe -r --sim $out/graph.scn $top" \
    -n sim-run-1 "$k sim run $out/one.scn" \
    -n sim-run-graph "$k sim run $out/graph.scn" \
    -n modprobe-r-chain-1 "$k modprobe -r --sim $out/chain1.scn m0" \
    -n modprobe-r-chain-2001 "$k modprobe -r --sim $out/chain2001.scn m2000" \
    >/dev/null
/usr/bin/time -f '%e %M' -o "$out/bg20000.time" "$k" sim run "$out/bg20000.scn" >/dev/null

log "JMH (${jmh_opts[*]})"
"$java" -jar "$jmh_jar" "${jmh_opts[@]}" -p modulesDep="$dep" -rf json -rff "$out/jmh.json" >"$out/jmh.log" 2>&1 \
    || { tail -n 30 "$out/jmh.log" >&2; exit 1; }
"$java" -cp "$jmh_jar" org.kmod4j.bench.KernelHeap >"$out/heap.txt"

python3 - "$out" "$modules" "$(nproc)" "$("$java" -version 2>&1 | head -n 1)" <<'PY'
import json, sys
out, modules, cpus, jvm = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
h = {r["command"]: r for r in json.load(open(out + "/hyperfine.json"))["results"]}
ms = lambda n: h[n]["median"] * 1000
j = {r["benchmark"].split(".")[-1]: r["primaryMetric"] for r in json.load(open(out + "/jmh.json"))}
score = lambda n: j[n]["score"]
t, rss = open(out + "/bg20000.time").read().split()
heap = open(out + "/heap.txt").read().strip()
rows = []
def row(what, value, against, ratio, goal, ok):
    rows.append((what, value, against, ratio, goal, "met" if ok else "MISSED"))
hw = ms("hello-world")
row("lsmod --root FIXTURE", f"{ms('lsmod-root'):.0f} ms", f"hello-world {hw:.0f} ms", f"{ms('lsmod-root')/hw:.2f}x", "<= 1.3x", ms('lsmod-root') / hw <= 1.3)
row("sim run (3 lines)", f"{ms('sim-run-3-lines'):.0f} ms", f"hello-world {hw:.0f} ms", f"{ms('sim-run-3-lines')/hw:.2f}x", "<= 1.5x", ms('sim-run-3-lines') / hw <= 1.5)
kl = ms("kmod-lsmod")
row("lsmod --root FIXTURE (JVM)", f"{ms('lsmod-root'):.0f} ms", f"kmod lsmod {kl:.1f} ms", f"{ms('lsmod-root')/kl:.0f}x", "<= 3x (needs a native image)", ms('lsmod-root') / kl <= 3)
for tool in ("lsmod-sim", "rmmod-sim", "modprobe-r-sim", "sim-run"):
    a, b = ms(tool + "-1"), ms(tool + "-graph")
    row(f"{tool.replace('-sim', ' --sim').replace('sim-run', 'sim run')}, {modules} modules", f"{b:.0f} ms", f"1 module {a:.0f} ms", f"{b/a:.2f}x", "<= 2x", b / a <= 2)
a, b = ms("modprobe-r-chain-1"), ms("modprobe-r-chain-2001")
row("modprobe -r --sim, 2,001-module chain", f"{b:.0f} ms", f"1 module {a:.0f} ms", f"{b/a:.2f}x", "<= 2x", b / a <= 2)
row("20,000 background commands", f"{float(t):.2f} s, {int(rss)//1024} MB", "", "", "< 2 s, < 200 MB", float(t) < 2 and int(rss) < 200 * 1024)
for n in ("1Thread", "2Threads"):
    m, c = score("getPutModule" + n), score("getPutBareCas" + n)
    row(f"reference get+put, {n.replace('Thread', ' thread')}", f"{m:.1f} ops/us", f"bare CAS {c:.1f} ops/us", f"{m/c*100:.0f} %", ">= 80 %", m / c >= 0.8)
row("delete_module, 5,000 modules (holders: EWOULDBLOCK)", f"{score('deleteModuleWithHolders'):.2f} us", "", "", "", True)
row("delete_module + load, 5,000 modules", f"{score('deleteModuleThenLoadItAgain'):.2f} us", "", "", "", True)
row("/proc/modules, 5,000 modules", f"{score('procModules'):.0f} us", "", "", "", True)
g = score("loadThenRemoveTheWholeGraph")
row(f"load then remove {modules} modules in process", f"{g:.1f} ms", "", "", "< 100 ms", g < 100)
f, s = score("inProcessDeleteModule"), score("spawnRmmod")
row("removal in process (FFM) vs spawning rmmod", f"{f:.2f} us", f"rmmod {s/1000:.2f} ms", f"{s/f:.0f}x faster", ">= 500x", s / f >= 500)
row("heap of a 5,000-module kernel", heap.split(": ", 1)[1], "", "", "", True)
print(f"machine: {cpus} cores, {jvm}")
print("| measure | kmod4j | compared with | ratio | goal | |")
print("| --- | --- | --- | --- | --- | --- |")
for r in rows:
    print("| " + " | ".join(r) + " |")
PY
