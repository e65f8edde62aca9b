// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics (Go's MemStats).  See malloc.c for the overview.
 *
 * The fast paths only bump counters of their own CPU; a reader sums them.
 * A snapshot taken while other CPUs allocate is a consistent sum of each
 * counter, not of all counters at one instant.
 */
#include "malloc.h"

const char *const cpu_stat_names[GS_NR_CPU_STATS] = {
	[GS_ALLOC_SLOW]		= "alloc_slowpath",
	[GS_FREE_SLOW]		= "free_slowpath",
	[GS_NODE_ALLOC]		= "node_alloc",
	[GS_NODE_FREE]		= "node_free",
	[GS_TINY_ALLOC]		= "tiny_alloc",
	[GS_TINY_FREE]		= "tiny_free",
	[GS_TINY_BLOCK_ALLOC]	= "tiny_block_alloc",
	[GS_TINY_BLOCK_FREE]	= "tiny_block_free",
	[GS_LARGE_ALLOC]	= "large_alloc",
	[GS_LARGE_FREE]		= "large_free",
	[GS_LARGE_ALLOC_PAGES]	= "large_alloc_pages",
	[GS_LARGE_FREE_PAGES]	= "large_free_pages",
};
static_assert(ARRAY_SIZE(cpu_stat_names) == GS_NR_CPU_STATS);

/* One report_* statistic per report kind, filled in below. */
#define STAT_ONE(name, desc)	+ 1
static_assert(0 GOALLOC_STATS_REPORTS(STAT_ONE) == REPORT_NR_KINDS);
#undef STAT_ONE

static unsigned long sum_stat(enum cpu_stat item)
{
	unsigned long v = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		v += READ_ONCE(per_cpu_ptr(&mcaches, cpu)->stat[item]);
	return v;
}

/**
 * goalloc_get_class_stats() - statistics of one size class.
 * @sizeclass: 1 .. GOALLOC_NUM_CLASSES - 1.
 * @cs: filled in.
 *
 * Context: any; takes spinlocks with interrupts off.
 * Return: 0, or -EINVAL for a class that does not exist.
 */
int goalloc_get_class_stats(unsigned int sizeclass, struct goalloc_class_stats *cs)
{
	unsigned long allocs = 0, frees = 0, refills = 0;
	struct mcentral_counts mcc = { 0 };
	/* the CPU stacks (scan, noscan) and mcentrals (and tiny) of the class */
	unsigned int slots[3] = { make_spc(sizeclass, false), make_spc(sizeclass, true),
				  TINY_SPC };
	unsigned int nslots = sizeclass == TINY_SIZE_CLASS ? 3 : 2;
	unsigned int cpu, i;
	int node;

	if (!sizeclass || sizeclass >= NUM_SIZE_CLASSES)
		return -EINVAL;
	memset(cs, 0, sizeof(*cs));
	cs->size = class_to_size[sizeclass];
	cs->span_bytes = class_to_allocnpages[sizeclass] * GO_PAGE_SIZE;
	cs->objects = class_to_nelems[sizeclass];
	for_each_possible_cpu(cpu) {
		struct mcache *c = per_cpu_ptr(&mcaches, cpu);

		allocs += READ_ONCE(c->class_allocs[sizeclass]);
		if (sizeclass == TINY_SIZE_CLASS)	/* tiny blocks that became free */
			frees += READ_ONCE(c->stat[GS_TINY_BLOCK_FREE]);
		for (i = 0; i < 2; i++) {
			frees += local_read(&c->stack[slots[i]].frees);
			cs->cached += objstack_count(&c->stack[slots[i]], slots[i]);
		}
	}
	cs->allocs = allocs;
	cs->frees = frees;
	cs->live = allocs - frees;
	for_each_node(node) {
		for (i = 0; i < 2; i++)
			refills += READ_ONCE(mcentral_of(node, slots[i])->refills);
		for (i = 0; i < nslots; i++)
			mcentral_count(node, slots[i], &mcc);
	}
	cs->refills = refills;
	cs->partial = mcc.partial;
	cs->full = mcc.full;
	cs->cached += mcc.transfer;
	return 0;
}
EXPORT_SYMBOL_GPL(goalloc_get_class_stats);

/**
 * goalloc_get_stats() - a snapshot of the allocator's statistics.
 * @st: filled in; the same numbers /sys/kernel/debug/goalloc/stats shows.
 *
 * Context: any; takes spinlocks with interrupts off.
 */
void goalloc_get_stats(struct goalloc_stats *st)
{
	unsigned long class_bytes = 0, flags;
	unsigned long large_pages, block_allocs, block_frees;
	struct goalloc_class_stats cs;
	unsigned int c;

	memset(st, 0, sizeof(*st));
	for (c = 1; c < NUM_SIZE_CLASSES; c++) {
		goalloc_get_class_stats(c, &cs);
		st->mallocs += cs.allocs;
		st->frees += cs.frees;
		class_bytes += cs.live * cs.size;
	}
	/* Tiny blocks count as class-2 objects above; count tiny objects instead. */
	block_allocs = sum_stat(GS_TINY_BLOCK_ALLOC);
	block_frees = sum_stat(GS_TINY_BLOCK_FREE);
	st->tiny_allocs = sum_stat(GS_TINY_ALLOC);
	st->mallocs += st->tiny_allocs - block_allocs;
	st->frees += sum_stat(GS_TINY_FREE) - block_frees;
	st->large_allocs = sum_stat(GS_LARGE_ALLOC);
	st->mallocs += st->large_allocs;
	st->frees += sum_stat(GS_LARGE_FREE);
	large_pages = sum_stat(GS_LARGE_ALLOC_PAGES) - sum_stat(GS_LARGE_FREE_PAGES);

	st->heap_objects = st->mallocs - st->frees;
	st->heap_alloc = class_bytes + large_pages * GO_PAGE_SIZE;
	st->invalid_frees = report_total(false);
	st->debug_reports = report_total(true);
	st->report_not_object = report_count(REPORT_NOT_OBJECT);
	st->report_interior = report_count(REPORT_INTERIOR);
	st->report_double_free = report_count(REPORT_DOUBLE_FREE);
	st->report_quarantined = report_count(REPORT_QUARANTINED);
	st->report_bad_realloc = report_count(REPORT_BAD_REALLOC);
	st->report_redzone = report_count(REPORT_REDZONE);
	st->report_track = report_count(REPORT_TRACK);
	st->report_write_after_free = report_count(REPORT_WRITE_AFTER_FREE);
	st->quarantined = debug_quarantined();

	spin_lock_irqsave(&mheap.lock, flags);
	st->heap_sys = (u64)mheap.sys_pages * GO_PAGE_SIZE;
	st->heap_idle = (u64)mheap.free_pages * GO_PAGE_SIZE;
	st->heap_released = (u64)mheap.released_pages * GO_PAGE_SIZE;
	st->chunks = mheap.nchunks;
	st->limit_failures = mheap.limit_failures;
	spin_unlock_irqrestore(&mheap.lock, flags);
	st->heap_inuse = st->heap_sys - st->heap_idle;
	st->memory_limit = READ_ONCE(mheap_memory_limit);
	st->spans_inuse = atomic_long_read(&mheap.inuse_spans);
	st->meta_sys = fixalloc_bytes() + mheap_meta_bytes() + mspan_live_bytes() +
		       mcache_meta_bytes() + mcentral_meta_bytes();
}
EXPORT_SYMBOL_GPL(goalloc_get_stats);
