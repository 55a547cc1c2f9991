// SPDX-License-Identifier: GPL-2.0
/*
 * kmod4j_slow: init and exit sleep for init_ms / exit_ms milliseconds, so a
 * second process can watch the COMING (Loading) and GOING (Unloading) states.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/moduleparam.h>
#include <linux/delay.h>

static int init_ms;
module_param(init_ms, int, 0444);
MODULE_PARM_DESC(init_ms, "milliseconds to sleep in init");

static int exit_ms;
module_param(exit_ms, int, 0444);
MODULE_PARM_DESC(exit_ms, "milliseconds to sleep in exit");

static int __init kmod4j_slow_init(void)
{
	if (init_ms > 0)
		msleep(init_ms);
	return 0;
}

static void __exit kmod4j_slow_exit(void)
{
	if (exit_ms > 0)
		msleep(exit_ms);
}

module_init(kmod4j_slow_init);
module_exit(kmod4j_slow_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod4j conformance: slow init and exit");
