// SPDX-License-Identifier: GPL-2.0
/* goalloc's KUnit suites, as one module loaded after goalloc.ko. */
#include <linux/module.h>
#include <kunit/test.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for goalloc");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
