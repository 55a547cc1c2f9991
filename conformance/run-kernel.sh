#!/usr/bin/env bash
# Run the kmod4j conformance scenarios on a real Linux kernel under QEMU.
#
# usage: conformance/run-kernel.sh [-k KVER] [-o OUTDIR] [-j JOBS] [-t SECONDS] [--measure] [SCENARIO ...]
#
#   -k KVER     the guest kernel release (e.g. 6.1.0-57-amd64, 6.12.117+deb12-amd64); default $KVER, else
#               the newest installed /boot/vmlinuz-* with matching headers. A Debian 12 kernel (6.1 or 6.12
#               series) that is missing is installed with apt-get.
#   -o OUTDIR   where NAME.out files and KERNEL_VERSION go (default: conformance/out).
#               A positional argument that contains a '/' (or names an existing
#               directory) is taken as OUTDIR too.
#   -j JOBS     boots run in parallel (default 2)
#   -t SECONDS  timeout of one boot (default 300)
#   --measure   instead of the scenarios, boot once with the kmod4j_sizes notifier
#               module and print the core/init sizes of every test module
#   SCENARIO    names (scenarios/NAME.scn, with or without .scn) to run; default all
#
# Each scenario gets a fresh boot: kernel state such as taint and the
# modules_disabled latch never resets. The probe (/init) writes the records to
# the guest's second serial port, which QEMU writes to a file; everything before
# the first record (the probe's KMOD4J-* header lines) is dropped.
#
# Environment: KVER (as -k), KMOD4J_BUILD (build dir, default conformance/build;
# each kernel builds in its own KMOD4J_BUILD/KVER).
set -euo pipefail

CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$CONF/out"
JOBS=2
TIMEOUT=300
MEASURE=0
SCENARIOS=()

while [ $# -gt 0 ]; do
	case "$1" in
	-k|--kernel) KVER="$2"; shift 2 ;;
	-o|--out) OUT="$2"; shift 2 ;;
	-j|--jobs) JOBS="$2"; shift 2 ;;
	-t|--timeout) TIMEOUT="$2"; shift 2 ;;
	--measure) MEASURE=1; shift ;;
	-h|--help) sed -n '2,27p' "$0"; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 2 ;;
	*)
		if [[ "$1" == *.scn ]]; then
			SCENARIOS+=("$(basename "$1" .scn)")
		elif [[ "$1" == */* ]] || [ -d "$1" ]; then
			OUT="$1"
		else
			SCENARIOS+=("$1")
		fi
		shift ;;
	esac
done

T0=$(date +%s.%N)

. "$CONF/lib.sh"

# ------------------------------------------------------------ prerequisites

need_install() {
	command -v qemu-system-x86_64 >/dev/null || return 0
	command -v gcc >/dev/null || return 0
	command -v make >/dev/null || return 0
	command -v cpio >/dev/null || return 0
	command -v gzip >/dev/null || return 0
	[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || return 0
	if [ -n "${KVER:-}" ]; then
		[ -e "/boot/vmlinuz-$KVER" ] && [ -d "/usr/src/linux-headers-$KVER" ] || return 0
	else
		[ -n "$(pick_kver)" ] || return 0
	fi
	return 1
}

if need_install; then
	# The kernel packages: those of the requested release's Debian 12 series, else Debian 12's default (6.1).
	series=6.1
	if [ -n "${KVER:-}" ]; then
		series="$(printf '%s' "$KVER" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')"
	fi
	kpkgs="$(debian12_packages "$series")"
	[ -n "$kpkgs" ] || kpkgs="linux-image-$KVER linux-headers-$KVER"
	log "installing qemu, kernel image and headers ($kpkgs), gcc, make, cpio (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq qemu-system-x86 $kpkgs gcc make cpio gzip libc6-dev kmod >/dev/null
fi

KVER="${KVER:-$(pick_kver)}"
if [ -z "$KVER" ] || [ ! -e "/boot/vmlinuz-$KVER" ] || [ ! -d "/usr/src/linux-headers-$KVER" ]; then
	log "no guest kernel with matching headers found (KVER=$KVER)"
	exit 1
fi
KERNEL="/boot/vmlinuz-$KVER"
BUILD="${KMOD4J_BUILD:-$CONF/build}/$KVER"
if [ ! -r "$KERNEL" ]; then
	log "$KERNEL is not readable"
	exit 1
fi

# ------------------------------------------------------------ build
mkdir -p "$BUILD"
rm -rf "$BUILD/modules" "$BUILD/root"
mkdir -p "$BUILD/modules" "$BUILD/root"/{modules,scenarios,dev,proc,sys}
cp "$CONF"/modules/*.c "$CONF"/modules/Kbuild "$CONF"/modules/Makefile "$BUILD/modules/"
if ! make -s -C "/usr/src/linux-headers-$KVER" M="$BUILD/modules" modules >"$BUILD/modules.log" 2>&1; then
	cat "$BUILD/modules.log" >&2
	log "module build failed"
	exit 1
fi
gcc -static -O2 -Wall -o "$BUILD/root/init" "$CONF/probe/probe.c"
cp "$BUILD"/modules/*.ko "$BUILD/root/modules/"
# One signed in-tree module from the kernel package: a module that brings no taint.
# 6.12's package ships it xz-compressed; the signature is appended before compression, so the unpacked
# file is still signed and the probe's plain finit_module (flags 0) loads it.
INTREE="/lib/modules/$KVER/kernel/lib/ts_kmp.ko"
if [ -f "$INTREE" ]; then
	cp "$INTREE" "$BUILD/root/modules/"
elif [ -f "$INTREE.xz" ]; then
	xz -dc "$INTREE.xz" >"$BUILD/root/modules/ts_kmp.ko"
elif [ -f "$INTREE.zst" ]; then
	zstd -q -dc "$INTREE.zst" >"$BUILD/root/modules/ts_kmp.ko"
else
	log "warning: $INTREE not found; scenario intree_signed_module will fail"
fi
cp "$CONF"/scenarios/*.scn "$BUILD/root/scenarios/"
cp "$CONF/tools/measure-sizes.scn" "$BUILD/root/scenarios/_measure_sizes.scn"
(cd "$BUILD/root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1 >"$BUILD/initrd.gz")

# ------------------------------------------------------------ boot
# boot NAME RUNDIR [extra kernel args]
boot() {
	local name="$1" dir="$2" extra="${3:-}"
	rm -rf "$dir"
	mkdir -p "$dir"
	local rc=0
	timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -smp 1 -m 512 -nographic -no-reboot \
		-kernel "$KERNEL" -initrd "$BUILD/initrd.gz" \
		-append "console=ttyS0 panic=-1 $extra kmod4j.scenario=$name" \
		-serial "file:$dir/console.log" -serial "file:$dir/records.raw" \
		-monitor none -nic none </dev/null >"$dir/qemu.log" 2>&1 || rc=$?
	echo "$rc" >"$dir/rc"
	return 0
}

# extract RAW OUTFILE: keep from the first record on; succeed when the last line is DONE
extract() {
	local raw="$1" dest="$2"
	awk 'f || /^(RESULT|CAT|LS) [0-9]/ || /^DONE$/ { f = 1; print }' "$raw" >"$dest.tmp"
	mv "$dest.tmp" "$dest"
	[ "$(tail -n 1 "$dest")" = "DONE" ]
}

if [ "$MEASURE" = 1 ]; then
	dir="$BUILD/runs/_measure_sizes"
	boot _measure_sizes "$dir" "loglevel=4"
	log "sizes laid out by $KVER (core = Live size in /proc/modules and coresize;"
	log "init = the extra size while Loading, and initsize):"
	grep -a -o 'KMOD4J-SIZES .*' "$dir/console.log" | tr -d '\r' | sed 's/^KMOD4J-SIZES /  /'
	log "records: $dir/records.raw"
	exit 0
fi

if [ ${#SCENARIOS[@]} -eq 0 ]; then
	for f in "$CONF"/scenarios/*.scn; do
		SCENARIOS+=("$(basename "$f" .scn)")
	done
fi
for s in "${SCENARIOS[@]}"; do
	if [ ! -f "$CONF/scenarios/$s.scn" ]; then
		log "no such scenario: $s"
		exit 2
	fi
done

mkdir -p "$OUT"
RESULTS="$BUILD/results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
TOTAL=${#SCENARIOS[@]}

run_one() {
	local idx="$1" name="$2"
	local dir="$BUILD/runs/$name" t1 t2 status
	t1=$(date +%s.%N)
	boot "$name" "$dir" "quiet"
	t2=$(date +%s.%N)
	if extract "$dir/records.raw" "$OUT/$name.out"; then
		status=ok
		if [ ! -s "$RESULTS/version" ]; then
			{
				grep -a -m1 '^KMOD4J-RELEASE ' "$dir/records.raw" | sed 's/^KMOD4J-RELEASE //'
				grep -a -m1 '^KMOD4J-VERSION ' "$dir/records.raw" | sed 's/^KMOD4J-VERSION //'
			} >"$RESULTS/version.$name"
			mv "$RESULTS/version.$name" "$RESULTS/version" 2>/dev/null || true
		fi
	else
		status="FAILED (qemu rc $(cat "$dir/rc"); see $dir/console.log)"
		echo "$name" >"$RESULTS/failed.$name"
	fi
	printf '[%2d/%d] %-40s %s (%.1fs)\n' "$idx" "$TOTAL" "$name" "$status" \
		"$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')"
}

i=0
for s in "${SCENARIOS[@]}"; do
	i=$((i + 1))
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n || true
	done
	run_one "$i" "$s" &
done
wait

if [ -s "$RESULTS/version" ]; then
	cp "$RESULTS/version" "$OUT/KERNEL_VERSION"
fi
T1=$(date +%s.%N)
nfail=$(find "$RESULTS" -name 'failed.*' | wc -l)
printf 'kernel %s: %d scenarios, %d failed, %.0f s total; outputs in %s\n' \
	"$KVER" "$TOTAL" "$nfail" "$(awk -v a="$T0" -v b="$T1" 'BEGIN { print b - a }')" "$OUT"
[ "$nfail" -eq 0 ]
