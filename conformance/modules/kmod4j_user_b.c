// SPDX-License-Identifier: GPL-2.0
/* kmod4j_user_b: uses kmod4j_target_value, so it becomes a holder of kmod4j_target. */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/compiler.h>

extern int kmod4j_target_value;
static int kmod4j_user_b_seen;

static int __init kmod4j_user_b_init(void)
{
	/* volatile accesses: the compiler must keep the use of the symbol */
	WRITE_ONCE(kmod4j_user_b_seen, READ_ONCE(kmod4j_target_value));
	return 0;
}

static void __exit kmod4j_user_b_exit(void)
{
	WRITE_ONCE(kmod4j_user_b_seen, 0);
}

module_init(kmod4j_user_b_init);
module_exit(kmod4j_user_b_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod4j conformance: user b of kmod4j_target");
