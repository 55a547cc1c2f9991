#!/usr/bin/env bash
# End-to-end check of kmod4j's lsmod, rmmod and modprobe -r against Debian's kmod 30 on a REAL kernel under QEMU.
#
# usage: conformance/tools-e2e/run.sh [-t SECONDS] [-k] [--compare-only | --build-only] [CASE ...]
#
#   -t SECONDS      timeout of one boot (default 1800)
#   -k, --keep      reuse the last build (runtime, jar, modules) and only refresh init.sh and cases.sh
#   --compare-only  do not boot; compare the records of the last run again
#   --build-only    build the initramfs and stop
#   CASE            run only these cases (names from cases.sh); default all
#
# The guest is booted twice, in parallel, from the same initramfs: once running kmod's tools (Debian's kmod 30
# binary) and once running kmod4j's (java -jar kmod4j-tools.jar rmmod|lsmod|modprobe on a jlinked runtime). Both boots
# go through exactly the same cases in the same order, so each tool sees the same module state, including the
# kernel's taint, which a forced unload changes for good. Each case: unload what is left, set up the state
# (insmod/modprobe with kmod, open devices, background unloads), run the tool under test, capture stdout,
# stderr, exit status, /proc/modules and /proc/sys/kernel/tainted, and write a record to the second serial port.
# The host then compares the two boots case by case (see compare() below for the normalisation and the
# documented differences) and prints `agree`, `differs as documented`, `skipped: REASON` or `DIFFERS`.
# The kmod4j boot also checks kmod4j explain (docs/explain-accuracy.md): before each rmmod/modprobe case it takes
# `kmod4j snapshot`, runs `kmod4j explain COMMAND --sim SNAPSHOT --json`, and runs the real command under strace
# (delete_module calls only); accuracy.py then prints predicted vs observed per case ($BUILD/accuracy.md).
#
# Environment: KVER (guest kernel release; default: the newest installed Debian 12 6.1 kernel with headers, the
# kernel the documented differences below were recorded on, even when 6.12 is installed beside it; a release
# that is not installed gets its Debian 12 series' image and headers with apt-get, as do QEMU, kmod and strace),
# KMOD4J_BUILD (build directory, default conformance/build; this script uses its tools-e2e/ subdirectory).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF="$(dirname "$HERE")"
REPO="$(dirname "$CONF")"
TIMEOUT=1800
KEEP=0
COMPARE_ONLY=0
BUILD_ONLY=0
SELECTED=()

while [ $# -gt 0 ]; do
	case "$1" in
	-t|--timeout) TIMEOUT="$2"; shift 2 ;;
	-k|--keep) KEEP=1; shift ;;
	--compare-only) COMPARE_ONLY=1; shift ;;
	--build-only) BUILD_ONLY=1; shift ;;
	-h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 2 ;;
	*) SELECTED+=("$1"); shift ;;
	esac
done

BUILD="${KMOD4J_BUILD:-$CONF/build}/tools-e2e"
ROOT="$BUILD/root"
INITRD="$BUILD/initrd.img"
RUNS="$BUILD/runs"
T0=$(date +%s)

. "$CONF/lib.sh"


# The list of cases, in order, from cases.sh (lines `e2e_case NAME COMMAND...`).
all_cases() {
	sed -n 's/^e2e_case \([a-z0-9_]*\) .*/\1/p' "$HERE/cases.sh"
}

# ===================================================================== build
build_all() {
	# ---------------------------------------------------------- prerequisites
	local missing=()
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	if [ -n "${KVER:-}" ]; then
		# the release asked for: its Debian 12 series' image and headers (lib.sh), when it is not installed
		[ -r "/boot/vmlinuz-$KVER" ] && [ -d "/usr/src/linux-headers-$KVER" ] ||
			missing+=($(debian12_packages "$(echo "$KVER" | cut -d. -f1,2)"))
	else
		[ -n "$(pick_kver 6.1)" ] || missing+=($(debian12_packages 6.1))
	fi
	# the observed delete_module calls of explain's accuracy check
	command -v strace >/dev/null || missing+=(strace)
	[ -x /usr/bin/kmod ] || [ -x /bin/kmod ] || missing+=(kmod)
	command -v depmod >/dev/null || missing+=(kmod)
	command -v cpio >/dev/null || missing+=(cpio)
	command -v gcc >/dev/null || missing+=(gcc)
	command -v make >/dev/null || missing+=(make)
	command -v xz >/dev/null || missing+=(xz-utils)
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]} (apt-get)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
	KVER="${KVER:-$(pick_kver 6.1)}"
	if [ -z "$KVER" ] || [ ! -r "/boot/vmlinuz-$KVER" ] || [ ! -d "/lib/modules/$KVER/kernel" ]; then
		log "no usable guest kernel (KVER=$KVER): need /boot/vmlinuz-KVER, /usr/src/linux-headers-KVER, /lib/modules/KVER"
		exit 1
	fi

	# ---------------------------------------------------------- JDK 25 and the jar
	# shellcheck source=../../scripts/jdk.sh
	. "$REPO/scripts/jdk.sh"
	kmod4j_find_jdk || exit 1
	local jar="$REPO/tools/target/kmod4j-tools.jar" jarlib="$REPO/tools/target/lib"
	if [ ! -f "$jar" ] || ! ls "$jarlib"/picocli-*.jar "$jarlib"/kmod4j-*.jar >/dev/null 2>&1; then
		command -v mvn >/dev/null || { log "installing maven (apt-get)"; apt-get install -y -qq maven >/dev/null; }
		log "building tools/target/kmod4j-tools.jar (mvn -pl tools -am package)"
		(cd "$REPO" && JAVA_HOME="$JAVA_HOME" mvn -q -B -Dstyle.color=never -DskipTests \
			-Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl tools -am package >&2)
	fi

	rm -rf "$ROOT"
	mkdir -p "$ROOT"/{bin,sbin,dev,proc,sys,tmp,modules,kmod/bin,opt/kmod4j/bin,opt/kmod4j/lib,e2e} "$BUILD"

	# ---------------------------------------------------------- busybox (static)
	local bb=""
	for cand in /bin/busybox /usr/bin/busybox "$BUILD/busybox-static/bin/busybox"; do
		if [ -x "$cand" ] && ! ldd "$cand" >/dev/null 2>&1; then bb="$cand"; break; fi
	done
	if [ -z "$bb" ]; then
		# Debian's busybox-static conflicts with (and would remove) the busybox package that initramfs-tools
		# wants on the host: fetch the package with apt and unpack it here instead of installing it.
		log "fetching busybox-static (apt-get download)"
		rm -rf "$BUILD/busybox-static" "$BUILD/bbx" && mkdir -p "$BUILD/bbx"
		if (cd "$BUILD/bbx" && { apt-get download busybox-static >/dev/null 2>&1 ||
			{ apt-get update -qq && apt-get download busybox-static >/dev/null 2>&1; }; } &&
			dpkg-deb -x busybox-static_*.deb root) && [ -x "$BUILD/bbx/root/bin/busybox" ]; then
			mkdir -p "$BUILD/busybox-static/bin"
			mv "$BUILD/bbx/root/bin/busybox" "$BUILD/busybox-static/bin/busybox"
			bb="$BUILD/busybox-static/bin/busybox"
		else
			# a dynamic busybox does as well: its shared libraries are copied below with kmod's
			command -v busybox >/dev/null || apt-get install -y -qq busybox >/dev/null
			bb="$(command -v busybox)"
			log "busybox-static unavailable; using the dynamic $bb"
		fi
		rm -rf "$BUILD/bbx"
	fi
	cp "$bb" "$ROOT/bin/busybox"
	local applet
	for applet in sh ash cat echo sed grep cut sleep mount umount stty sync poweroff ls mkdir rm cp \
		wc tr head tail awk date syslogd true false test printf uname env sort kill ps dmesg timeout; do
		ln -sf busybox "$ROOT/bin/$applet"
	done

	# ---------------------------------------------------------- kmod 30 with its shared libraries
	local kmodbin
	kmodbin="$(readlink -f "$(command -v kmod || echo /bin/kmod)")"
	cp "$kmodbin" "$ROOT/bin/kmod"
	for applet in lsmod rmmod modprobe insmod depmod modinfo; do
		ln -sf ../../bin/kmod "$ROOT/kmod/bin/$applet"
	done
	"$kmodbin" --version >"$ROOT/e2e/kmod-version" 2>&1 || true

	# ---------------------------------------------------------- jlinked runtime
	local pico mods
	pico="$(ls "$jarlib"/*.jar | paste -sd: -)"
	mods="$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
		--class-path "$pico" "$jar" 2>/dev/null | tail -n 1)"
	mods="$(echo "java.base,$mods" | tr ',' '\n' | grep . | sort -u | paste -sd, -)"
	if [ ! -x "$BUILD/jre/bin/java" ] || [ "$(cat "$BUILD/jre.modules" 2>/dev/null)" != "$mods $JAVA_HOME" ]; then
		log "jlink: $mods"
		rm -rf "$BUILD/jre"
		"$JAVA_HOME/bin/jlink" --add-modules "$mods" --strip-debug --no-header-files --no-man-pages \
			--compress=zip-6 --generate-cds-archive --output "$BUILD/jre" >"$BUILD/jlink.log" 2>&1 ||
			{ cat "$BUILD/jlink.log" >&2; exit 1; }
		# Only the compressed-oops CDS archive is used with a small heap.
		rm -f "$BUILD/jre/lib/server/classes_nocoops.jsa"
		echo "$mods $JAVA_HOME" >"$BUILD/jre.modules"
	fi
	cp -a "$BUILD/jre" "$ROOT/opt/jre"
	cp -p "$jar" "$ROOT/opt/kmod4j/"
	cp -p "$jarlib"/*.jar "$ROOT/opt/kmod4j/lib/"
	# kmod4j itself (snapshot, explain: the accuracy check in init.sh)
	cat >"$ROOT/opt/kmod4j/bin/kmod4j" <<'EOF'
#!/bin/sh
exec /opt/jre/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xmx64m -Xss1m \
	--enable-native-access=ALL-UNNAMED -jar /opt/kmod4j/kmod4j-tools.jar "$@"
EOF
	chmod 755 "$ROOT/opt/kmod4j/bin/kmod4j"
	for applet in lsmod rmmod modprobe; do
		cat >"$ROOT/opt/kmod4j/bin/$applet" <<'EOF'
#!/bin/sh
# kmod4j's tool, called by its own name (as the launcher ./kmod4j does through a symlink).
exec /opt/jre/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xmx64m -Xss1m \
	--enable-native-access=ALL-UNNAMED -jar /opt/kmod4j/kmod4j-tools.jar "${0##*/}" "$@"
EOF
		chmod 755 "$ROOT/opt/kmod4j/bin/$applet"
	done
	# Does this jar have modprobe yet? (Written by another engineer; until then those cases are skipped.)
	if "$JAVA_HOME/bin/java" -jar "$jar" modprobe -V 2>/dev/null | grep -q '^kmod version'; then
		echo yes >"$ROOT/e2e/kmod4j-has-modprobe"
	else
		echo no >"$ROOT/e2e/kmod4j-has-modprobe"
	fi

	# ---------------------------------------------------------- strace (the observed delete_module calls)
	if command -v strace >/dev/null; then
		cp "$(readlink -f "$(command -v strace)")" "$ROOT/bin/strace"
	else
		log "no strace on the host: the accuracy check compares exit statuses and /proc/modules only"
	fi

	# ---------------------------------------------------------- shared libraries (ldd), with ld.so
	local f lib
	{
		for f in "$ROOT/bin/kmod" "$ROOT/bin/busybox" $([ -x "$ROOT/bin/strace" ] && echo "$ROOT/bin/strace") $(find "$ROOT/opt/jre" -type f \( -name '*.so' -o -path '*/bin/*' \)); do
			{ ldd "$f" 2>/dev/null || true; } | awk '/=> \// { print $3 } /^\t\/[^ ]*ld-linux/ { print $1 }'
		done
	} | sort -u >"$BUILD/libs.txt"
	while read -r lib; do
		case "$lib" in "$ROOT"/*) continue ;; esac
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done <"$BUILD/libs.txt"

	# ---------------------------------------------------------- test modules (conformance/modules)
	rm -rf "$BUILD/modules" && mkdir -p "$BUILD/modules"
	cp "$CONF"/modules/*.c "$CONF"/modules/Kbuild "$CONF"/modules/Makefile "$BUILD/modules/"
	if ! make -s -C "/usr/src/linux-headers-$KVER" M="$BUILD/modules" modules >"$BUILD/modules.log" 2>&1; then
		cat "$BUILD/modules.log" >&2
		log "module build failed"
		exit 1
	fi
	cp "$BUILD"/modules/kmod4j_*.ko "$ROOT/modules/"
	rm -f "$ROOT/modules/kmod4j_sizes.ko"

	# ---------------------------------------------------------- Debian modules + depmod
	local mdir="$ROOT/lib/modules/$KVER" m src
	mkdir -p "$mdir"
	for m in soundcore snd snd-timer snd-pcm snd-hwdep snd-seq-device snd-rawmidi dummy; do
		src="$(find "/lib/modules/$KVER/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \) | head -n 1)"
		[ -n "$src" ] || { log "module $m not found in /lib/modules/$KVER"; exit 1; }
		local rel="${src#/lib/modules/$KVER/}"
		mkdir -p "$mdir/$(dirname "$rel")"
		case "$src" in
		*.xz) xz -dc "$src" >"$mdir/${rel%.xz}" ;;
		*.zst) zstd -qdc "$src" >"$mdir/${rel%.zst}" ;;
		*) cp "$src" "$mdir/$rel" ;;
		esac
	done
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -f "/lib/modules/$KVER/$f" ] && cp "/lib/modules/$KVER/$f" "$mdir/"
	done
	depmod -b "$ROOT" "$KVER"

	echo "$KVER" >"$BUILD/kver"
	pack
}

# /init and the cases (always fresh, also with -k), then the cpio archive
pack() {
	cp "$HERE/init.sh" "$ROOT/init"
	cp "$HERE/cases.sh" "$ROOT/e2e/cases.sh"
	chmod 755 "$ROOT/init"
	(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -6 >"$INITRD")
	log "initramfs: $(du -h "$INITRD" | cut -f1) compressed, $(du -sh "$ROOT" | cut -f1) unpacked" \
		"(jre $(du -sh "$ROOT/opt/jre" | cut -f1)); kmod4j modprobe: $(cat "$ROOT/e2e/kmod4j-has-modprobe")"
}

# ===================================================================== boot
# boot TOOL: one boot running every selected case with TOOL (kmod or kmod4j)
boot() {
	local tool="$1" dir="$RUNS/$1" rc=0 t1
	rm -rf "$dir" && mkdir -p "$dir"
	t1=$(date +%s)
	timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -smp 1 -m 1536 -nographic -no-reboot \
		-kernel "/boot/vmlinuz-$KVER" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 quiet e2e.tool=$tool e2e.cases=$CASELIST" \
		-serial "file:$dir/console.log" -serial "file:$dir/records.raw" \
		-monitor none -nic none </dev/null >"$dir/qemu.log" 2>&1 || rc=$?
	echo "$rc" >"$dir/rc"
	tr -d '\r' <"$dir/records.raw" >"$dir/records.txt"
	log "boot $tool: $(( $(date +%s) - t1 )) s, qemu exit $rc, $(grep -c '^@END ' "$dir/records.txt" || true) case records"
}

# ===================================================================== compare
# split RECORDS OUTDIR: one directory per case with files cmd stdout stderr exit proc tainted before setup skip
split_records() {
	local records="$1" out="$2"
	rm -rf "$out" && mkdir -p "$out"
	awk -v out="$out" '
		/^@CASE / { c = $2; dir = out "/" c; system("mkdir -p " dir); field = ""; next }
		/^@END / { c = ""; next }
		c == "" { next }
		/^@(CMD|EXIT|TAINTED|SKIP|CWD|TIME|PREDICTRC|KILLED) / { f = tolower(substr($1, 2)); v = substr($0, length($1) + 2);
			print v > (dir "/" f); close(dir "/" f); next }
		/^@[A-Z]+$/ { field = tolower(substr($1, 2)); printf "" > (dir "/" field); next }
		/^\|/ { if (field != "") print substr($0, 2) > (dir "/" field); next }
	' "$records"
}

# The normalisation applied to both sides: kmod's debug source locations, and the load addresses and sizes of
# /proc/modules (both boots run the same kernel, so a size never differs between them; it differs between kernels,
# 6.1's snd is 126976 bytes and 6.12's 151552, and the documented lines below hold for both).
normalise_stderr() {
	sed -E -e 's#^(([a-z]+\.[a-z]+ )?[a-z]+: [A-Z]+: )\.\./libkmod/[A-Za-z0-9_.-]+\.c:[0-9]+ [A-Za-z0-9_]+\(\) #\1#' \
		-e 's#^libkmod: [A-Z]+ \.\./libkmod/[A-Za-z0-9_.-]+\.c:[0-9]+ ([A-Za-z0-9_]+): #libkmod: \1: #'
}
normalise_syslog() {
	sed -E 's/^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [^ ]+ //'
}
normalise_proc() {
	sed -E -e 's/ 0x[0-9a-f]+( |$)/ ADDR\1/' -e 's/^([^ ]+) [0-9]+ /\1 SIZE /'
}

# Documented differences (docs/tools.md, "Deliberate differences from kmod 30": the chosen policy), per case:
#   documented CASE FIELD append|delete|is TEXT WHY
# means: kmod4j's FIELD (stdout, stderr, exit, syslog, proc, ...) is kmod's (normalised) with the `delete` lines
# removed (every line equal to one), then the `append` lines added at the end; or, with `is`, exactly TEXT.
# Every other difference, and a documented one that does not show up, is a failure.
declare -A DOC_APPEND DOC_DELETE DOC_IS DOC_WHY
documented() {
	local c="$1" field="$2" op="$3" line="$4" why="$5"
	case "$op" in
	append) DOC_APPEND["$c/$field"]+="$line"$'\n' ;;
	delete) DOC_DELETE["$c/$field"]+="$line"$'\n' ;;
	is) DOC_IS["$c/$field"]="${line:+$line$'\n'}" ;;
	esac
	DOC_WHY["$c"]="$why"
}
# rmmod and lsmod: docs/tools.md, "Deliberate differences from kmod 30".
W='kmod 30 fails silently on a module being unloaded; kmod4j names the reason'
documented rmmod_going stderr append 'rmmod: ERROR: Module kmod4j_gate is being unloaded' "$W"
W='-V: the feature line is true for kmod4j (no decompression, no signatures)'
documented rmmod_version stdout delete '+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL' "$W"
documented rmmod_version stdout append '-ZSTD -XZ -ZLIB -LIBCRYPTO -EXPERIMENTAL' "$W"
W='"could not use module" ends the run with status 0 in kmod 30, 1 in kmod4j (as kmod 34)'
documented rmmod_dir_slash exit is '1' "$W"
W='-s: kmod 30 sends "in use by:" to syslog and the holder names to stderr; kmod4j logs one message'
documented rmmod_syslog_holders stderr delete ' snd_timer' "$W"
documented rmmod_syslog_holders syslog delete 'daemon.err rmmod: ERROR: Module snd is in use by:' "$W"
documented rmmod_syslog_holders syslog append 'daemon.err rmmod: ERROR: Module snd is in use by: snd_timer' "$W"

# modprobe -r: the chosen policy of kmod4j's modprobe (org.kmod4j.tools.Modprobe and ModprobeSideBySideTest; to be
# listed in docs/tools.md with the tool).
W='modprobe -r: the cleanup of dependencies that became unused is recursive (as kmod <= 29)'
documented modprobe_r_deps stdout append 'rmmod snd' "$W"
documented modprobe_r_deps stdout append 'rmmod soundcore' "$W"
documented modprobe_r_deps proc delete 'snd SIZE 0 - Live ADDR' "$W"
documented modprobe_r_deps proc delete 'soundcore SIZE 1 snd, Live ADDR' "$W"
documented modprobe_r_symbol stdout append 'rmmod soundcore' "$W"
documented modprobe_r_symbol proc is '' "$W"
documented modprobe_r_all stdout is $'rmmod snd_pcm\nrmmod snd_timer\nrmmod snd\nrmmod soundcore\nrmmod dummy' "$W"
documented modprobe_r_all proc is '' "$W"
documented modprobe_r_softdep stdout is $'rmmod snd_seq_device\nrmmod snd_hwdep\nrmmod snd\nrmmod soundcore\nrmmod dummy' "$W"
documented modprobe_r_softdep proc is '' "$W"
W='--remove-holders: no second delete_module of a module already removed in the run (kmod master 327c587); recursive cleanup'
documented modprobe_r_holders_twice stdout is $'rmmod snd_pcm\nrmmod snd_timer\nrmmod snd\nrmmod soundcore' "$W"
documented modprobe_r_holders_twice stderr delete "modprobe: ERROR: could not remove 'snd_timer': No such file or directory" "$W"
documented modprobe_r_holders_twice exit is '0' "$W"
documented modprobe_r_holders_twice proc delete 'snd SIZE 0 - Live ADDR' "$W"
documented modprobe_r_holders_twice proc delete 'soundcore SIZE 1 snd, Live ADDR' "$W"
W='-w: a timeout is an error (kmod master 2537c17); kmod 30 reports success'
documented modprobe_r_wait_timeout stderr append "modprobe: ERROR: could not remove 'snd_timer': Resource temporarily unavailable" "$W"
documented modprobe_r_wait_timeout exit is '1' "$W"
W='--remove-holders implies -r (kmod master 15edeed); kmod 30 inserts (snd_pcm is loaded: nothing to do); recursive cleanup'
documented modprobe_remove_holders_without_r stdout is $'rmmod snd_pcm\nrmmod snd_timer\nrmmod snd\nrmmod soundcore' "$W"
documented modprobe_remove_holders_without_r proc is '' "$W"

# expected_kmod4j CASE FIELD FILE: kmod's (normalised) FILE with the documented edits of CASE/FIELD
expected_kmod4j() {
	local c="$1" field="$2" file="$3" line
	if [ -n "${DOC_IS[$c/$field]+set}" ]; then
		printf '%s' "${DOC_IS[$c/$field]}"
		return
	fi
	if [ -n "${DOC_DELETE[$c/$field]:-}" ]; then
		awk -v del="${DOC_DELETE[$c/$field]}" 'BEGIN { n = split(del, d, "\n"); for (i = 1; i <= n; i++) if (d[i] != "") drop[d[i]] = 1 }
			!($0 in drop)' "$file"
	else
		cat "$file"
	fi
	if [ -n "${DOC_APPEND[$c/$field]:-}" ]; then
		printf '%s' "${DOC_APPEND[$c/$field]}"
	fi
}

compare() {
	local a="$BUILD/results/kmod" b="$BUILD/results/kmod4j" c pass=0 fail=0 skip=0 field status report
	split_records "$RUNS/kmod/records.txt" "$a"
	split_records "$RUNS/kmod4j/records.txt" "$b"
	report="$BUILD/report.txt"
	: >"$report"
	for c in $CASES; do
		local da="$a/$c" db="$b/$c" cmd
		cmd="$(cat "$da/cmd" 2>/dev/null || cat "$db/cmd" 2>/dev/null || echo '?')"
		if [ ! -f "$da/exit" ] && [ ! -f "$da/skip" ]; then
			printf '%-34s DIFFERS: no record from the kmod boot (see %s)\n' "$c" "$RUNS/kmod/console.log"
			fail=$((fail + 1)); continue
		fi
		if [ -f "$db/killed" ]; then
			printf '%-34s DIFFERS: kmod4j did not end within %s s and was killed\n' "$c" "$(cat "$db/killed")"
			fail=$((fail + 1)); continue
		fi
		if [ -f "$da/killed" ]; then
			# cases.sh's e2e_limit: kmod 30 looped forever (for modprobe -w: its get_backoff_delta_msec, see
			# cases.sh), so there is no kmod result to compare with; kmod4j's own result is still in its record
			printf '%-34s %-22s %7s  $ %s   [kmod 30 did not end within %s s and was killed: see cases.sh]\n' \
				"$c" skipped "" "$cmd" "$(cat "$da/killed")"
			skip=$((skip + 1)); continue
		fi
		if [ -f "$db/skip" ] && ! grep -q '^kmod4j modprobe missing' "$db/skip"; then
			printf '%-34s DIFFERS: %s (a stale initramfs? run without -k)\n' "$c" "$(cat "$db/skip")"
			fail=$((fail + 1)); continue
		fi
		if [ -f "$db/skip" ]; then
			printf '%-34s %-22s %7s  $ %s   [%s]\n' "$c" skipped "" "$cmd" "$(cat "$db/skip")"
			skip=$((skip + 1)); continue
		fi
		if [ ! -f "$db/exit" ]; then
			printf '%-34s DIFFERS: no record from the kmod4j boot (see %s)\n' "$c" "$RUNS/kmod4j/console.log"
			fail=$((fail + 1)); continue
		fi
		if grep -qE '^setup_.* failed$|^wait_state: ' "$da/setup" "$db/setup" 2>/dev/null; then
			printf '%-34s DIFFERS: the setup failed (the case checks nothing)\n' "$c"
			grep -H . "$da/setup" "$db/setup" | sed 's/^/    /'
			fail=$((fail + 1)); continue
		fi
		mkdir -p "$BUILD/results/cmp/$c"
		local n="$BUILD/results/cmp/$c" raw_equal=1 exp_equal=1 diffs=""
		for field in before stdout stderr exit syslog proc tainted; do
			touch "$da/$field" "$db/$field"
			case "$field" in
			stderr) normalise_stderr <"$da/$field" >"$n/kmod.$field"; cp "$db/$field" "$n/kmod4j.$field" ;;
			syslog) normalise_syslog <"$da/$field" | normalise_stderr >"$n/kmod.$field"
				normalise_syslog <"$db/$field" >"$n/kmod4j.$field" ;;
			proc|before) normalise_proc <"$da/$field" >"$n/kmod.$field"; normalise_proc <"$db/$field" >"$n/kmod4j.$field" ;;
			*) cp "$da/$field" "$n/kmod.$field"; cp "$db/$field" "$n/kmod4j.$field" ;;
			esac
			cmp -s "$n/kmod.$field" "$n/kmod4j.$field" || raw_equal=0
			expected_kmod4j "$c" "$field" "$n/kmod.$field" >"$n/expected.$field"
			if ! cmp -s "$n/expected.$field" "$n/kmod4j.$field"; then
				exp_equal=0
				diffs+="  $field: kmod (normalised) vs kmod4j:"$'\n'
				diffs+="$(diff -u --label kmod --label kmod4j "$n/kmod.$field" "$n/kmod4j.$field" | sed 's/^/    /')"$'\n'
			fi
		done
		if [ "$exp_equal" = 1 ] && [ -z "${DOC_WHY[$c]:-}" ]; then
			status="agree"
		elif [ "$exp_equal" = 1 ]; then
			status="differs as documented (${DOC_WHY[$c]})"
		else
			status="DIFFERS"
			[ -n "${DOC_WHY[$c]:-}" ] && diffs+="  (documented difference expected: ${DOC_WHY[$c]})"$'\n'
		fi
		local t=""
		[ -s "$db/time" ] && t="$(awk -v cs="$(cat "$db/time")" 'BEGIN { printf "%.1f s", cs / 100 }')"
		if [ "$status" = DIFFERS ]; then
			fail=$((fail + 1))
			printf '%-34s %-22s %7s  $ %s\n%s' "$c" DIFFERS "$t" "$cmd" "$diffs"
			{ printf '== %s: $ %s\n%s' "$c" "$cmd" "$diffs"; } >>"$report"
		else
			pass=$((pass + 1))
			printf '%-34s %-22s %7s  $ %s%s\n' "$c" "${status%% (*}" "$t" "$cmd" \
				"${DOC_WHY[$c]:+   [${DOC_WHY[$c]}]}"
		fi
	done
	printf 'e2e: %d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skip"
	[ "$fail" -eq 0 ]
}

# ===================================================================== main
CASES="$(all_cases | tr '\n' ' ')"
if [ ${#SELECTED[@]} -gt 0 ]; then
	for c in "${SELECTED[@]}"; do
		grep -q "^e2e_case $c " "$HERE/cases.sh" || { log "no such case: $c (see $HERE/cases.sh)"; exit 2; }
	done
	CASES="${SELECTED[*]}"
fi
CASELIST="$(echo $CASES | tr ' ' ',')"

if [ "$COMPARE_ONLY" = 0 ]; then
	if [ "$KEEP" = 1 ] && [ -x "$ROOT/bin/kmod" ] && [ -s "$BUILD/kver" ]; then
		KVER="$(cat "$BUILD/kver")"
		pack
	else
		build_all
	fi
	[ "$BUILD_ONLY" = 1 ] && exit 0
	log "booting $KVER twice (kmod, kmod4j) under TCG; $(echo $CASES | wc -w) cases"
	boot kmod &
	boot kmod4j &
	wait
	for t in kmod kmod4j; do
		if ! grep -q '^@DONE' "$RUNS/$t/records.txt"; then
			log "the $t boot did not finish (timeout ${TIMEOUT}s?): see $RUNS/$t/console.log"
		fi
	done
fi
rc=0
compare || rc=$?
# The accuracy of kmod4j explain (records of the kmod4j boot): predicted vs observed, per rmmod/modprobe case.
if command -v python3 >/dev/null; then
	log "kmod4j explain: predicted vs observed (accuracy.py)"
	python3 "$HERE/accuracy.py" "$BUILD/results/kmod4j" "$(cat "$BUILD/kver" 2>/dev/null || echo "${KVER:-?}")" $CASES \
		>"$BUILD/accuracy.md" || rc=1
	cat "$BUILD/accuracy.md"
else
	log "no python3: the accuracy of kmod4j explain is not compared"
fi
log "total $(( $(date +%s) - T0 )) s; records in $RUNS/{kmod,kmod4j}/records.txt, split per case in $BUILD/results"
exit $rc
