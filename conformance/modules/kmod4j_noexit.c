// SPDX-License-Identifier: GPL-2.0
/* kmod4j_noexit: init but no exit, so the kernel treats it as permanent. */
#include <linux/module.h>
#include <linux/init.h>

static int __init kmod4j_noexit_init(void)
{
	return 0;
}

module_init(kmod4j_noexit_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod4j conformance: init without exit (permanent)");
