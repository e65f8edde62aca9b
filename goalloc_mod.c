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

module_param_named(retain_extra_percent, mheap_retain_extra_percent, uint, 0644);
MODULE_PARM_DESC(retain_extra_percent,
		 "free memory the scavenger leaves, in the background and when the heap grows, in percent of the memory in use (Go's retainExtraPercent)");

/*
 * The background scavenger (Go's bgscavenge): malloc_scavenge() every
 * scavenge_interval_ms, on the system's unbound workqueue.
 */
static unsigned int scavenge_interval_ms = 1000;
static void scavenger_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(scavenger, scavenger_fn);
static DEFINE_MUTEX(scavenger_lock);
static bool scavenger_running;		/* between init and exit; scavenger_lock */
u64 goalloc_scavenger_passes, goalloc_scavenger_ns;	/* debugfs heap */

static void scavenger_arm(void)
{
	unsigned int ms = READ_ONCE(scavenge_interval_ms);

	mutex_lock(&scavenger_lock);
	if (ms && scavenger_running)
		mod_delayed_work(system_unbound_wq, &scavenger, msecs_to_jiffies(ms));
	mutex_unlock(&scavenger_lock);
}

static void scavenger_start(bool run)
{
	mutex_lock(&scavenger_lock);
	scavenger_running = run;
	mutex_unlock(&scavenger_lock);
	if (run)
		scavenger_arm();
	else
		cancel_delayed_work_sync(&scavenger);
}

static void scavenger_fn(struct work_struct *work)
{
	u64 t0 = ktime_get_ns();

	malloc_scavenge();
	WRITE_ONCE(goalloc_scavenger_ns, goalloc_scavenger_ns + ktime_get_ns() - t0);
	WRITE_ONCE(goalloc_scavenger_passes, goalloc_scavenger_passes + 1);
	scavenger_arm();
}

/* A new interval takes effect at once; 0 stops the scavenger. */
static int scavenge_interval_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (!ret)
		scavenger_arm();
	return ret;
}

static const struct kernel_param_ops scavenge_interval_ops = {
	.set = scavenge_interval_set,
	.get = param_get_uint,
};
module_param_cb(scavenge_interval_ms, &scavenge_interval_ops, &scavenge_interval_ms, 0644);
MODULE_PARM_DESC(scavenge_interval_ms,
		 "milliseconds between background scavenger passes, 0 for none (default 1000)");

/* The heap profile's rate: set at once, and at load after malloc_init(). */
static unsigned long profile_rate = 512 * 1024;
static bool profile_ready;

static int profile_rate_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_ulong(val, kp);

	if (!ret && READ_ONCE(profile_ready))
		profile_set_rate(READ_ONCE(profile_rate));
	return ret;
}

static const struct kernel_param_ops profile_rate_ops = {
	.set = profile_rate_set,
	.get = param_get_ulong,
};
module_param_cb(profile_rate, &profile_rate_ops, &profile_rate, 0644);
MODULE_PARM_DESC(profile_rate,
		 "heap profile: sample one allocation per this many bytes, 0 for none (Go's MemProfileRate; default 524288)");

/* Kernel pages goalloc could give back now: its free page runs. */
static unsigned long goalloc_shrink_count(struct shrinker *sh, struct shrink_control *sc)
{
	return READ_ONCE(mheap.free_pages) << GO_PAGE_ORDER;
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
	WRITE_ONCE(profile_ready, true);
	profile_set_rate(READ_ONCE(profile_rate));
	scavenger_start(true);
	pr_info("goalloc " GOALLOC_VERSION " loaded: %u size classes, objects up to %lu bytes%s\n",
		NUM_SIZE_CLASSES - 1, GOALLOC_MAX_SIZE, debug ? ", debug mode" : "");
	return 0;
}

static void __exit goalloc_exit(void)
{
	struct goalloc_stats st;

	scavenger_start(false);
	WRITE_ONCE(profile_ready, false);
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
