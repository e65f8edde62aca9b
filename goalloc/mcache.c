// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU caches (Go's mcache, one per P there, one per CPU here).  See
 * malloc.c for the overview.
 *
 * Each CPU keeps, per span class, a stack of free objects (struct objref:
 * the address and its live byte), all on the CPU's NUMA node
 * (numa_mem_id()).
 * The fast paths (malloc.c) pop from it and push onto it; an object of
 * another node goes straight back to its node's mcentral instead.  This
 * file holds the slow paths: refilling an empty stack with a batch from
 * mcentral or, with interrupts back on, from a new span from the heap,
 * draining a full one a batch at a time, and flushing a CPU's caches when
 * it goes offline, when asked to, and at unload.  A stack's entries are
 * allocated when its CPU first needs them, and a flush frees them.
 *
 * Go's mcache also keeps a page cache (mpagecache.go) so that refilling a
 * span, once per 64 free slots there, seldom takes the heap lock.  Here a
 * new span is needed once per batch that mcentral cannot give, the heap
 * lock is cold, and a page cache only carved fresh pages while released
 * runs waited in the heap: goalloc has none.
 */
#include "malloc.h"

DEFINE_PER_CPU(struct mcache, mcaches);

/* The zero entry below every stack without entries; never written. */
struct objref objstack_none[1];
EXPORT_SYMBOL_IF_KUNIT(objstack_none);

/* Bytes of the CPUs' stacks' entries (for meta_sys). */
static atomic_long_t stacks_bytes;

/* Bytes of the array of a stack for @spc, as kmalloc gives it. */
static size_t objstack_bytes(unsigned int spc)
{
	return mcentral_cache_array_bytes(objstack_cap(spc) + 1);
}

/*
 * Give @st, the stack for @spc of this CPU, which has none, its entries
 * and the zero one below them, on this CPU's node.  Interrupts off, the
 * mcache held.  False if they cannot be had without sleeping.
 */
static noinline bool objstack_get_entries(struct objstack *st, unsigned int spc)
{
	struct objref *ref = mcentral_cache_array(objstack_cap(spc) + 1, numa_mem_id());

	if (!ref)
		return false;
	ref[0] = (struct objref){ 0 };
	atomic_long_add(objstack_bytes(spc), &stacks_bytes);
	/* @top first: a racy objstack_count() never sees @end alone */
	WRITE_ONCE(st->top, ref + 1);
	WRITE_ONCE(st->end, ref + 1 + objstack_cap(spc));
	return true;
}

/* Whether @st, the stack for @spc of this CPU, has entries, given them now if not. */
static inline bool objstack_ready(struct objstack *st, unsigned int spc)
{
	return objstack_has_entries(st) || objstack_get_entries(st, spc);
}

/* Free the entries of @st, the stack for @spc, which holds no object. */
static void objstack_put_entries(struct objstack *st, unsigned int spc)
{
	struct objref *ref;

	if (!objstack_has_entries(st))
		return;
	ref = objstack_base(st, spc) - 1;
	WRITE_ONCE(st->end, objstack_none + 1);
	WRITE_ONCE(st->top, objstack_none + 1);
	atomic_long_sub(objstack_bytes(spc), &stacks_bytes);
	kfree(ref);
}

/* CPU @cpu's mcache (for the KUnit suites). */
struct mcache *mcache_of(unsigned int cpu)
{
	return per_cpu_ptr(&mcaches, cpu);
}
EXPORT_SYMBOL_IF_KUNIT(mcache_of);

/*
 * Refill this CPU's stack for @spc with a batch from mcentral (its
 * transfer cache, then its spans) and take one object.  Interrupts off.
 * Returns a null objref when only a new span can help.
 */
struct objref mcache_refill(struct mcache *c, unsigned int spc)
{
	struct objstack *st = &c->stack[spc];
	struct objref r = objstack_pop(st);
	struct objref *base;

	lockdep_assert_irqs_disabled();
	/* an interrupt refilled it, or the caller moved to a CPU with objects */
	if (r.addr)
		return r;
	if (unlikely(!objstack_ready(st, spc))) {	/* one object, then */
		mcentral_refill(numa_mem_id(), spc, &r, 1);
		return r;
	}
	base = objstack_base(st, spc);
	st->top = base + mcentral_refill(numa_mem_id(), spc, base, objstack_batch(spc));
	return objstack_pop(st);	/* a null objref if mcentral had none */
}

/*
 * This CPU's stack for @spc is full: give its oldest batch (the bottom
 * half, the objects freed longest ago) back to mcentral; or it has no
 * entries: give it some.  Interrupts off.  False if it has no room still.
 */
bool mcache_drain(struct mcache *c, unsigned int spc)
{
	struct objstack *st = &c->stack[spc];
	unsigned int n = objstack_batch(spc);
	struct objref *base;

	lockdep_assert_irqs_disabled();
	if (!objstack_has_entries(st))
		return objstack_get_entries(st, spc);
	base = objstack_base(st, spc);
	mcentral_drain(spc, base, n);
	st->top -= n;
	memmove(base, base + n, (st->top - base) * sizeof(*base));
	c->stat[GS_FREE_SLOW]++;
	return true;
}

/*
 * The free object @r of span class @spc goes to its node's mcentral, not
 * onto this CPU's stack.  Interrupts off.
 */
void mcache_free_central(struct objref r, unsigned int spc)
{
	lockdep_assert_irqs_disabled();
	mcentral_drain(spc, &r, 1);
	local_inc(&this_cpu_ptr(&mcaches)->stack[spc].frees);
}

/* As mcache_free_central(), for an object that lies on another node. */
void mcache_free_remote(struct objref r, unsigned int spc)
{
	mcache_free_central(r, spc);
	cpu_stat_inc(GS_NODE_FREE);
}

/*
 * Go's mcentral.grow, for @node (NUMA_NO_NODE: this CPU's): a new span for
 * @spc, in the node's memory while it has some (mheap_alloc()).  When the
 * node was out of memory at its last growth, an object of any node's
 * spans first, in *@r (NULL returned), so that a full node does not take
 * a new span per object.  Interrupts on; may sleep if @gfp allows.
 */
struct mspan *mcache_grow(unsigned int spc, int node, gfp_t gfp, struct objref *r)
{
	unsigned long flags;
	int n;

	if (numa_on() && !(gfp & __GFP_THISNODE) && mheap_node_full(node)) {
		local_lock_irqsave(&mcaches.lock, flags);
		for_each_node(n)
			if (mcentral_refill(n, spc, r, 1))
				break;
		local_unlock_irqrestore(&mcaches.lock, flags);
		if (r->addr)
			return NULL;
	}
	return mcentral_grow(spc, node, gfp);
}

/*
 * The slow path of an allocation for @spc: refill without sleeping; if
 * that fails, grow with interrupts on and the caller's @gfp, then take a
 * batch from the new span on whatever CPU this now runs on (one object
 * only if the span lies on another node: this CPU's had no memory).
 */
struct objref mcache_alloc_slow(unsigned int spc, gfp_t gfp, int node)
{
	struct objref r, *base;
	struct objstack *st;
	unsigned long flags;
	struct mcache *c;
	struct mspan *s;
	bool ours;

	if (unlikely(!mcache_lock_irqsave(&flags))) {	/* an interrupt in a fast path */
		r = (struct objref){ 0 };
		mcentral_refill(numa_mem_id(), spc, &r, 1);
	} else {
		c = this_cpu_ptr(&mcaches);
		c->stat[GS_ALLOC_SLOW]++;
		r = mcache_refill(c, spc);
	}
	local_unlock_irqrestore(&mcaches.lock, flags);
	if (r.addr)
		return r;

	/* shared spans are charged to no memory cgroup (include/goalloc.h) */
	s = mcache_grow(spc, node, gfp & ~__GFP_ACCOUNT, &r);
	if (!s)
		return r;	/* another node's object, or none */

	ours = mcache_lock_irqsave(&flags);
	st = this_cpu_ptr(&mcaches.stack[spc]);
	if (unlikely(!ours || mspan_remote(s) || !objstack_ready(st, spc))) {
		mcentral_take_fresh(s, &r, 1);
	} else {
		/* an interrupt, or the CPU we moved to, has objects: list @s whole */
		if (!objstack_empty(st)) {
			mcentral_take_fresh(s, NULL, 0);
		} else {
			base = objstack_base(st, spc);
			st->top = base + mcentral_take_fresh(s, base, objstack_batch(spc));
		}
		r = objstack_pop(st);
	}
	local_unlock_irqrestore(&mcaches.lock, flags);
	return r;
}

/*
 * Give everything @c caches back: the tiny block and span, every object,
 * and the stacks' entries.  Called on this CPU with the mcache lock held,
 * or for a dead CPU.
 */
static void __mcache_flush(struct mcache *c)
{
	unsigned int spc, n;
	struct objstack *st;

	tiny_retire(c);
	for (spc = 0; spc < NUM_SPAN_CLASSES; spc++) {
		st = &c->stack[spc];
		n = objstack_count(st, spc);
		if (n)
			mcentral_drain(spc, objstack_base(st, spc), n);
		objstack_put_entries(st, spc);
	}
}

/*
 * Flush the cache of @cpu, this CPU or one that is offline, with this
 * CPU's mcache lock held: mcentral and the heap are entered with
 * interrupts off, as everywhere.
 */
static void mcache_flush_cpu(unsigned int cpu)
{
	unsigned long flags;

	local_lock_irqsave(&mcaches.lock, flags);
	__mcache_flush(per_cpu_ptr(&mcaches, cpu));
	local_unlock_irqrestore(&mcaches.lock, flags);
}

/* Flush this CPU's cache (platform_each_cpu() runs it on each CPU). */
static void mcache_flush_this_cpu(void)
{
	mcache_flush_cpu(raw_smp_processor_id());
}

/* Flush every online CPU's cache, each on its own CPU.  Process context. */
void mcache_flush_all(void)
{
	platform_each_cpu(mcache_flush_this_cpu, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(mcache_flush_all);

/*
 * What @c did so far: its allocations and frees.  Read from any CPU: a
 * stale sum only delays or hastens an idle CPU's flush by a pass.
 */
static unsigned long mcache_activity(const struct mcache *c)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < NUM_SIZE_CLASSES; i++)	/* racy, on purpose: see above */
		n += data_race(c->class_allocs[i]);
	for (i = 0; i < NUM_SPAN_CLASSES; i++)
		n += local_read(&c->stack[i].frees);
	/* racy, as above: tiny blocks that became free */
	return n + data_race(c->stat[GS_TINY_BLOCK_FREE]);
}

/*
 * Whether @c holds anything a flush gives back (a tiny span, a stack's
 * array), read from any CPU (as mcache_activity()).
 */
static bool mcache_holds(const struct mcache *c)
{
	unsigned int spc;

	if (data_race(c->tinyspan))	/* racy, on purpose */
		return true;
	for (spc = 0; spc < NUM_SPAN_CLASSES; spc++)
		if (data_race(objstack_has_entries(&c->stack[spc])))	/* racy, on purpose */
			return true;
	return false;
}

/* On each CPU: flush if it did nothing since mcache_flush_idle() looked. */
static void mcache_flush_this_if_idle(void)
{
	unsigned long flags;
	struct mcache *c;

	local_lock_irqsave(&mcaches.lock, flags);
	c = this_cpu_ptr(&mcaches);
	if (mcache_activity(c) == READ_ONCE(c->idle_mark))
		__mcache_flush(c);
	local_unlock_irqrestore(&mcaches.lock, flags);
}

/*
 * The background scavenger's look at the CPUs (one caller at a time): a
 * CPU that neither allocated nor freed since the last look gives back what
 * it caches, on its own CPU.  CPUs are woken only when one of them is idle
 * and holds something.  Process context.  Returns whether every online CPU
 * was idle.
 */
bool mcache_flush_idle(void)
{
	bool all_idle = true, flush = false;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct mcache *c = per_cpu_ptr(&mcaches, cpu);
		unsigned long now = mcache_activity(c);

		if (now != READ_ONCE(c->idle_mark)) {
			all_idle = false;
			WRITE_ONCE(c->idle_mark, now);
		} else if (mcache_holds(c)) {
			flush = true;
		}
	}
	if (flush)
		platform_each_cpu(mcache_flush_this_if_idle, NULL);
	return all_idle;
}
EXPORT_SYMBOL_IF_KUNIT(mcache_flush_idle);

/* CPU hotplug: after @cpu died, give its cache back (Go: procresize). */
static int mcache_cpu_dead(unsigned int cpu)
{
	mcache_flush_cpu(cpu);
	return 0;
}

/* Bytes of every CPU's stacks' entries (for meta_sys). */
unsigned long mcache_meta_bytes(void)
{
	return atomic_long_read(&stacks_bytes);
}

/*
 * Ready each possible CPU's mcache: its stacks without entries (each gets
 * them when its CPU first needs them).
 */
int mcache_init(void)
{
	unsigned int cpu, spc;

	for_each_possible_cpu(cpu) {
		struct mcache *c = per_cpu_ptr(&mcaches, cpu);

		local_lock_init(&c->lock);
		c->tinyoffset = TINY_SIZE;	/* no tiny block yet */
		for (spc = 0; spc < NUM_SPAN_CLASSES; spc++) {
			c->stack[spc].top = objstack_none + 1;
			c->stack[spc].end = objstack_none + 1;
		}
	}
	return platform_cpu_dead_register(mcache_cpu_dead);
}

/*
 * Unload: no allocation runs any more; flush every possible CPU, which
 * frees its stacks' entries too.
 */
void mcache_exit(void)
{
	platform_cpu_dead_unregister();
	platform_each_cpu(mcache_flush_this_cpu, mcache_flush_cpu);
}
