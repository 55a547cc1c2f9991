// SPDX-License-Identifier: GPL-2.0
/*
 * kmod4j_sizes: measurement helper, not used by the scenarios. A module
 * notifier that logs, for every module reaching COMING, the sizes the kernel
 * laid out (core and init), so the size=/initsize= values of the scenario
 * declarations can be read off exactly (run-kernel.sh --measure).
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/notifier.h>

static int kmod4j_sizes_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;

	if (action == MODULE_STATE_COMING)
		pr_err("KMOD4J-SIZES %s core=%u init=%u\n", mod->name,
			mod->core_layout.size, mod->init_layout.size);
	return NOTIFY_OK;
}

static struct notifier_block kmod4j_sizes_nb = {
	.notifier_call = kmod4j_sizes_notify,
};

static int __init kmod4j_sizes_init(void)
{
	return register_module_notifier(&kmod4j_sizes_nb);
}

static void __exit kmod4j_sizes_exit(void)
{
	unregister_module_notifier(&kmod4j_sizes_nb);
}

module_init(kmod4j_sizes_init);
module_exit(kmod4j_sizes_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod4j conformance: module size logger (measurement only)");
