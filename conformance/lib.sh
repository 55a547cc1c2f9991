# Shared by conformance/run-kernel.sh, live-compare.sh and tools-e2e/run.sh (sourced, not run).

log() { printf '%s\n' "$*" >&2; }

# Debian 12's two kernels: the default 6.1 series (linux-image-amd64, releases such as 6.1.0-57-amd64) and the
# 6.12 series from bookworm's point releases. The packages that install each, image and headers:
DEBIAN12_SERIES="6.1 6.12"
debian12_packages() {
	case "$1" in
	6.1) echo "linux-image-amd64 linux-headers-amd64" ;;
	6.12) echo "linux-image-6.12.117+deb12-amd64 linux-headers-6.12.117+deb12-amd64" ;;
	esac
}

# Every installed guest kernel: each /boot/vmlinuz-* with matching headers under /usr/src (never `uname -r`,
# which is the host's kernel), oldest first (version order, so 6.1.0-57 comes before 6.12.117).
installed_kvers() {
	local v
	for v in /boot/vmlinuz-*; do
		[ -e "$v" ] || continue
		v="${v#/boot/vmlinuz-}"
		[ -d "/usr/src/linux-headers-$v" ] && printf '%s\n' "$v"
	done | sort -V
}

# pick_kver [SERIES]: the newest installed guest kernel, or the newest of SERIES ("6.1" matches 6.1.0-57-amd64,
# not 6.12.117+deb12-amd64). Empty when there is none.
pick_kver() {
	local series="${1:-}"
	if [ -n "$series" ]; then
		installed_kvers | awk -v s="$series." 'index($0, s) == 1' | tail -n 1
	else
		installed_kvers | tail -n 1
	fi
}
