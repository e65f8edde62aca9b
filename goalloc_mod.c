// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc module glue: bring the levels up in order, register the shrinker,
 * debugfs and /dev/goalloc, and take it all down on unload.
 */
#include <linux/module.h>
#include <linux/shrinker.h>
#include "goalloc/malloc.h"
#include "goalloc_mod.h"

static struct shrinker *goalloc_shrinker;

static bool debug;
module_param(debug, bool, 0444);
MODULE_PARM_DESC(debug, "red zones, poison, call sites and quarantine, like slub_debug (slow)");

module_param_named(memory_limit, mheap_memory_limit, ulong, 0644);
MODULE_PARM_DESC(memory_limit,
		 "bytes the heap may take from the buddy allocator, 0 for no limit (Go's GOMEMLIMIT); takes effect at once");

/* Kernel pages goalloc could give back now: entirely free chunks. */
static unsigned long goalloc_shrink_count(struct shrinker *sh, struct shrink_control *sc)
{
	return mheap_free_chunk_pages() << GO_PAGE_ORDER;
}

static unsigned long goalloc_shrink_scan(struct shrinker *sh, struct shrink_control *sc)
{
	unsigned long pages;

	mcentral_release_empty(0);
	pages = mheap_scavenge(DIV_ROUND_UP(sc->nr_to_scan, 1UL << GO_PAGE_ORDER));
	return pages ? pages << GO_PAGE_ORDER : SHRINK_STOP;
}

static int __init goalloc_init(void)
{
	struct goalloc_stats st;
	int ret;

	ret = malloc_init(debug);
	if (ret)
		return ret;
	goalloc_shrinker = compat_shrinker_create(goalloc_shrink_count, goalloc_shrink_scan);
	if (!goalloc_shrinker)
		pr_warn("no shrinker: free memory goes back only on flush and unload\n");
	goalloc_debugfs_init();
	ret = goalloc_dev_init();
	if (ret) {
		goalloc_debugfs_exit();
		compat_shrinker_destroy(goalloc_shrinker);
		malloc_exit(&st);
		return ret;
	}
	pr_info("goalloc " GOALLOC_VERSION " loaded: %u size classes, objects up to %lu bytes%s\n",
		NUM_SIZE_CLASSES - 1, GOALLOC_MAX_SIZE, debug ? ", debug mode" : "");
	return 0;
}

static void __exit goalloc_exit(void)
{
	struct goalloc_stats st;

	goalloc_dev_exit();
	goalloc_debugfs_exit();
	compat_shrinker_destroy(goalloc_shrinker);
	malloc_exit(&st);
	pr_info("goalloc unloaded: %llu allocations, %llu bytes given back\n",
		st.mallocs, st.heap_released);
}

module_init(goalloc_init);
module_exit(goalloc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goalloc: the Go runtime's memory allocator as a kernel object allocator");
MODULE_VERSION(GOALLOC_VERSION);
