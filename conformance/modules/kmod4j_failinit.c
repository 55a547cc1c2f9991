// SPDX-License-Identifier: GPL-2.0
/* kmod4j_failinit: init fails with -ENODEV, so the load fails and the module is torn down. */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/errno.h>

static int __init kmod4j_failinit_init(void)
{
	return -ENODEV;
}

static void __exit kmod4j_failinit_exit(void)
{
}

module_init(kmod4j_failinit_init);
module_exit(kmod4j_failinit_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod4j conformance: init returns -ENODEV");
