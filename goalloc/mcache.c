// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU caches (Go's mcache, one per P there, one per CPU here).  See
 * malloc.c for the overview.
 *
 * The fast path (malloc.c) only reads c->alloc[slot]->alloc_cache.  This
 * file holds the slow paths: refilling a slot from the span's own bitmap,
 * from mcentral, from the page cache, or (with interrupts back on, so the
 * heap may sleep to grow) from the heap; and flushing a CPU's caches when
 * it goes offline, when asked to, and at unload.
 */
#include "malloc.h"

/* Go's emptymspan: the slot of a class with no span; alloc_cache is 0. */
struct mspan emptymspan = { .cpu = MSPAN_NO_CPU };
EXPORT_SYMBOL_IF_KUNIT(emptymspan);

DEFINE_PER_CPU(struct mcache, mcaches);

/* CPU @cpu's mcache (for the KUnit suites). */
struct mcache *mcache_of(unsigned int cpu)
{
	return per_cpu_ptr(&mcaches, cpu);
}
EXPORT_SYMBOL_IF_KUNIT(mcache_of);

/*
 * Stop caching the span of @slot: back to mcentral.  The free hints never
 * name a span this CPU does not cache (see goalloc_free()).
 */
static void mcache_uncache(struct mcache *c, unsigned int slot)
{
	struct mspan *s = c->alloc[slot];
	unsigned int i;

	c->alloc[slot] = &emptymspan;
	for (i = 0; i < FREE_HINTS; i++)
		if (c->free_hint[i] == s)
			c->free_hint[i] = &emptymspan;
	mcentral_uncache_span(s);
}

/* Install @s as this CPU's span for @slot and take an object from it. */
static unsigned long mcache_install(struct mcache *c, unsigned int slot, struct mspan *s)
{
	unsigned int i;

	c->alloc[slot] = s;
	if (!s->tiny)		/* tiny objects are not slots: no free hints */
		for (i = 0; i < min_t(u32, s->npages, FREE_HINTS); i++)
			*mcache_hint(c, s->base + ((unsigned long)i << GO_PAGE_SHIFT)) = s;
	if (!mspan_refill_cache(s))
		return 0;
	return mspan_next_free_fast(s);
}

/*
 * Refill @slot of this CPU's cache without sleeping and take an object:
 * the current span's bitmap and remote frees first, then a partial span
 * from mcentral, then a new span from the page cache.  Interrupts off.
 * Returns 0 when only the heap can help.
 */
unsigned long mcache_refill(struct mcache *c, unsigned int slot)
{
	struct mspan *s = c->alloc[slot];
	unsigned int npages, align;
	int cpu = smp_processor_id();

	lockdep_assert_irqs_disabled();
	if (s != &emptymspan) {
		if (mspan_refill_cache(s))
			return mspan_next_free_fast(s);
		mcache_uncache(c, slot);
	}
	c->class_refills[slot_sizeclass(slot)]++;

	s = mcentral_cache_span(slot, cpu);
	if (s)
		return mcache_install(c, slot, s);

	mcentral_span_shape(slot, &npages, &align);
	if (align == 1) {
		s = pcache_alloc_span(&c->pcache, npages);
		c->stat[s ? GS_PCACHE_HIT : GS_PCACHE_MISS]++;
		if (s && mcentral_init_span(s, slot, GFP_ATOMIC | __GFP_NOWARN)) {
			mcentral_cache_fresh(s, cpu);
			return mcache_install(c, slot, s);
		}
	}
	return 0;
}

/*
 * The slow path of an allocation for @slot: refill without sleeping; if
 * that fails, grow with interrupts on and the caller's @gfp, then install
 * the new span on whatever CPU this now runs on.
 */
void *mcache_alloc_slow(unsigned int slot, gfp_t gfp, int node)
{
	struct mcache *c;
	struct mspan *s, *cur;
	unsigned long flags, obj;

	local_lock_irqsave(&mcaches.lock, flags);
	c = this_cpu_ptr(&mcaches);
	c->stat[GS_ALLOC_SLOW]++;
	obj = mcache_refill(c, slot);
	local_unlock_irqrestore(&mcaches.lock, flags);
	if (obj)
		return (void *)obj;

	s = mcentral_grow(slot, node, gfp);
	if (!s)
		return NULL;

	local_lock_irqsave(&mcaches.lock, flags);
	c = this_cpu_ptr(&mcaches);
	cur = c->alloc[slot];
	obj = mspan_next_free_fast(cur);
	if (!obj && cur != &emptymspan && mspan_refill_cache(cur))
		obj = mspan_next_free_fast(cur);
	if (obj) {
		/* An interrupt or the CPU we moved to has a span already. */
		mcentral_put_fresh(s);
	} else {
		if (cur != &emptymspan)
			mcache_uncache(c, slot);
		mcentral_cache_fresh(s, smp_processor_id());
		obj = mcache_install(c, slot, s);
	}
	local_unlock_irqrestore(&mcaches.lock, flags);
	return (void *)obj;
}

/*
 * Give everything @c caches back: the tiny block, every span, the page
 * cache.  Called on this CPU with the mcache lock held, or for a dead CPU.
 * Returns -ENOMEM if some page-cache pages could not be returned.
 */
static int __mcache_flush(struct mcache *c)
{
	unsigned int slot;

	tiny_retire(c);
	for (slot = 0; slot < NUM_CENTRALS; slot++)
		if (c->alloc[slot] != &emptymspan)
			mcache_uncache(c, slot);
	return pcache_flush(&c->pcache);
}

/*
 * Flush the cache of @cpu (this CPU, or one that is offline) with this
 * CPU's mcache lock held.  The page cache needs span descriptors, reserved
 * beforehand with @gfp; flushes running at once on other CPUs may use them
 * up meanwhile, so try again until the page cache is empty.
 */
static void mcache_flush_cpu(unsigned int cpu, gfp_t gfp)
{
	unsigned int tries = 0;
	unsigned long flags;
	int ret;

	do {
		fixalloc_reserve(PCACHE_PAGES / 2, gfp);
		local_lock_irqsave(&mcaches.lock, flags);
		ret = __mcache_flush(per_cpu_ptr(&mcaches, cpu));
		local_unlock_irqrestore(&mcaches.lock, flags);
	} while (ret && ++tries < 16);
	WARN_ONCE(ret, "goalloc: page cache of CPU %u not flushed: %d\n", cpu, ret);
}

/* Flush this CPU's cache (platform_each_cpu() runs it on each CPU). */
static void mcache_flush_this_cpu(void)
{
	mcache_flush_cpu(raw_smp_processor_id(), GFP_KERNEL);
}

/* Flush every online CPU's cache, each on its own CPU.  Process context. */
void mcache_flush_all(void)
{
	platform_each_cpu(mcache_flush_this_cpu, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(mcache_flush_all);

/*
 * Flush the cache of @cpu, which is offline, from this CPU.  The dead
 * CPU's tiny block or spans may meet spans this CPU caches (a block lies in
 * a span that this CPU took over), so this CPU's mcache lock is held too.
 */
static void mcache_flush_offline(unsigned int cpu)
{
	mcache_flush_cpu(cpu, GFP_KERNEL | __GFP_NOFAIL);
}

/* CPU hotplug: after @cpu died, give its cache back (Go: procresize). */
static int mcache_cpu_dead(unsigned int cpu)
{
	mcache_flush_offline(cpu);
	return 0;
}

int mcache_init(void)
{
	unsigned int cpu, slot;

	for_each_possible_cpu(cpu) {
		struct mcache *c = per_cpu_ptr(&mcaches, cpu);

		local_lock_init(&c->lock);
		for (slot = 0; slot < FREE_HINTS; slot++)
			c->free_hint[slot] = &emptymspan;
		for (slot = 0; slot < NUM_CENTRALS; slot++)
			c->alloc[slot] = &emptymspan;
	}
	return platform_cpu_dead_register(mcache_cpu_dead);
}

/* Unload: no allocation runs any more; flush every possible CPU. */
void mcache_exit(void)
{
	platform_cpu_dead_unregister();
	platform_each_cpu(mcache_flush_this_cpu, mcache_flush_offline);
}
