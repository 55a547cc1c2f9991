#!/bin/sh
# /init of the tools end-to-end initramfs (busybox sh). Kernel command line:
#   e2e.tool=kmod|kmod4j   which tools run the cases (kmod: /kmod/bin -> Debian's kmod 30; kmod4j: /opt/kmod4j/bin)
#   e2e.cases=A,B,...      the cases to run, in this order (defined in /e2e/cases.sh)
# Records go to the second serial port /dev/ttyS1 (raw), one per case:
#   @CASE NAME / @CMD ... / @CWD DIR / @SETUP (lines) / @BEFORE (/proc/modules) / @STDOUT / @STDERR / @EXIT N /
#   [@KILLED SECONDS: cases.sh's e2e_limit ended the tool] / @SYSLOG (what syslogd got meanwhile) / @PROC
#   (/proc/modules after) / @TAINTED N / @TIME centiseconds (the tool's run time) / @END NAME
# or @SKIP REASON instead of the tool's outputs. Content lines start with '|'. Then @DONE, and the guest powers off.
# The accuracy check of kmod4j explain (kmod4j boot, rmmod and modprobe cases only): just before the tool runs,
# `kmod4j snapshot -o /tmp/snap-CASE`, then `kmod4j explain COMMAND --sim /tmp/snap-CASE --json` in the case's
# directory, recorded as @PREDICT (explain's JSON on stdout), @PREDICTERR, @PREDICTRC N and @BEFOREREAL (/proc/modules
# again, just before the real command: the state must not have moved since @BEFORE, which the snapshot was taken
# after). The real command then runs under
# `strace -f --seccomp-bpf -e trace=delete_module` (output to a file, so its stdout, stderr and exit are the tool's):
# @STRACE holds the observed delete_module calls. Without a working strace, @STRACE is absent.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
cd /
# syslog (rmmod -s): busybox's syslogd on /dev/log, into /tmp/syslog; each record gets the lines of its case
syslogd -O /tmp/syslog

TOOL=kmod
CASELIST=
for w in $(cat /proc/cmdline); do
	case "$w" in
	e2e.tool=*) TOOL="${w#e2e.tool=}" ;;
	e2e.cases=*) CASELIST="${w#e2e.cases=}" ;;
	esac
done
KVER="$(uname -r)"
case "$TOOL" in
kmod) BIN=/kmod/bin ;;
*) BIN=/opt/kmod4j/bin ;;
esac
HAS_MODPROBE="$(cat /e2e/kmod4j-has-modprobe 2>/dev/null)"
# strace for the observed delete_module calls (kmod4j boot); only if it works here (seccomp-bpf filter, ptrace)
STRACE=
if [ "$TOOL" = kmod4j ] && [ -x /bin/strace ] &&
	/bin/strace -f --seccomp-bpf -qq -e trace=delete_module -e signal=none -o /tmp/strace-probe /bin/true 2>/dev/null; then
	STRACE="/bin/strace -f --seccomp-bpf -qq -s 256 -e trace=delete_module -e signal=none -o /tmp/case/strace"
fi

if [ -c /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	exec 9>/dev/ttyS1
else
	exec 9>/dev/console
fi

# ------------------------------------------------------------------ helpers for cases.sh
e2e_case() {
	local name="$1"
	shift
	eval "CMD_$name=\"\$*\""
}
e2e_cwd() { eval "CWD_$1=\"\$2\""; }
e2e_limit() { eval "LIMIT_$1=\"\$2\""; }
mp() {
	local m
	for m in "$@"; do /kmod/bin/modprobe "$m" || return 1; done
}
ins() {
	local name="$1"
	shift
	/kmod/bin/insmod "/modules/$name.ko" "$@"
}
wait_state() {
	local i=0
	while [ $i -lt 600 ]; do
		[ "$(cat "/sys/module/$1/initstate" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "wait_state: $1 never reached $2" >&2
	return 1
}
# the content of a file, each line prefixed with '|' (a missing final newline is added)
body() { sed 's/^/|/' "$1"; }
uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

# unload everything that can go (kmod4j_noexit stays), newest first, until nothing is left; a module still in use
# (a reference that some exiting process has not dropped yet) gets a few more tries, half a second apart
cleanup() {
	exec 3<&- 4<&-
	wait
	local round=0 moved m left
	while [ $round -lt 40 ]; do
		moved=0
		left=
		for m in $(cut -d' ' -f1 /proc/modules); do
			[ "$m" = kmod4j_noexit ] && continue
			if /kmod/bin/rmmod "$m" 2>/dev/null; then moved=1; else left="$left $m"; fi
		done
		[ -z "$left" ] && return 0
		[ $moved = 0 ] && sleep 0.5
		round=$((round + 1))
	done
	echo "e2e: cleanup could not unload:$left" >/dev/console
}

# predict CASE CMD CWD PROG: the accuracy check's snapshot and explain (see the header); kmod4j boot, rmmod and
# modprobe only. Both only read the guest's state (explain runs the tool on a simulated copy).
predict() {
	local c="$1" cmd="$2" cwd="$3" prog="$4" d=/tmp/case
	[ "$TOOL" = kmod4j ] || return 0
	case "$prog" in rmmod|modprobe) ;; *) return 0 ;; esac
	[ "$prog" = modprobe ] && [ "$HAS_MODPROBE" != yes ] && return 0
	/opt/kmod4j/bin/kmod4j snapshot -o /tmp/snap-$c >$d/predicterr 2>&1
	(cd "$cwd" && exec /opt/kmod4j/bin/kmod4j explain $cmd --sim /tmp/snap-$c --json) >$d/predict 2>>$d/predicterr </dev/null
	echo $? >$d/predictrc
	cat /proc/modules >$d/beforereal
	touch $d/predicted
}

run_case() {
	local c="$1" cmd cwd prog rc t0 t1 n0 lim limit= d=/tmp/case
	eval "cmd=\"\${CMD_$c}\""
	eval "cwd=\"\${CWD_$c:-/}\""
	eval "lim=\"\${LIMIT_$c:-}\""
	[ -n "$lim" ] && limit="timeout -s KILL $lim"
	if [ -z "$cmd" ]; then
		printf '@CASE %s\n@CMD ?\n@SKIP no such case in cases.sh\n@END %s\n' "$c" "$c" >&9
		return
	fi
	cmd="$(echo "$cmd" | sed "s#KVER#$KVER#g")"
	cwd="$(echo "$cwd" | sed "s#KVER#$KVER#g")"
	prog="${cmd%% *}"
	rm -rf $d && mkdir -p $d
	cleanup
	exec 5>&1 6>&2 >$d/setup 2>&1
	if type "setup_$c" >/dev/null 2>&1; then
		"setup_$c" || echo "setup_$c failed"
	fi
	exec 1>&5 2>&6 5>&- 6>&-
	cat /proc/modules >$d/before
	predict "$c" "$cmd" "$cwd" "$prog"
	rc=skip
	if [ "$TOOL" = kmod4j ] && [ "$prog" = modprobe ] && [ "$HAS_MODPROBE" != yes ]; then
		echo "kmod4j modprobe missing (this kmod4j-tools.jar has no modprobe command)" >$d/skip
	else
		touch /tmp/syslog
		n0=$(wc -l </tmp/syslog)
		t0=$(uptime_cs)
		if [ -f $d/predicted ] && [ -n "$STRACE" ]; then
			(cd "$cwd" && exec $limit $STRACE $BIN/$cmd) >$d/stdout 2>$d/stderr </dev/null
		else
			(cd "$cwd" && exec $limit $BIN/$cmd) >$d/stdout 2>$d/stderr </dev/null
		fi
		rc=$?
		[ -n "$lim" ] && [ $rc = 137 ] && echo "$lim" >$d/killed
		t1=$(uptime_cs)
		sleep 0.3
		tail -n +$((n0 + 1)) /tmp/syslog >$d/syslog
	fi
	cat /proc/modules >$d/proc
	cat /proc/sys/kernel/tainted >$d/tainted
	if type "after_$c" >/dev/null 2>&1; then
		"after_$c" >>$d/setup 2>&1
	fi
	{
		echo "@CASE $c"
		echo "@CMD $cmd"
		echo "@CWD $cwd"
		echo "@SETUP"
		body $d/setup
		echo "@BEFORE"
		body $d/before
		if [ -f $d/skip ]; then
			echo "@SKIP $(cat $d/skip)"
		else
			echo "@STDOUT"
			body $d/stdout
			echo "@STDERR"
			body $d/stderr
			echo "@EXIT $rc"
			[ -f $d/killed ] && echo "@KILLED $(cat $d/killed)"
			echo "@SYSLOG"
			body $d/syslog
			echo "@TIME $((t1 - t0))"
		fi
		if [ -f $d/predicted ]; then
			echo "@PREDICT"
			body $d/predict
			echo "@PREDICTERR"
			body $d/predicterr
			echo "@PREDICTRC $(cat $d/predictrc)"
			echo "@BEFOREREAL"
			body $d/beforereal
			if [ -f $d/strace ]; then
				echo "@STRACE"
				body $d/strace
			fi
		fi
		echo "@PROC"
		body $d/proc
		echo "@TAINTED $(cat $d/tainted)"
		echo "@END $c"
	} >$d/record
	cat $d/record >&9
	echo "e2e: $c done (exit $rc)" >/dev/console
}

. /e2e/cases.sh

{
	echo "@BOOT $TOOL $KVER"
	echo "@VERSION $(cat /proc/version)"
	echo "@KMOD $(head -n 1 /e2e/kmod-version)"
} >&9
for c in $(echo "$CASELIST" | tr ',' ' '); do
	run_case "$c"
done
cleanup
echo "@DONE" >&9
sync
poweroff -f
sleep 5
