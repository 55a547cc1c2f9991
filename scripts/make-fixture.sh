#!/usr/bin/env bash
# Makes a fixture tree for the tools' --root DIR from a running machine: what lsmod, rmmod and modprobe -r read.
#   usage: scripts/make-fixture.sh [-o DIR] [--from ROOT]
#     -o DIR       where to write the fixture (default: ./fixture); created if missing, refused if not empty
#     --from ROOT  the tree to copy from (default: /, the running machine); a fixture works too
# Copies proc/modules; proc/sys/kernel/{osrelease,tainted,modules_disabled}; for each loaded module,
# sys/module/NAME/{initstate,refcnt,coresize,taint} and holders/ (as links ../../HOLDER); the module directory's
# indexes lib/modules/RELEASE/modules.*; an empty placeholder for each loaded module's .ko file named in modules.dep
# (modprobe only checks that it exists); the *.conf and *.alias files of etc/modprobe.d, run/modprobe.d,
# usr/local/lib/modprobe.d and lib/modprobe.d. It only reads ROOT and writes nothing outside DIR.
set -euo pipefail

out=fixture
from=/
while [ $# -gt 0 ]; do
    case "$1" in
        -o) [ $# -ge 2 ] || { echo "make-fixture: -o needs a directory" >&2; exit 2; }; out="$2"; shift 2 ;;
        -o*) out="${1#-o}"; shift ;;
        --from) [ $# -ge 2 ] || { echo "make-fixture: --from needs a directory" >&2; exit 2; }; from="$2"; shift 2 ;;
        --from=*) from="${1#--from=}"; shift ;;
        -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "make-fixture: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$out" ] || { echo "make-fixture: -o needs a non-empty directory name" >&2; exit 2; }
[ -n "$from" ] || { echo "make-fixture: --from needs a non-empty directory name" >&2; exit 2; }
from="${from%/}"
src() { printf '%s/%s' "$from" "$1"; } # a path of the source tree; from=/ gives /proc/...

if [ ! -d "$from/" ]; then
    echo "make-fixture: --from $from: not a directory" >&2
    exit 1
fi
if [ ! -f "$(src proc/modules)" ]; then
    echo "make-fixture: $(src proc/modules) does not exist: this kernel has no loadable module support" \
        "(CONFIG_MODULES off), so there are no modules to copy; run it on a machine whose kernel loads modules" >&2
    exit 1
fi
release=""
[ -f "$(src proc/sys/kernel/osrelease)" ] && release="$(head -n 1 "$(src proc/sys/kernel/osrelease)")"
if [ -z "$release" ]; then
    if [ -z "$from" ]; then release="$(uname -r)"; else
        echo "make-fixture: $(src proc/sys/kernel/osrelease) is missing or empty: no kernel release" >&2
        exit 1
    fi
fi
case "$release" in
    */*|.|..) echo "make-fixture: kernel release '$release' is not a directory name" >&2; exit 1 ;;
esac

if [ -e "$out" ] || [ -L "$out" ]; then
    if [ -L "$out" ] || [ ! -d "$out" ]; then
        echo "make-fixture: -o $out exists and is not a directory; refusing to write there" >&2
        exit 1
    fi
    if [ -n "$(ls -A -- "$out")" ]; then
        echo "make-fixture: -o $out is not empty; refusing to overwrite it (give a new or empty directory)" >&2
        exit 1
    fi
fi
mkdir -p -- "$out"

# copy REL: a regular file of the source to the same relative path under DIR (links in the source are followed:
# sysfs and /lib are full of them; the copy is always a plain file)
copy() {
    local s
    s="$(src "$1")"
    [ -f "$s" ] || return 0
    mkdir -p -- "$out/$(dirname -- "$1")"
    cat -- "$s" > "$out/$1"
}

copy proc/modules
for f in osrelease tainted modules_disabled; do copy "proc/sys/kernel/$f"; done
[ -f "$out/proc/sys/kernel/osrelease" ] || { mkdir -p "$out/proc/sys/kernel"; echo "$release" > "$out/proc/sys/kernel/osrelease"; }

modules=()
while read -r name _; do
    case "$name" in ''|.|..|*/*) continue ;; esac
    modules+=("$name")
done < "$out/proc/modules"

mkdir -p "$out/sys/module"
for name in "${modules[@]}"; do
    mkdir -p "$out/sys/module/$name/holders"
    for f in initstate refcnt coresize taint; do copy "sys/module/$name/$f"; done
    h="$(src "sys/module/$name/holders")"
    if [ -d "$h" ]; then
        # readdir order, as the kernel lists them (and lsmod prints them)
        while IFS= read -r -d '' entry; do
            holder="${entry##*/}"
            ln -s "../../$holder" "$out/sys/module/$name/holders/$holder"
        done < <(find "$h/" -mindepth 1 -maxdepth 1 -print0)
    fi
done

moddir="lib/modules/$release"
if [ -d "$(src "$moddir")" ]; then
    mkdir -p "$out/$moddir"
    while IFS= read -r -d '' f; do
        copy "$moddir/${f##*/}"
    done < <(find "$(src "$moddir")/" -mindepth 1 -maxdepth 1 -name 'modules.*' -print0)
    # the .ko files of the loaded modules named in modules.dep: empty placeholders (modprobe -r only stat()s them)
    if [ -f "$out/$moddir/modules.dep" ]; then
        declare -A loaded=()
        for name in "${modules[@]}"; do loaded["$name"]=1; done
        while IFS= read -r line; do
            path="${line%%:*}"
            base="${path##*/}"
            base="${base%%.*}"
            base="${base//-/_}"
            case "$path" in /*|*..*|'') continue ;; esac
            if [ -n "${loaded[$base]:-}" ]; then
                mkdir -p -- "$out/$moddir/$(dirname -- "$path")"
                : > "$out/$moddir/$path"
            fi
        done < "$out/$moddir/modules.dep"
    fi
else
    echo "make-fixture: warning: $(src "$moddir") does not exist: no module indexes (modprobe -r will find no" \
        "module by name)" >&2
fi

for d in etc/modprobe.d run/modprobe.d usr/local/lib/modprobe.d lib/modprobe.d; do
    [ -d "$(src "$d")" ] || continue
    mkdir -p "$out/$d"
    while IFS= read -r -d '' f; do
        n="${f##*/}"
        case "$n" in .*) continue ;; *.conf|*.alias) copy "$d/$n" ;; esac
    done < <(find "$(src "$d")/" -mindepth 1 -maxdepth 1 -print0)
done

echo "make-fixture: $out: ${#modules[@]} loaded modules of kernel $release; try: ./kmod4j lsmod --root $out" >&2
