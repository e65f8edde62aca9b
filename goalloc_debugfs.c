// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/goalloc/: what the allocator is doing, as text.
 *
 *   stats    Go MemStats-style totals, "name value" per line
 *   classes  one row per size class (first four columns as in Go's table)
 *   heap     chunks, free page runs by length, the largest free run, and
 *            the scavenger: memory retained, its goal, pages given back
 *   heap_map a line per chunk: its pages, as s (small span), L (large
 *            object), . (free) and _ (given back)
 *   cpus     per CPU: free objects in its stacks, path counters
 *   slabinfo the classes as caches, in /proc/slabinfo's format
 *   profile  the heap profile (profile_rate), as pprof's profile.proto:
 *            go tool pprof reads it
 *   profile_top  the same, as text: call sites by bytes in use
 *   flush    write anything: flush CPU caches, give free memory back
 *   fail_grow  fault injection: make heap growth fail (kernels with
 *            CONFIG_FAULT_INJECTION_DEBUG_FS)
 *   fail_cache  the same for the arrays of CPU stacks and transfer caches
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/cpumask.h>
#include <linux/fault-inject.h>
#include <linux/sort.h>
#include "goalloc/malloc.h"
#include "goalloc_mod.h"

static struct dentry *goalloc_dir;

static int stats_show(struct seq_file *m, void *v)
{
	struct goalloc_stats st;

	goalloc_get_stats(&st);
	seq_puts(m, "name value\n");
#define STAT_SHOW(name, desc)	seq_printf(m, #name " %llu\n", st.name);
	GOALLOC_STATS(STAT_SHOW)
#undef STAT_SHOW
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int classes_show(struct seq_file *m, void *v)
{
	struct goalloc_class_stats cs;
	unsigned int c;

	seq_puts(m, "class bytes_per_obj bytes_per_span objects live partial full cached allocs frees refills\n");
	for (c = 1; c < GOALLOC_NUM_CLASSES; c++) {
		goalloc_get_class_stats(c, &cs);
		seq_printf(m, "%u %u %u %u %llu %u %u %u %llu %llu %llu\n", c, cs.size,
			   cs.span_bytes, cs.objects, cs.live, cs.partial, cs.full, cs.cached,
			   cs.allocs, cs.frees, cs.refills);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(classes);

/*
 * The classes as /proc/slabinfo (version 2.1) shows caches, one
 * "goalloc-<size>" cache per class, for readers that know that format
 * (slabtop reads only /proc/slabinfo itself): active and total objects,
 * object size, objects and pages per span ("slab"), spans.  Spans of the
 * tiny allocator count in goalloc-16 (as blocks).
 */
static int slabinfo_show(struct seq_file *m, void *v)
{
	struct goalloc_class_stats cs;
	unsigned int c, spans;

	seq_puts(m, "slabinfo - version: 2.1\n");
	seq_puts(m, "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	for (c = 1; c < GOALLOC_NUM_CLASSES; c++) {
		goalloc_get_class_stats(c, &cs);
		spans = cs.partial + cs.full;
		seq_printf(m, "goalloc-%-9u %6llu %6llu %6u %4u %4lu : tunables %4u %4u %4u : slabdata %6u %6u %6u\n",
			   cs.size, cs.live, (u64)spans * cs.objects, cs.size, cs.objects,
			   cs.span_bytes / PAGE_SIZE, 0, 0, 0, spans, spans, 0);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(slabinfo);

#define RUN_BUCKETS 10

static int heap_show(struct seq_file *m, void *v)
{
	unsigned long hist[RUN_BUCKETS], largest, idle, holes;
	struct goalloc_stats st;
	unsigned int i;

	goalloc_get_stats(&st);
	mheap_free_runs(hist, RUN_BUCKETS, &largest);
	mheap_chunk_pages(&idle, &holes);
	seq_puts(m, "name value\n");
	seq_printf(m, "chunks %llu\n", st.chunks);
	seq_printf(m, "chunk_bytes %llu\n", st.heap_sys);
	seq_printf(m, "free_bytes %llu\n", st.heap_idle);
	seq_printf(m, "largest_free_run_pages %lu\n", largest);
	/* the scavenger: its goal for chunk_bytes, what went back, inside chunks too */
	seq_printf(m, "scavenge_goal_bytes %lu\n",
		   mheap_scavenge_goal(NULL) * GO_PAGE_SIZE);
	seq_printf(m, "released_bytes %llu\n", st.heap_released);
	seq_printf(m, "holes_bytes %lu\n", holes * GO_PAGE_SIZE);
	seq_printf(m, "scavenger_passes %llu\n", READ_ONCE(goalloc_scavenger_passes));
	seq_printf(m, "scavenger_ns %llu\n", READ_ONCE(goalloc_scavenger_ns));
	for (i = 0; i < RUN_BUCKETS; i++)
		seq_printf(m, "free_runs_%lu%s_pages %lu\n", 1UL << i,
			   i == RUN_BUCKETS - 1 ? "+" : "", hist[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap);

/*
 * heap_map: a line per chunk, its pages as characters: 's' small span,
 * 'L' large object, '.' free, '_' given back (a fragmentation map).
 */
static int heap_map_show(struct seq_file *m, void *v)
{
	char *map = kmalloc(CHUNK_MAX_PAGES + 1, GFP_KERNEL);
	unsigned int n, npages;

	if (!map)
		return -ENOMEM;
	for (n = 0; (npages = mheap_chunk_map(n, map)); n++) {
		map[npages] = 0;
		seq_printf(m, "%u %s\n", npages, map);
	}
	kfree(map);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap_map);

static int cpus_show(struct seq_file *m, void *v)
{
	unsigned int cpu, spc, i;

	seq_puts(m, "cpu cached_objects cached_bytes");
	for (i = 0; i < GS_NR_CPU_STATS; i++)
		seq_printf(m, " %s", cpu_stat_names[i]);
	seq_putc(m, '\n');
	for_each_online_cpu(cpu) {
		struct mcache *c = per_cpu_ptr(&mcaches, cpu);
		unsigned long objs = 0, bytes = 0, n;

		/* A racy but harmless look at another CPU's cache. */
		for (spc = 0; spc < NUM_SPAN_CLASSES; spc++) {
			n = objstack_count(&c->stack[spc], spc);
			objs += n;
			bytes += n * class_to_size[spc_sizeclass(spc)];
		}
		seq_printf(m, "%u %lu %lu", cpu, objs, bytes);
		for (i = 0; i < GS_NR_CPU_STATS; i++)
			seq_printf(m, " %lu", READ_ONCE(c->stat[i]));
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cpus);

/*
 * nodes: a line per NUMA node: its online CPUs (those whose memory node it
 * is), its chunks and their bytes, free bytes in them, its mcentrals'
 * spans partial and full, and the objects in its transfer caches.
 */
static int nodes_show(struct seq_file *m, void *v)
{
	unsigned long sys, free, chunks;
	unsigned int cpu, cpus, spc;
	int node;

	seq_puts(m, "node cpus chunks chunk_bytes free_bytes partial_spans full_spans transfer_objects\n");
	for_each_node(node) {
		struct mcentral_counts mcc = { 0 };

		cpus = 0;
		for_each_online_cpu(cpu)
			cpus += cpu_to_mem(cpu) == node;
		mheap_node_pages(node, &sys, &free, &chunks);
		for (spc = 0; spc < NUM_CENTRALS; spc++)
			mcentral_count(node, spc, &mcc);
		seq_printf(m, "%d %u %lu %lu %lu %lu %lu %lu\n", node, cpus, chunks,
			   sys * GO_PAGE_SIZE, free * GO_PAGE_SIZE, mcc.partial, mcc.full,
			   mcc.transfer);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nodes);

static int entry_cmp(const void *a, const void *b)
{
	const struct profile_entry *x = a, *y = b;

	if (x->inuse_bytes != y->inuse_bytes)
		return x->inuse_bytes < y->inuse_bytes ? 1 : -1;
	return x->alloc_bytes < y->alloc_bytes ? 1 : x->alloc_bytes > y->alloc_bytes ? -1 : 0;
}

/*
 * The heap profile's call sites, most bytes in use first, scaled as Go
 * scales samples: "inuse_bytes inuse_objects alloc_bytes alloc_objects
 * call_site" per line (goalloc profile prints the top ones).
 */
static int profile_top_show(struct seq_file *m, void *v)
{
	unsigned long dropped;
	unsigned int nr, i;
	struct profile_entry *e = profile_snapshot(&nr, &dropped);

	seq_printf(m, "# heap profile: one sample per %lu bytes allocated, %lu dropped\n",
		   profile_get_rate(), dropped);
	seq_puts(m, "inuse_bytes inuse_objects alloc_bytes alloc_objects call_site\n");
	if (e)
		sort(e, nr, sizeof(*e), entry_cmp, NULL);
	for (i = 0; i < nr; i++)
		seq_printf(m, "%llu %llu %llu %llu %pS\n", e[i].inuse_bytes, e[i].inuse_objects,
			   e[i].alloc_bytes, e[i].alloc_objects, (void *)e[i].caller);
	kvfree(e);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(profile_top);

/* debugfs profile: the pprof file, made at open and read as it was. */
struct pprof_file {
	u8 *buf;
	size_t len;
};

static int pprof_open(struct inode *inode, struct file *file)
{
	struct pprof_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->buf = goalloc_pprof(&f->len);
	if (!f->buf) {
		kfree(f);
		return -ENOMEM;
	}
	file->private_data = f;
	return 0;
}

static ssize_t pprof_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	struct pprof_file *f = file->private_data;

	return simple_read_from_buffer(buf, len, ppos, f->buf, f->len);
}

static int pprof_release(struct inode *inode, struct file *file)
{
	struct pprof_file *f = file->private_data;

	kvfree(f->buf);
	kfree(f);
	return 0;
}

static const struct file_operations pprof_fops = {
	.owner = THIS_MODULE,
	.open = pprof_open,
	.read = pprof_read,
	.release = pprof_release,
	.llseek = default_llseek,
};

static ssize_t flush_write(struct file *file, const char __user *buf, size_t len, loff_t *ppos)
{
	goalloc_flush();
	return len;
}

static const struct file_operations flush_fops = {
	.owner = THIS_MODULE,
	.write = flush_write,
	.llseek = noop_llseek,
};

void goalloc_debugfs_init(void)
{
	goalloc_dir = debugfs_create_dir("goalloc", NULL);
	debugfs_create_file("stats", 0444, goalloc_dir, NULL, &stats_fops);
	debugfs_create_file("classes", 0444, goalloc_dir, NULL, &classes_fops);
	debugfs_create_file("heap", 0444, goalloc_dir, NULL, &heap_fops);
	debugfs_create_file("heap_map", 0444, goalloc_dir, NULL, &heap_map_fops);
	debugfs_create_file("cpus", 0444, goalloc_dir, NULL, &cpus_fops);
	debugfs_create_file("nodes", 0444, goalloc_dir, NULL, &nodes_fops);
	debugfs_create_file("slabinfo", 0444, goalloc_dir, NULL, &slabinfo_fops);
	debugfs_create_file("profile", 0400, goalloc_dir, NULL, &pprof_fops);
	debugfs_create_file("profile_top", 0400, goalloc_dir, NULL, &profile_top_fops);
	debugfs_create_file("flush", 0200, goalloc_dir, NULL, &flush_fops);
	compat_fault_debugfs("fail_grow", goalloc_dir, &mheap_fail_grow);
	compat_fault_debugfs("fail_cache", goalloc_dir, &mcentral_fail_cache);
}

void goalloc_debugfs_exit(void)
{
	debugfs_remove_recursive(goalloc_dir);
}
