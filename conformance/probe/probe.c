// SPDX-License-Identifier: GPL-2.0
/*
 * kmod4j conformance probe.
 *
 * Runs as /init of an initramfs inside a QEMU guest. It mounts proc, sysfs
 * and devtmpfs, reads ONE scenario (/scenarios/NAME.scn, NAME taken from the
 * kernel command line parameter kmod4j.scenario=NAME), interprets it as
 * described in docs/scenario-format.md and writes its records to the
 * second serial port /dev/ttyS1 (raw mode), so that kernel console noise on
 * ttyS0 never mixes with them. Then it prints DONE, syncs and powers off.
 *
 * Before the first record it writes two header lines that run-kernel.sh
 * removes from the record file:
 *   KMOD4J-RELEASE <uname -r>
 *   KMOD4J-VERSION <contents of /proc/version without the newline>
 *
 * Build: gcc -static -O2 -Wall -o init probe.c
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define MAX_SLOTS 16
#define MAX_LINES 4096
#define CAT_LIMIT (4 * 1024 * 1024)

static int out_fd = -1;		/* records */
static int con_fd = -1;		/* diagnostics (console) */
static int slots[MAX_SLOTS];
static int children;		/* background children not yet reaped */

/* ---------------------------------------------------------------- output */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_grow(struct buf *b, size_t need)
{
	if (b->len + need + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (b->len + need + 1 > cap)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		abort();
	b->p = p;
	b->cap = cap;
}

static void buf_add(struct buf *b, const void *data, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		buf_add(b, tmp, n);
		return;
	}
	buf_grow(b, n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* One record = one write() so records of concurrent processes never mix. */
static void emit(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= w;
	}
}

static void emit_buf(struct buf *b)
{
	emit(out_fd, b->p, b->len);
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void diag(const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	if (con_fd >= 0)
		emit(con_fd, tmp, n);
}

/* ---------------------------------------------------------------- errno */

static const char *errno_name(int e)
{
	static char unknown[32];

	switch (e) {
#define E(x) case x: return #x;
	E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG)
	E(ENOEXEC) E(EBADF) E(ECHILD) E(ENOMEM) E(EACCES) E(EFAULT)
	E(ENOTBLK) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR) E(EISDIR)
	E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY) E(EFBIG) E(ENOSPC)
	E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE) E(EDOM) E(ERANGE) E(EDEADLK)
	E(ENAMETOOLONG) E(ENOLCK) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(ENOMSG)
	E(EIDRM) E(ECHRNG) E(EL2NSYNC) E(EL3HLT) E(EL3RST) E(ELNRNG)
	E(EUNATCH) E(ENOCSI) E(EL2HLT) E(EBADE) E(EBADR) E(EXFULL) E(ENOANO)
	E(EBADRQC) E(EBADSLT) E(EBFONT) E(ENOSTR) E(ENODATA) E(ETIME) E(ENOSR)
	E(ENONET) E(ENOPKG) E(EREMOTE) E(ENOLINK) E(EADV) E(ESRMNT) E(ECOMM)
	E(EPROTO) E(EMULTIHOP) E(EDOTDOT) E(EBADMSG) E(EOVERFLOW) E(ENOTUNIQ)
	E(EBADFD) E(EREMCHG) E(ELIBACC) E(ELIBBAD) E(ELIBSCN) E(ELIBMAX)
	E(ELIBEXEC) E(EILSEQ) E(ERESTART) E(ESTRPIPE) E(EUSERS) E(ENOTSOCK)
	E(EDESTADDRREQ) E(EMSGSIZE) E(EPROTOTYPE) E(ENOPROTOOPT)
	E(EPROTONOSUPPORT) E(ESOCKTNOSUPPORT) E(EOPNOTSUPP) E(EPFNOSUPPORT)
	E(EAFNOSUPPORT) E(EADDRINUSE) E(EADDRNOTAVAIL) E(ENETDOWN)
	E(ENETUNREACH) E(ENETRESET) E(ECONNABORTED) E(ECONNRESET) E(ENOBUFS)
	E(EISCONN) E(ENOTCONN) E(ESHUTDOWN) E(ETOOMANYREFS) E(ETIMEDOUT)
	E(ECONNREFUSED) E(EHOSTDOWN) E(EHOSTUNREACH) E(EALREADY)
	E(EINPROGRESS) E(ESTALE) E(EUCLEAN) E(ENOTNAM) E(ENAVAIL) E(EISNAM)
	E(EREMOTEIO) E(EDQUOT) E(ENOMEDIUM) E(EMEDIUMTYPE) E(ECANCELED)
	E(ENOKEY) E(EKEYEXPIRED) E(EKEYREVOKED) E(EKEYREJECTED) E(EOWNERDEAD)
	E(ENOTRECOVERABLE) E(ERFKILL) E(EHWPOISON)
#undef E
	case EAGAIN:		/* == EWOULDBLOCK (11) */
		return "EWOULDBLOCK";
	}
	snprintf(unknown, sizeof(unknown), "E%d", e);
	return unknown;
}

/* ---------------------------------------------------------------- helpers */

/* "" stands for the empty string. */
static const char *arg_value(const char *s)
{
	if (s && strcmp(s, "\"\"") == 0)
		return "";
	return s ? s : "";
}

static unsigned long parse_flags(const char *s, int *ok)
{
	unsigned long flags = 0;
	char tmp[256];

	*ok = 1;
	if (!s || !*s)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s", s);
	for (char *save = NULL, *tok = strtok_r(tmp, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save)) {
		if (strcmp(tok, "NB") == 0) {
			flags |= O_NONBLOCK;
		} else if (strcmp(tok, "TRUNC") == 0) {
			flags |= O_TRUNC;
		} else {
			char *end;
			errno = 0;
			unsigned long v = strtoul(tok, &end, 0);
			if (errno || *end || end == tok)
				*ok = 0;
			flags |= v;
		}
	}
	return flags;
}

/* Split off the first space-separated field; returns the rest (or NULL). */
static char *split1(char *s)
{
	char *sp = strchr(s, ' ');

	if (!sp)
		return NULL;
	*sp = 0;
	return sp + 1;
}

static void result(int line, const char *text, int err)
{
	struct buf b = {0};

	buf_fmt(&b, "RESULT %d %s -> %s\n", line, text, err ? errno_name(err) : "OK");
	emit_buf(&b);
}

/* ---------------------------------------------------------------- commands */

static int do_load(char *args)
{
	char *params = split1(args);
	char path[PATH_MAX];
	int err = 0;

	snprintf(path, sizeof(path), "/modules/%s.ko", arg_value(args));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, params ? arg_value(params) : "", 0) != 0)
		err = errno;
	close(fd);
	return err;
}

static int do_del(char *args)
{
	char *flags_s = split1(args);
	int ok;
	unsigned long flags = parse_flags(flags_s, &ok);

	if (!ok)
		return EINVAL;	/* malformed scenario; never a kernel answer here */
	if (syscall(SYS_delete_module, arg_value(args), (unsigned int)flags) != 0)
		return errno;
	return 0;
}

static int do_delptr(char *args)
{
	char *flags_s = split1(args);
	int ok;
	unsigned long flags = parse_flags(flags_s, &ok);
	unsigned long addr = strtoul(args, NULL, 0);

	if (!ok)
		return EINVAL;
	if (syscall(SYS_delete_module, (const char *)(uintptr_t)addr, (unsigned int)flags) != 0)
		return errno;
	return 0;
}

static int do_open(char *args)
{
	char *path = split1(args);
	int slot = atoi(args);

	if (slot < 0 || slot >= MAX_SLOTS || !path)
		return EINVAL;
	int fd = open(arg_value(path), O_RDONLY);
	if (fd < 0)
		return errno;
	if (slots[slot] >= 0)
		close(slots[slot]);
	slots[slot] = fd;
	return 0;
}

static int do_close(char *args)
{
	int slot = atoi(args);

	if (slot < 0 || slot >= MAX_SLOTS)
		return EINVAL;
	if (slots[slot] < 0)
		return EBADF;
	int r = close(slots[slot]);
	slots[slot] = -1;
	return r ? errno : 0;
}

static int do_write(char *args)
{
	char *text = split1(args);
	struct buf b = {0};
	int err = 0;

	buf_str(&b, text ? arg_value(text) : "");
	buf_str(&b, "\n");
	int fd = open(args, O_WRONLY);
	if (fd < 0) {
		err = errno;
	} else {
		ssize_t w = write(fd, b.p, b.len);
		if (w < 0)
			err = errno;
		if (close(fd) != 0 && !err)
			err = errno;
	}
	free(b.p);
	return err;
}

static int do_dropcap(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return errno;
	data[CAP_TO_INDEX(CAP_SYS_MODULE)].effective &= ~CAP_TO_MASK(CAP_SYS_MODULE);
	if (syscall(SYS_capset, &hdr, data) != 0)
		return errno;
	return 0;
}

static void do_cat(int line, char *path)
{
	struct buf b = {0};
	struct buf content = {0};
	int err = 0;
	const char *p = arg_value(path);

	int fd = open(p, O_RDONLY);
	if (fd < 0) {
		err = errno;
	} else {
		char tmp[4096];
		for (;;) {
			ssize_t n = read(fd, tmp, sizeof(tmp));
			if (n < 0) {
				if (errno == EINTR)
					continue;
				err = errno;
				break;
			}
			if (n == 0)
				break;
			buf_add(&content, tmp, n);
			if (content.len > CAT_LIMIT)
				break;
		}
		close(fd);
	}
	if (err) {
		buf_fmt(&b, "CAT %d %s -> %s\n", line, path, errno_name(err));
	} else {
		buf_fmt(&b, "CAT %d %s <<\n", line, path);
		if (content.len)
			buf_add(&b, content.p, content.len);
		buf_str(&b, "<<END\n");
	}
	free(content.p);
	emit_buf(&b);
}

static void do_ls(int line, char *path)
{
	struct buf b = {0};
	DIR *d = opendir(arg_value(path));

	if (!d) {
		buf_fmt(&b, "LS %d %s -> %s\n", line, path, errno_name(errno));
		emit_buf(&b);
		return;
	}
	buf_fmt(&b, "LS %d %s:", line, path);
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		buf_str(&b, " ");
		buf_str(&b, de->d_name);
	}
	int err = errno;
	closedir(d);
	if (err) {
		free(b.p);
		b.p = NULL;
		b.len = b.cap = 0;
		buf_fmt(&b, "LS %d %s -> %s\n", line, path, errno_name(err));
	} else {
		buf_str(&b, "\n");
	}
	emit_buf(&b);
}

static void do_sleep(char *args)
{
	long ms = strtol(args ? args : "0", NULL, 0);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void wait_all(void)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p > 0) {
			if (children > 0)
				children--;
			continue;
		}
		if (errno == EINTR)
			continue;
		break;		/* ECHILD */
	}
	children = 0;
}

/*
 * Run one command (the line with any bg prefix removed). `text` is the whole
 * line as written, used in RESULT records.
 */
static void run(int line, const char *text, const char *cmdline)
{
	char *copy = strdup(cmdline);
	char *args = split1(copy);
	const char *cmd = copy;

	if (strcmp(cmd, "load") == 0) {
		result(line, text, do_load(args ? args : ""));
	} else if (strcmp(cmd, "del") == 0) {
		result(line, text, do_del(args ? args : ""));
	} else if (strcmp(cmd, "delptr") == 0) {
		result(line, text, do_delptr(args ? args : "0"));
	} else if (strcmp(cmd, "open") == 0) {
		result(line, text, do_open(args ? args : ""));
	} else if (strcmp(cmd, "close") == 0) {
		result(line, text, do_close(args ? args : ""));
	} else if (strcmp(cmd, "write") == 0) {
		result(line, text, do_write(args ? args : ""));
	} else if (strcmp(cmd, "dropcap") == 0) {
		result(line, text, do_dropcap());
	} else if (strcmp(cmd, "cat") == 0) {
		do_cat(line, args ? args : "");
	} else if (strcmp(cmd, "ls") == 0) {
		do_ls(line, args ? args : "");
	} else if (strcmp(cmd, "sleep") == 0) {
		do_sleep(args);
	} else if (strcmp(cmd, "wait") == 0) {
		wait_all();
	}
	/* Anything else is a declaration (module, builtin, ...): ignored. */
	free(copy);
}

static int is_command(const char *w)
{
	static const char *const cmds[] = {
		"load", "del", "delptr", "open", "close", "cat", "ls", "write",
		"dropcap", "sleep", "wait", NULL
	};
	for (int i = 0; cmds[i]; i++)
		if (strcmp(w, cmds[i]) == 0)
			return 1;
	return 0;
}

static void background(int line, const char *text, const char *cmdline)
{
	pid_t pid = fork();

	if (pid < 0) {
		result(line, text, errno);
		return;
	}
	if (pid == 0) {
		run(line, text, cmdline);
		_exit(0);
	}
	children++;
}

static void interpret_line(int line, char *text)
{
	char first[32];
	size_t n = strcspn(text, " ");

	if (n >= sizeof(first))
		return;
	memcpy(first, text, n);
	first[n] = 0;
	const char *rest = text[n] ? text + n + 1 : "";

	if (strcmp(first, "bg") == 0) {
		char w[32];
		size_t m = strcspn(rest, " ");
		if (m >= sizeof(w))
			return;
		memcpy(w, rest, m);
		w[m] = 0;
		if (is_command(w))
			background(line, text, rest);
	} else if (strcmp(first, "bgload") == 0 || strcmp(first, "bgdel") == 0) {
		char *cmd = NULL;
		if (asprintf(&cmd, "%s %s", first + 2, rest) < 0)
			return;
		background(line, text, cmd);
		free(cmd);
	} else if (is_command(first)) {
		run(line, text, text);
	}
}

/* ---------------------------------------------------------------- boot */

static char *read_small(const char *path)
{
	struct buf b = {0};
	char tmp[4096];
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_add(&b, tmp, n);
	}
	close(fd);
	if (!b.p)
		return strdup("");
	return b.p;
}

static void power_off(void)
{
	if (out_fd >= 0)
		tcdrain(out_fd);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void setup_io(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);

	con_fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (con_fd >= 0 && con_fd > 2) {
		int n = open("/dev/null", O_RDONLY);
		if (n >= 0 && n != 0) {
			dup2(n, 0);
			close(n);
		}
		dup2(con_fd, 1);
		dup2(con_fd, 2);
	}

	out_fd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (out_fd >= 0) {
		struct termios t;
		if (tcgetattr(out_fd, &t) == 0) {
			cfmakeraw(&t);
			cfsetospeed(&t, B115200);
			cfsetispeed(&t, B115200);
			tcsetattr(out_fd, TCSANOW, &t);
		}
	} else {
		diag("\nKMOD4J-ERROR cannot open /dev/ttyS1 (%s); records go to the console\n",
		     strerror(errno));
		out_fd = con_fd;
	}
}

static char *scenario_name(void)
{
	char *cmdline = read_small("/proc/cmdline");
	const char *key = "kmod4j.scenario=";

	if (!cmdline)
		return NULL;
	for (char *save = NULL, *tok = strtok_r(cmdline, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		if (strncmp(tok, key, strlen(key)) == 0) {
			char *name = strdup(tok + strlen(key));
			free(cmdline);
			return name;
		}
	}
	free(cmdline);
	return NULL;
}

int main(void)
{
	for (int i = 0; i < MAX_SLOTS; i++)
		slots[i] = -1;

	setup_io();

	struct buf hdr = {0};
	struct utsname u;
	if (uname(&u) == 0)
		buf_fmt(&hdr, "KMOD4J-RELEASE %s\n", u.release);
	char *ver = read_small("/proc/version");
	if (ver) {
		ver[strcspn(ver, "\n")] = 0;
		buf_fmt(&hdr, "KMOD4J-VERSION %s\n", ver);
		free(ver);
	}
	emit_buf(&hdr);

	char *name = scenario_name();
	if (!name) {
		diag("\nKMOD4J-ERROR no kmod4j.scenario= on the kernel command line\n");
		emit(out_fd, "KMOD4J-ERROR no scenario\n", 25);
		power_off();
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/scenarios/%s.scn", name);
	char *text = read_small(path);
	if (!text) {
		struct buf e = {0};
		buf_fmt(&e, "KMOD4J-ERROR cannot read %s: %s\n", path, strerror(errno));
		diag("\n%s", e.p);
		emit_buf(&e);
		power_off();
	}
	diag("\nKMOD4J-START %s\n", name);

	int line = 0;
	for (char *p = text; *p;) {
		char *nl = strchr(p, '\n');
		char *next = nl ? nl + 1 : p + strlen(p);
		if (nl)
			*nl = 0;
		line++;
		size_t len = strlen(p);
		while (len > 0 && (p[len - 1] == '\r'))
			p[--len] = 0;
		if (len > 0 && p[0] != '#')
			interpret_line(line, p);
		p = next;
	}
	/* Every background command's record comes before DONE. */
	wait_all();
	emit(out_fd, "DONE\n", 5);
	diag("\nKMOD4J-END %s\n", name);
	power_off();
	return 0;
}
