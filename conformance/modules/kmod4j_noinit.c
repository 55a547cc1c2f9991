// SPDX-License-Identifier: GPL-2.0
/* kmod4j_noinit: neither init nor exit; still unloadable. */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod4j conformance: no init, no exit");
