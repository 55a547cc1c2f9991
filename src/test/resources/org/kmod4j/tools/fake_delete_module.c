/*
 * LD_PRELOAD stand-in for glibc's delete_module(), for the side-by-side tests with Debian's kmod binary: it appends
 * "NAME 0xFLAGS" to the file named by $KMOD4J_DELETE_LOG and fails with ENOSYS, as the kernel of a machine without
 * module support does. kmod therefore never reaches the real system call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int delete_module(const char *name, unsigned int flags)
{
	const char *log = getenv("KMOD4J_DELETE_LOG");

	if (log != NULL) {
		FILE *f = fopen(log, "ae");
		if (f != NULL) {
			fprintf(f, "%s 0x%x\n", name, flags);
			fclose(f);
		}
	}
	errno = ENOSYS;
	return -1;
}
