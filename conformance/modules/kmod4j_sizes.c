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
#include <linux/version.h>

/*
 * Linux 6.4 replaced struct module's core_layout/init_layout with the mem[]
 * array of enum mod_mem_type (commit ac3b43283923, "module: replace
 * module_layout with module_memory"). The sums below are what 6.4+ reports:
 * /proc/modules adds every mem[] type, the sysfs coresize attribute adds the
 * core ones (on x86_64, which does not select ARCH_WANTS_MODULES_DATA_IN_VMALLOC)
 * and initsize the init ones. Before 6.4 each was a single layout size.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
static unsigned int kmod4j_core_size(const struct module *mod)
{
	unsigned int size = 0;

	for_class_mod_mem_type(type, core)
		size += mod->mem[type].size;
	return size;
}

static unsigned int kmod4j_init_size(const struct module *mod)
{
	unsigned int size = 0;

	for_class_mod_mem_type(type, init)
		size += mod->mem[type].size;
	return size;
}
#else
static unsigned int kmod4j_core_size(const struct module *mod)
{
	return mod->core_layout.size;
}

static unsigned int kmod4j_init_size(const struct module *mod)
{
	return mod->init_layout.size;
}
#endif

static int kmod4j_sizes_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;

	if (action == MODULE_STATE_COMING)
		pr_err("KMOD4J-SIZES %s core=%u init=%u\n", mod->name,
			kmod4j_core_size(mod), kmod4j_init_size(mod));
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
