# Shared by conformance/run-kernel.sh and conformance/tools-e2e/run.sh (sourced, not run).

log() { printf '%s\n' "$*" >&2; }

# The guest kernel: the newest /boot/vmlinuz-* that has matching headers under /usr/src (never `uname -r`,
# which is the host's kernel).
pick_kver() {
	local v best=""
	for v in /boot/vmlinuz-*; do
		[ -e "$v" ] || continue
		v="${v#/boot/vmlinuz-}"
		[ -d "/usr/src/linux-headers-$v" ] || continue
		best="$v"
	done
	printf '%s' "$best"
}
