/*
 * LD_PRELOAD stand-in for glibc's delete_module(), for the side-by-side tests with Debian's kmod binary. It appends
 * "NAME 0xFLAGS" to the file named by $KMOD4J_DELETE_LOG, then answers as $KMOD4J_DELETE_MODE says:
 *
 *   enosys (default)  fails with ENOSYS, as the kernel of a machine without module support does;
 *   emulate           applies a modern kernel's rules to the fake /proc/modules and /sys/module that the test's mount
 *                     namespace shows, and on success removes the module from them as free_module() does: the same
 *                     rules, in the same order, as kmod4j's org.kmod4j.host.FixtureDeleteModule (docs/tools.md).
 *
 * kmod therefore never reaches the real system call.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MODULE_NAME_MAX 55 /* MODULE_NAME_LEN - 1 */
#define MAX_LINES 4096

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int c;

	if (f == NULL)
		return NULL;
	while ((c = getc(f)) != EOF) {
		if (len + 2 > cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
		}
		buf[len++] = (char)c;
	}
	fclose(f);
	if (buf == NULL)
		buf = malloc(1);
	buf[len] = '\0';
	return buf;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* rm -r PATH (without following symbolic links) */
static void remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char sub[4096];

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		d = opendir(path);
		if (d != NULL) {
			while ((e = readdir(d)) != NULL) {
				if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
				remove_tree(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Field i (0-based, separated by single spaces) of a line, copied into out. */
static int field(const char *line, int i, char *out, size_t size)
{
	const char *p = line, *end;

	while (i-- > 0) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -1;
		p++;
	}
	end = strchr(p, ' ');
	if (end == NULL)
		end = p + strlen(p);
	if ((size_t)(end - p) >= size)
		return -1;
	memcpy(out, p, end - p);
	out[end - p] = '\0';
	return 0;
}

/* Whether the users column ("a,b," or "-") lists name; also notes "[permanent]" and any other user. */
static void scan_users(const char *users, const char *name, int *has_name, int *permanent, int *others)
{
	char copy[8192], *save, *tok;

	*has_name = *permanent = *others = 0;
	if (strcmp(users, "-") == 0 || users[0] == '\0')
		return;
	snprintf(copy, sizeof(copy), "%s", users);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "[permanent]") == 0)
			*permanent = 1;
		else
			*others = 1;
		if (name != NULL && strcmp(tok, name) == 0)
			*has_name = 1;
	}
}

static void decrement_refcnt(const char *module)
{
	char path[4096], *text, *end;
	long v;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", module);
	text = read_file(path);
	if (text == NULL)
		return;
	v = strtol(text, &end, 10);
	if (end != text) {
		char out[64];
		snprintf(out, sizeof(out), "%ld\n", v - 1);
		write_file(path, out);
	}
	free(text);
}

/* Splits a copy of a line at single spaces (empty fields kept); returns the number of fields. */
static int split(char *copy, char **f, int max)
{
	int n = 0;
	char *p = copy;

	f[n++] = p;
	while (n < max && (p = strchr(p, ' ')) != NULL) {
		*p++ = '\0';
		f[n++] = p;
	}
	return n;
}

/* free_module() on the fake /proc/modules and /sys/module */
static void free_module(const char *name, char **lines, int n, int index)
{
	static char out[1 << 20];
	static char targets[MAX_LINES][256];
	int ntargets = 0, i, j;
	size_t used = 0;
	DIR *d;
	struct dirent *e;
	char path[4096];

	for (i = 0; i < n; i++) {
		char *copy, *f[64], users[8192], count[32], *save, *tok, list[8192];
		int nf, has, perm, oth, removed = 0;

		if (i == index)
			continue;
		copy = strdup(lines[i]);
		nf = split(copy, f, 64);
		if (nf < 4 || strcmp(f[2], "-") == 0) {
			used += snprintf(out + used, sizeof(out) - used, "%s\n", lines[i]);
			free(copy);
			continue;
		}
		scan_users(f[3], name, &has, &perm, &oth);
		if (!has) {
			used += snprintf(out + used, sizeof(out) - used, "%s\n", lines[i]);
			free(copy);
			continue;
		}
		/* the users column without (the first) name */
		users[0] = '\0';
		snprintf(list, sizeof(list), "%s", f[3]);
		for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			if (!removed && strcmp(tok, name) == 0) {
				removed = 1;
				continue;
			}
			strcat(users, tok);
			strcat(users, ",");
		}
		if (users[0] == '\0')
			strcpy(users, "-");
		snprintf(count, sizeof(count), "%d", atoi(f[2]) - 1);
		f[2] = count;
		f[3] = users;
		for (j = 0; j < nf; j++)
			used += snprintf(out + used, sizeof(out) - used, "%s%s", j ? " " : "", f[j]);
		used += snprintf(out + used, sizeof(out) - used, "\n");
		if (ntargets < MAX_LINES)
			snprintf(targets[ntargets++], sizeof(targets[0]), "%s", f[0]);
		free(copy);
	}
	out[used < sizeof(out) ? used : sizeof(out) - 1] = '\0';
	write_file("/proc/modules", out);

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	remove_tree(path);
	d = opendir("/sys/module");
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			char link[4096];
			struct stat st;
			int known = 0;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(link, sizeof(link), "/sys/module/%s/holders/%s", e->d_name, name);
			if (lstat(link, &st) != 0)
				continue;
			unlink(link);
			for (i = 0; i < ntargets; i++)
				if (strcmp(targets[i], e->d_name) == 0)
					known = 1;
			if (!known && ntargets < MAX_LINES)
				snprintf(targets[ntargets++], sizeof(targets[0]), "%s", e->d_name);
		}
		closedir(d);
	}
	for (i = 0; i < ntargets; i++)
		decrement_refcnt(targets[i]);
}

static void add_taint(long mask)
{
	char *text = read_file("/proc/sys/kernel/tainted");
	char out[64];

	if (text == NULL)
		return;
	snprintf(out, sizeof(out), "%ld\n", strtol(text, NULL, 10) | mask);
	free(text);
	write_file("/proc/sys/kernel/tainted", out);
}

static int emulate(const char *name, unsigned int flags)
{
	char *text, *lines[MAX_LINES], *save, *line;
	char f2[64], f3[8192], f4[64];
	int n = 0, index = -1, has, permanent, others, forced, tainted = 0;
	size_t len;

	text = read_file("/proc/sys/kernel/modules_disabled");
	if (text != NULL) {
		int disabled = atoi(text) == 1;
		free(text);
		if (disabled) {
			errno = EPERM;
			return -1;
		}
	}
	if (name == NULL) {
		errno = EFAULT;
		return -1;
	}
	len = strlen(name);
	if (len == 0 || len > MODULE_NAME_MAX) {
		errno = ENOENT;
		return -1;
	}
	text = read_file("/proc/modules");
	if (text == NULL) {
		errno = ENOSYS;
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL && n < MAX_LINES; line = strtok_r(NULL, "\n", &save)) {
		char f0[256];

		lines[n] = line;
		if (index < 0 && field(line, 0, f0, sizeof(f0)) == 0 && strcmp(f0, name) == 0)
			index = n;
		n++;
	}
	if (index < 0) {
		free(text);
		errno = ENOENT;
		return -1;
	}
	if (field(lines[index], 2, f2, sizeof(f2)) || field(lines[index], 3, f3, sizeof(f3))
	    || field(lines[index], 4, f4, sizeof(f4))) {
		free(text);
		errno = EINVAL;
		return -1;
	}
	if (strcmp(f2, "-") == 0) {
		free(text);
		errno = ENOSYS;
		return -1;
	}
	scan_users(f3, NULL, &has, &permanent, &others);
	if (others) {
		free(text);
		errno = EWOULDBLOCK;
		return -1;
	}
	if (strcmp(f4, "Live") != 0) {
		free(text);
		errno = EBUSY;
		return -1;
	}
	forced = (flags & O_TRUNC) != 0;
	if (permanent) {
		if (!forced) {
			free(text);
			errno = EBUSY;
			return -1;
		}
		tainted = 1;
	}
	if (atoi(f2) > 0) {
		if (!forced) {
			free(text);
			errno = EWOULDBLOCK;
			return -1;
		}
		tainted = 1;
	}
	free_module(name, lines, n, index);
	free(text);
	if (tainted)
		add_taint(8);
	return 0;
}

int delete_module(const char *name, unsigned int flags)
{
	const char *log = getenv("KMOD4J_DELETE_LOG");
	const char *mode = getenv("KMOD4J_DELETE_MODE");

	if (log != NULL) {
		FILE *f = fopen(log, "ae");
		if (f != NULL) {
			fprintf(f, "%s 0x%x\n", name, flags);
			fclose(f);
		}
	}
	if (mode != NULL && strcmp(mode, "emulate") == 0)
		return emulate(name, flags);
	errno = ENOSYS;
	return -1;
}
