// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose name is exactly 55 characters long, the longest that fits
 * MODULE_NAME_LEN (56 with the NUL) on 64-bit.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init kmod4j_long_init(void)
{
	return 0;
}

static void __exit kmod4j_long_exit(void)
{
}

module_init(kmod4j_long_init);
module_exit(kmod4j_long_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod4j conformance: 55-character module name");
