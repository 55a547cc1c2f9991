// SPDX-License-Identifier: GPL-2.0
/*
 * kmod4j_target: exports a symbol (so modules using it become holders) and
 * registers the misc device /dev/kmod4j_target whose fops->owner is
 * THIS_MODULE, so an open file descriptor holds a module reference.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>

int kmod4j_target_value = 42;
EXPORT_SYMBOL(kmod4j_target_value);

static int kmod4j_target_open(struct inode *inode, struct file *file)
{
	return 0;
}

static int kmod4j_target_release(struct inode *inode, struct file *file)
{
	return 0;
}

static const struct file_operations kmod4j_target_fops = {
	.owner = THIS_MODULE,
	.open = kmod4j_target_open,
	.release = kmod4j_target_release,
};

static struct miscdevice kmod4j_target_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kmod4j_target",
	.fops = &kmod4j_target_fops,
	.mode = 0444,
};

static int __init kmod4j_target_init(void)
{
	return misc_register(&kmod4j_target_dev);
}

static void __exit kmod4j_target_exit(void)
{
	misc_deregister(&kmod4j_target_dev);
}

module_init(kmod4j_target_init);
module_exit(kmod4j_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod4j conformance: symbol exporter with a character device");
