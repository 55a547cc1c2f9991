// SPDX-License-Identifier: GPL-2.0
/*
 * kmod4j_gate: init (hold_init=1) and exit (hold_exit=1) wait until the test
 * writes 1 to /sys/module/kmod4j_gate/parameters/release, or max_ms passes.
 *
 * The COMING and GOING states of kmod4j_slow last a fixed time, which is a
 * race for a test that must snapshot the state, predict, and then act while
 * the state still holds (tools-e2e's accuracy check of kmod4j explain under
 * TCG, where one JVM start takes seconds). Here the state holds until the test
 * says so. parameters/ exists in both states: load_module() creates the sysfs
 * directory (mod_sysfs_setup) before do_init_module() calls init, and
 * delete_module() calls exit before free_module() removes it.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/moduleparam.h>
#include <linux/delay.h>

static bool hold_init;
module_param(hold_init, bool, 0444);
MODULE_PARM_DESC(hold_init, "wait for release in init");

static bool hold_exit;
module_param(hold_exit, bool, 0444);
MODULE_PARM_DESC(hold_exit, "wait for release in exit");

static int max_ms = 300000;
module_param(max_ms, int, 0444);
MODULE_PARM_DESC(max_ms, "the longest wait, in milliseconds");

static bool release;
module_param(release, bool, 0644);
MODULE_PARM_DESC(release, "write 1 to end the wait");

static void kmod4j_gate_wait(void)
{
	int waited = 0;

	while (!READ_ONCE(release) && waited < max_ms) {
		msleep(20);
		waited += 20;
	}
	WRITE_ONCE(release, false);
}

static int __init kmod4j_gate_init(void)
{
	if (hold_init)
		kmod4j_gate_wait();
	return 0;
}

static void __exit kmod4j_gate_exit(void)
{
	if (hold_exit)
		kmod4j_gate_wait();
}

module_init(kmod4j_gate_init);
module_exit(kmod4j_gate_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod4j conformance: init and exit held until released");
