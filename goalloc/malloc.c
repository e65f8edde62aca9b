// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc: the Go runtime's memory allocator, as a kernel object allocator.
 *
 * This file holds the overview and the exported API; the levels are in
 * their own files, named after Go's (src/runtime/malloc.go, mcache.go,
 * mcentral.go, mheap.go, mfixalloc.go, sizeclasses.go, mprof.go).
 *
 * === Glossary ===
 *
 *   fixalloc   fixed-size allocator for span descriptors (fixalloc.c)
 *   mheap      the page heap: runs of 8 KiB Go pages, drawn from the buddy
 *              allocator in chunks of 128 KiB to 4 MiB, and the arenas (Go's
 *              heapArena) that name the span of each page (mheap.c)
 *   mspan      a run of pages for one span class, with its bitmaps (mspan.c)
 *   mcentral   per NUMA node and span class: the node's spans, and a
 *              transfer cache of their free objects; and per node, the
 *              tiny spans no CPU holds (mcentral.c)
 *   mcache     per CPU: a stack of free objects per span class, and the
 *              tiny span and block it allocates from (mcache.c, tiny.c)
 *   debug      debug mode (debug=1): red zones, poison, call sites and a
 *              quarantine around every object, like slub_debug (debug.c);
 *              off, it is one static key the fast paths never take
 *   report     every bad call and corruption found, with its kind, through
 *              report_error(), as mm/kfence does (report.c)
 *   stats      the statistics, summed from per-CPU counters (stats.c)
 *   profile    the heap profile: allocations sampled one per profile_rate
 *              bytes, with their call sites, as Go's (profile.c)
 *
 * Levels call downward only, lowest first (scripts/check-layers.sh checks
 * it): platform, report, profile, sizeclasses, fixalloc, mheap, mspan,
 * debug, mcentral, mcache and tiny, stats, and this file at the top.
 *
 * A span class is a size class (Go's 67, sizeclasses.c) times scan/noscan.
 * Noscan objects are declared pointer-free by the caller: kmemleak does not
 * scan them, and up to 8 bytes they go to the tiny allocator.
 *
 * === Where goalloc departs from Go, and why ===
 *
 * Go's mcache holds one span per span class and allocates from its bitmap;
 * nobody frees an object, the garbage collector sweeps whole spans and
 * hands them back in bulk.  A kernel allocator is told of every free, one
 * object at a time, from any CPU, in any order.  With Go's design those
 * frees land in spans other CPUs own (atomics, then the span's lock to move
 * it between lists), and spans ping-pong between CPUs and mcentral a few
 * free slots at a time.  So goalloc's mcache holds objects, not spans, as
 * tcmalloc's per-CPU caches and SLUB's sheaves do: a free pushes the object
 * onto this CPU's stack of its class, whichever span or CPU it came from,
 * and an allocation pops.  Spans, mcentral and mheap keep Go's roles, below
 * the stacks: they supply and take back objects a batch at a time.  Tiny
 * blocks keep Go's design, a span that the CPU holds: a free that empties
 * a block clears its mask and moves nothing, and the CPU finds the block
 * free when it looks for its next one.
 *
 * Go's page allocator (mpagealloc.go) takes the lowest-addressed free run
 * that fits, in address space it reserved in order.  goalloc's chunks come
 * from the buddy allocator at whatever address it has, so a low address
 * says nothing of a chunk's age or of whether its pages were ever touched:
 * the heap takes the best fit instead (mheap.c), which keeps long runs
 * whole.  On the user-space kernel-mix trace, first fit raised RSS over
 * peak live bytes from 1.43-1.56 to 2.1-2.3 by address, and to 1.54-1.62
 * by chunk age, then address.
 *
 * === Allocating ===
 *
 *  1. Round the size up to its class: one table lookup (size_to_class8
 *     up to 1 KiB, size_to_class128 above).
 *  2. Holding the CPU's mcache (preemption off and its busy flag set: no
 *     shared lock, no atomic, interrupts on), pop the class's stack
 *     (malloc_small), then set the object's live byte in its span, a plain
 *     store through the pointer the stack holds.  This is the fast path.
 *     On an empty stack:
 *  3. mcache_refill: take a batch (half a stack) from mcentral under its
 *     lock: a batch another CPU gave back whole (the transfer cache), or
 *     objects from the fullest partial spans;
 *  4. if it has none, with interrupts back on, mcentral_grow takes a new
 *     span from the heap, which may grow by a chunk with the caller's GFP
 *     flags (and sleep if they allow), and the CPU takes a batch of it.
 *  A new span costs what its first batch takes (Go's freeindex).  Tiny
 *  objects (noscan, <= 8 B) bump-allocate in the CPU's 16-byte block, and
 *  a full block is followed by the next free block of the tiny span the
 *  CPU holds, still holding the mcache; once the CPU has looked at every
 *  block of its span, it trades the span for another at mcentral (tiny.c).
 *  Large objects (> 32 KiB) are spans of their own straight from the heap.
 *
 * === Freeing ===
 *
 *  1. Find the span in O(1), as Go's spanOf(): the arena of the address
 *     (its piece of the direct map), then the arena's entry for the page;
 *     then the object's index in the span.
 *     Anything that is not the start of an object is reported (report.c)
 *     and otherwise ignored.
 *  2. With preemption off, clear the object's live byte with one xchg: it
 *     alone decides between racing frees of one object, so a double free
 *     is caught at the offending call, exactly, and changes nothing.
 *  3. Holding the CPU's mcache, push the object onto its stack of the
 *     class.  A full stack first gives its oldest half to mcentral, which
 *     keeps it whole in the transfer cache if there is room, else puts the
 *     objects back in their spans; a span that becomes empty beyond a
 *     small reserve goes back to the heap.
 *  4. A large object's span, once its live byte's xchg found it live, goes
 *     back to the heap; the heap merges free neighbours.
 *
 * === NUMA nodes ===
 *
 * Go has one heap for all nodes; a kernel allocator is asked for memory on
 * a node (goalloc_alloc_node(), as kmalloc_node()), and should keep a CPU's
 * objects on its own node.  So, as SLUB keeps per-node partial slabs:
 *  - every chunk, and every span in it, lies on one node; the heap keeps
 *    each node's free runs apart and grows a node from alloc_pages_node();
 *  - each node has its own mcentrals, and a span is listed only by those of
 *    its node;
 *  - a CPU's stacks hold objects of its own node only (numa_mem_id()): a
 *    free of another node's object gives it straight to that node's
 *    mcentral, and an allocation for another node takes one from there;
 *  - when a node has no memory left, other nodes' free runs serve, then
 *    the buddy allocator's fallback node, as with kmalloc_node() (mheap.c);
 *    such a span's objects are handed out one at a time, never cached by
 *    a CPU of another node, and while the node stays full its CPUs take
 *    objects of other nodes' spans before a new span (mcache_grow()).
 * With one possible node this is one static key the fast paths never take.
 *
 * === Where memory comes from and goes back ===
 *
 * The heap takes chunks from alloc_pages_node: a first one of 128 KiB, then
 * as large as it already is until it holds 1 MiB, then an eighth as large,
 * from 512 KiB to 4 MiB (so that a small heap stays small and a large one
 * holds at most a ninth of itself unused); falling back to smaller orders
 * down to what the request needs.  Free page runs go back to the buddy
 * allocator, whole chunks or runs inside chunks still in use (mheap.c: a
 * run inside a chunk becomes a hole, never reused, where Go would fault
 * the pages in again):
 *  - in the background (Go's bgscavenge, malloc_scavenge(), run by the
 *    module every scavenge_interval_ms): idle CPUs' caches first, then free
 *    runs until the heap holds its pages in use plus retain_extra_percent;
 *  - when the heap grows (Go's heap-growth scavenger): whole free chunks,
 *    until the heap with its new chunk holds no more than that;
 *  - all of them through the shrinker, at the memory limit, through the
 *    debugfs "flush" file and goalloc_flush(), and at unload.
 * Flushes also empty every CPU's stacks and the transfer caches and free
 * their arrays: a stack or transfer cache gets its array when it is first
 * used after load or a flush, so an idle heap holds no cache, and a CPU or
 * class never used costs none.  They are allocated without sleeping,
 * where objects come and go; one that cannot be had leaves its objects
 * going to and from their spans one at a time until it can.  A CPU that
 * goes offline has its mcache flushed by a CPU hotplug callback.
 *
 * === Lock order ===
 *
 *  1. The CPU's mcache (its stacks, tiny span and block), held by a fast path
 *     with preemption off and mcache.busy set, or by a slow path with
 *     mcache.lock (local_lock, interrupts off) that found busy clear.
 *     Go's mcache belongs to one P, which nothing interrupts; here a
 *     fast path leaves interrupts on, as SLUB's sheaves do with
 *     local_trylock(), and an interrupt that comes in its middle finds
 *     busy set and leaves the CPU's mcache alone: it takes or gives its
 *     object at mcentral, one at a time (a tiny object then comes from
 *     the 8-byte class).
 *  2. mcentral.lock (spinlock, per node and span class): the three span
 *     lists, the transfer cache, and each span's freeindex, freebits and
 *     nfree.  One at a time.
 *     Live bytes and tiny masks are under no lock (mspan.c, tiny.c), nor
 *     is a tiny span's count of blocks in use, but where it moves the span
 *     to another list.
 *  3. mheap.lock (spinlock): free runs, chunks list, chunk->spans[] of free
 *     runs, heap counters.
 *  4. fixalloc lock: a leaf.
 * Outside them, taken before any of them: /dev/goalloc's per-file mutex
 * and the mutex that runs work on every CPU (flushes); and debug mode's
 * quarantine lock, taken with no other goalloc lock held.
 * Every spinlock is taken with interrupts off, so every path may run in
 * hard-irq context with GFP_ATOMIC.  Growing the heap (alloc_pages, kmalloc
 * of chunk metadata) happens with no goalloc lock held; the arrays of CPU
 * stacks and transfer caches come from kmalloc without sleeping
 * (GFP_NOWAIT) with at most the mcache held.
 */
#include "malloc.h"

/* === Hooks: zeroing, init_on_alloc, kmemleak, KASAN === */

/*
 * A new object of @size bytes at @p: @usable bytes to zero if asked, @room
 * bytes of slot for KASAN (0 for a tiny object: its block is marked whole).
 */
static __always_inline void *object_init(void *p, size_t size, size_t usable, size_t room,
					 gfp_t gfp, bool noscan)
{
	kmemleak_alloc(p, size, 1, gfp);
	if (noscan)
		kmemleak_no_scan(p);
	if (unlikely(want_init_on_alloc(gfp))) {
		if (room)
			platform_kasan_alloc(p, room, room);
		p = memset(p, 0, usable);	/* without KASAN, a tail call */
	}
	if (room)
		platform_kasan_alloc(p, size, room);
	return p;
}

/* As object_init(); in debug mode, malloc_debug() does it once it checked @p. */
static __always_inline void *alloc_hook(void *p, size_t size, size_t usable, size_t room,
					gfp_t gfp, bool noscan)
{
	if (debug_on())
		return p;
	return object_init(p, size, usable, room, gfp, noscan);
}

/* === Allocation === */

/* This CPU's stack for the class was empty. */
static noinline void *malloc_small_slow(size_t size, unsigned int cls, gfp_t gfp, bool noscan,
				       int node)
{
	struct objref r = mcache_alloc_slow(make_spc(cls, noscan), gfp, node);

	if (!r.addr)
		return NULL;
	this_cpu_inc(mcaches.class_allocs[cls]);
	return alloc_hook(objref_set_live(r), size, class_to_size[cls], class_to_size[cls], gfp,
			  noscan);
}

/*
 * An object not from this CPU's stack: asked of @node, another than this
 * CPU's (the stack holds only objects of its own node), or asked in an
 * interrupt that came in the middle of a fast path (__mcache_trylock()
 * failed).  From @node's mcentral, or a new span on it, one object at a
 * time.
 */
static noinline void *malloc_small_uncached(size_t size, unsigned int cls, gfp_t gfp,
					    bool noscan, int node)
{
	unsigned int spc = make_spc(cls, noscan);
	struct objref r = { 0 };
	unsigned long flags;
	struct mspan *s;

	local_lock_irqsave(&mcaches.lock, flags);
	mcentral_refill(node, spc, &r, 1);	/* r stays null if it has none */
	local_unlock_irqrestore(&mcaches.lock, flags);
	if (!r.addr) {
		s = mcache_grow(spc, node, gfp & ~__GFP_ACCOUNT, &r);	/* as mcache_alloc_slow() */
		if (s)
			mcentral_take_fresh(s, &r, 1);
		if (!r.addr)
			return NULL;
	}
	this_cpu_inc(mcaches.class_allocs[cls]);
	if (node != numa_mem_id())
		cpu_stat_inc(GS_NODE_ALLOC);
	return alloc_hook(objref_set_live(r), size, class_to_size[cls], class_to_size[cls], gfp,
			  noscan);
}

/*
 * The fast path: pop this CPU's stack of free objects of the class, then
 * mark the object live with a plain byte store.  No lock is shared, no
 * interrupt is masked, and no call is made but the slow paths'.
 */
static __always_inline void *malloc_small(size_t size, unsigned int cls, gfp_t gfp, bool noscan,
					 int node)
{
	struct mcache *c;
	struct objref r;

	/* @node is NUMA_NO_NODE at compile time but in goalloc_alloc_node() */
	if (node != NUMA_NO_NODE && numa_on() && node != numa_mem_id())
		return malloc_small_uncached(size, cls, gfp, noscan, node);
	preempt_disable();
	c = this_cpu_ptr(&mcaches);
	if (unlikely(!__mcache_trylock(c))) {
		preempt_enable();
		return malloc_small_uncached(size, cls, gfp, noscan, numa_mem_id());
	}
	r = objstack_pop(&c->stack[make_spc(cls, noscan)]);
	if (unlikely(!r.addr)) {
		__mcache_unlock(c);
		preempt_enable();
		return malloc_small_slow(size, cls, gfp, noscan, node);
	}
	this_cpu_inc(mcaches.class_allocs[cls]);
	__mcache_unlock(c);
	preempt_enable();
	return alloc_hook(objref_set_live(r), size, class_to_size[cls], class_to_size[cls], gfp,
			  noscan);
}

/*
 * A tiny object asked in an interrupt that came in the middle of a fast
 * path on this CPU: its tiny block is not to be touched, so an object of
 * the class instead.
 */
static noinline void *malloc_tiny_uncached(size_t size, gfp_t gfp)
{
	return malloc_small_uncached(size, size_to_class(size), gfp, true, numa_mem_id());
}

/*
 * This CPU's tiny span had no free block left: a tiny span from mcentral,
 * else a new one, maybe in a new chunk.
 */
static noinline void *malloc_tiny_block(size_t size, gfp_t gfp)
{
	unsigned long flags;
	struct mspan *s;
	void *p = NULL;

	if (likely(mcache_lock_irqsave(&flags)))
		p = tiny_alloc(this_cpu_ptr(&mcaches), size);
	local_unlock_irqrestore(&mcaches.lock, flags);
	if (p)
		return alloc_hook(p, size, size, 0, gfp, true);

	/* shared spans are charged to no memory cgroup (include/goalloc.h) */
	s = mcentral_grow(TINY_SPC, NUMA_NO_NODE, gfp & ~__GFP_ACCOUNT);
	if (!s)
		return NULL;
	if (likely(mcache_lock_irqsave(&flags)))
		p = tiny_install(this_cpu_ptr(&mcaches), s, size);
	else
		mcentral_tiny_put(s);	/* no CPU holds it: to mcentral, empty */
	local_unlock_irqrestore(&mcaches.lock, flags);
	if (!p)
		return malloc_tiny_uncached(size, gfp);
	return alloc_hook(p, size, size, 0, gfp, true);
}

/*
 * This CPU's tiny block had no room: @c, its mcache, held by malloc_tiny()
 * with preemption off.  The next free block of the CPU's tiny span, still
 * held; else, with interrupts off, another span from mcentral.
 */
static noinline void *malloc_tiny_next(struct mcache *c, size_t size, gfp_t gfp)
{
	void *p = tiny_next(c, size);

	__mcache_unlock(c);
	preempt_enable();
	if (unlikely(!p))
		return malloc_tiny_block(size, gfp);
	return alloc_hook(p, size, size, 0, gfp, true);
}

/*
 * A tiny object: the fast path bumps this CPU's block, with one atomic OR;
 * a full block is followed, out of line, by another (a tail call, so that
 * nothing here lives across it).
 */
static __always_inline void *malloc_tiny(size_t size, gfp_t gfp)
{
	struct mcache *c;
	void *p;

	preempt_disable();
	c = this_cpu_ptr(&mcaches);
	if (unlikely(!__mcache_trylock(c))) {
		preempt_enable();
		return malloc_tiny_uncached(size, gfp);
	}
	p = tiny_alloc_fast(c, size);
	if (unlikely(!p))
		return malloc_tiny_next(c, size, gfp);
	__mcache_unlock(c);
	preempt_enable();
	return alloc_hook(p, size, size, 0, gfp, true);
}

/* A large object of @size bytes in pages that hold @room bytes. */
static noinline void *malloc_large(size_t size, size_t room, gfp_t gfp, int node)
{
	unsigned int npages = DIV_ROUND_UP(room, GO_PAGE_SIZE);
	/* Power-of-two sizes are naturally aligned, as with kmalloc. */
	unsigned int align = is_power_of_2(size) ? size >> GO_PAGE_SHIFT : 1;
	struct mspan *s;

	s = mheap_alloc(npages, align, node, gfp & ~__GFP_ACCOUNT);	/* as mcache_alloc_slow() */
	if (!s)
		return NULL;
	mspan_init_large(s, size);
	cpu_stat_inc(GS_LARGE_ALLOC);
	cpu_stat_add(GS_LARGE_ALLOC_PAGES, npages);
	return alloc_hook((void *)s->base, size, mspan_bytes(s), mspan_bytes(s), gfp, false);
}

/*
 * Debug mode: an object with room for a red zone and a track after it
 * (debug.c), checked before it is handed out.  Never tiny.
 */
static noinline void *malloc_debug(size_t size, gfp_t gfp, bool noscan, int node,
				   unsigned long caller)
{
	size_t room = debug_obj_size(size);
	struct mspan *s;
	void *p;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > GOALLOC_MAX_SIZE))
		return NULL;
	do {
		if (room <= MAX_SMALL_SIZE)
			p = malloc_small(room, size_to_class(room), gfp, noscan, node);
		else	/* no room for a track next to the largest objects */
			p = malloc_large(size, min_t(size_t, room, GOALLOC_MAX_SIZE), gfp, node);
		if (!p)
			return NULL;
		s = mheap_span_of((unsigned long)p);
	} while (!debug_alloc((unsigned long)p, s, size, caller, gfp));
	room = mspan_obj_room(s);
	/* usable as goalloc_usable_size() says: all the pages if untracked */
	return object_init(p, size, debug_size((unsigned long)p, s), room, gfp, noscan);
}

/* An object of @size bytes for @caller (debug mode's call site). */
static __always_inline void *malloc_object(size_t size, gfp_t gfp, bool noscan, int node,
					   unsigned long caller)
{
	might_alloc(gfp);
	if (debug_on())
		return malloc_debug(size, gfp, noscan, node, caller);
	if (noscan && size - 1 < TINY_MAX_OBJECT)
		return malloc_tiny(size, gfp);
	/*
	 * The first test implies the second; it comes first so that sizes up
	 * to 1016 bytes, most, take one compare before size_to_class()'s table.
	 */
	if (likely(size - 1 < SMALL_SIZE_MAX - 8) || likely(size - 1 < MAX_SMALL_SIZE))
		return malloc_small(size, size_to_class(size), gfp, noscan, node);
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > GOALLOC_MAX_SIZE))
		return NULL;
	return malloc_large(size, size, gfp, node);
}

/* === Tracepoints (trace.h) === */

/* Bytes the object at @p takes: bytes_alloc of goalloc:goalloc_alloc. */
static noinline size_t object_bytes(const void *p)
{
	unsigned long addr = (unsigned long)p;
	struct mspan *s = ZERO_OR_NULL_PTR(p) ? NULL : mheap_span_of(addr);

	if (!s)
		return 0;
	return s->tiny ? tiny_usable_size(s, addr) : mspan_obj_room(s);
}

/*
 * This CPU's next heap profile sample is @p, @size bytes asked by
 * @call_site: keep it, and mark a small object's live byte so that its
 * free tells the profile.  Returns @p.
 */
static noinline void *profile_sample(void *p, size_t size, unsigned long call_site)
{
	unsigned long addr = (unsigned long)p;
	struct mspan *s;

	if (ZERO_OR_NULL_PTR(p) || !profile_alloc(addr, size, call_site))
		return p;
	s = mheap_span_of(addr);
	if (s && s->spc && !s->tiny)
		WRITE_ONCE(s->live[mspan_obj_index(s, addr)], MSPAN_LIVE_SAMPLED);
	return p;
}

/*
 * Whether an allocation of @size bytes is this CPU's next heap profile
 * sample: the CPU's countdown, taken down by @size, went below zero.
 */
static __always_inline bool profile_due(size_t size)
{
	return profile_on() && unlikely(this_cpu_sub_return(profile_next, size) < 0);
}

/* An allocation is made: goalloc:goalloc_alloc for @p, @size bytes asked by @call_site. */
static __always_inline void *alloc_traced(unsigned long call_site, void *p, size_t size,
					  gfp_t gfp, int node)
{
	if (trace_goalloc_alloc_enabled())
		trace_goalloc_alloc(call_site, p, size, object_bytes(p), gfp, node);
	return p;
}

/* As alloc_traced(), then the heap profile's countdown.  Returns @p. */
static __always_inline void *alloc_done(unsigned long call_site, void *p, size_t size,
					gfp_t gfp, int node)
{
	alloc_traced(call_site, p, size, gfp, node);
	if (profile_due(size))
		return profile_sample(p, size, call_site);	/* a tail call */
	return p;
}

/*
 * An allocation that profile_due() picked (@sample), or one that
 * goalloc:goalloc_alloc traces, out of line: the fast paths count down and
 * test the tracepoint before they allocate, so that they end with the
 * object's initialisation (under init_on_alloc, a tail call to memset())
 * and keep nothing live across it.
 */
static noinline void *malloc_watched(size_t size, gfp_t gfp, bool noscan, int node,
				     unsigned long call_site, bool sample)
{
	void *p = malloc_object(size, gfp, noscan, node, call_site);

	alloc_traced(call_site, p, size, gfp, node);
	return sample ? profile_sample(p, size, call_site) : p;
}

/*
 * An exported allocation of @size bytes for @call_site: the heap profile's
 * countdown and the tracepoint first, out of line; then the object.
 */
static __always_inline void *malloc_call(size_t size, gfp_t gfp, bool noscan, int node,
					 unsigned long call_site)
{
	if (profile_due(size))
		return malloc_watched(size, gfp, noscan, node, call_site, true);
	if (trace_goalloc_alloc_enabled())
		return malloc_watched(size, gfp, noscan, node, call_site, false);
	return malloc_object(size, gfp, noscan, node, call_site);
}

/**
 * __goalloc_alloc() - allocate an object: goalloc_alloc() of a size not
 * known at compile time.
 * @size: bytes wanted; 0 returns ZERO_SIZE_PTR.
 * @flags: GFP flags, as for goalloc_alloc().
 *
 * Context: as goalloc_alloc().
 * Return: the object, or NULL if memory ran out or @size exceeds
 * GOALLOC_MAX_SIZE.
 */
void *__goalloc_alloc(size_t size, gfp_t flags)
{
	return malloc_call(size, flags, false, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__goalloc_alloc);

/*
 * __goalloc_alloc_class() in debug mode, with the tracepoint on, or of a
 * class that does not hold the size (a caller built against another
 * table: WARN once, then the class from @size).
 */
static noinline void *malloc_class_slow(size_t size, gfp_t gfp, unsigned int sizeclass,
					unsigned long call_site)
{
	unsigned int cls = sizeclass & SIZE_CLASS_MASK;
	void *p;

	might_alloc(gfp);
	if (debug_on()) {
		p = malloc_debug(size, gfp, false, NUMA_NO_NODE, call_site);
	} else if (unlikely(size - 1 >= class_to_size[cls])) {
		WARN_ONCE(1, "goalloc: %zu bytes asked of size class %u: module built against another goalloc.h?\n",
			  size, sizeclass);
		p = malloc_object(size, gfp, false, NUMA_NO_NODE, call_site);
	} else {
		p = malloc_small(size, cls, gfp, false, NUMA_NO_NODE);
	}
	return alloc_traced(call_site, p, size, gfp, NUMA_NO_NODE);
}

/**
 * __goalloc_alloc_class() - allocate an object of a size class: goalloc_alloc()
 * of a size known at compile time.
 * @size: bytes wanted, 1 to GOALLOC_MAX_SMALL_SIZE.
 * @flags: GFP flags, as for goalloc_alloc().
 * @sizeclass: goalloc_size_class(@size), which the compiler worked out.
 *
 * A @sizeclass whose objects do not hold @size bytes WARNs once and is
 * ignored; only its low 7 bits are read.
 *
 * Context: as goalloc_alloc().
 * Return: the object, or NULL if memory ran out.
 */
void *__goalloc_alloc_class(size_t size, gfp_t flags, unsigned int sizeclass)
{
	/* one load and one compare check it: the table is 0 for class 0 and past the last */
	unsigned int cls = sizeclass & SIZE_CLASS_MASK;

	/* sampled: the class from @size (a bad @sizeclass WARNs at a later call) */
	if (profile_due(size))
		return malloc_watched(size, flags, false, NUMA_NO_NODE, _RET_IP_, true);
	if (unlikely(debug_on() || size - 1 >= class_to_size[cls] ||
		     trace_goalloc_alloc_enabled()))
		return malloc_class_slow(size, flags, sizeclass, _RET_IP_);
	might_alloc(flags);
	return malloc_small(size, cls, flags, false, NUMA_NO_NODE);
}
EXPORT_SYMBOL_GPL(__goalloc_alloc_class);

/**
 * goalloc_alloc_noscan() - allocate an object that holds no pointers.
 * @size: bytes wanted; 0 returns ZERO_SIZE_PTR.
 * @flags: GFP flags, as for goalloc_alloc().
 *
 * Like goalloc_alloc(), for data the caller promises holds no pointer to
 * other objects (kmemleak does not scan it).  Sizes up to 8 bytes share
 * 16-byte blocks (Go's tiny allocator) and are aligned to the largest power
 * of two that divides @size.
 *
 * Context: as goalloc_alloc().
 * Return: the object, or NULL.
 */
void *goalloc_alloc_noscan(size_t size, gfp_t flags)
{
	return malloc_call(size, flags, true, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goalloc_alloc_noscan);

/* goalloc_alloc_node() of a node that does not exist. */
static noinline int bad_node(int node)
{
	WARN_ONCE(1, "goalloc: goalloc_alloc_node() of node %d, which does not exist\n", node);
	return NUMA_NO_NODE;
}

/**
 * goalloc_alloc_node() - allocate an object on a NUMA node.
 * @size: bytes wanted.
 * @flags: GFP flags, as for goalloc_alloc(); with __GFP_THISNODE, NULL
 * rather than memory of another node.
 * @node: the node, or NUMA_NO_NODE for this CPU's.
 *
 * As kmalloc_node(): the object lies on @node while @node has memory,
 * else on the nearest node that does.  A node without memory is taken as
 * NUMA_NO_NODE; one that does not exist WARNs once and is taken as
 * NUMA_NO_NODE.
 *
 * Context: as goalloc_alloc().
 * Return: the object, or NULL.
 */
void *goalloc_alloc_node(size_t size, gfp_t flags, int node)
{
	if (node != NUMA_NO_NODE) {
		if (unlikely(node < 0 || node >= nr_node_ids || !node_possible(node)))
			node = bad_node(node);
		else if (!node_state(node, N_MEMORY))
			node = NUMA_NO_NODE;
	}
	return malloc_call(size, flags, false, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(goalloc_alloc_node);

/* === Free === */

/*
 * Object @r of @s is free; this CPU's stack was full a moment ago, or this
 * is an interrupt in the middle of a fast path, which gives it to
 * mcentral.
 */
static noinline void free_push_slow(struct mspan *s, struct objref r)
{
	unsigned long flags;

	if (likely(mcache_lock_irqsave(&flags)))
		mcache_free(this_cpu_ptr(&mcaches), s, r, s->spc);
	else
		mcache_free_central(r, s->spc);
	local_unlock_irqrestore(&mcaches.lock, flags);
}

/*
 * free_small() found object @r of @s was not simply live (@live): a
 * double free, or a heap profile sample whose free the profile is told of
 * before the slot can be handed out again.  Out of line, so that the fast
 * path saves no more registers than it needs.
 */
static noinline void free_small_unusual(struct mspan *s, struct objref r, u8 live, bool hook)
{
	unsigned long addr = r.addr;

	if (!live) {
		report_error(REPORT_DOUBLE_FREE, addr, s, NULL, REPORT_NO_OFFSET);
		return;
	}
	profile_free(addr);
	if (hook)
		free_hook((void *)addr, s->elemsize, s->elemsize);
	free_push_slow(s, r);	/* nobody else can reach the slot meanwhile */
}

/*
 * Steps 2 and 3 of "Freeing" above, for object @idx (at @addr) of small
 * span @s, with the free hook if @hook.  A full stack drains a batch out
 * of line.
 */
static __always_inline void free_small(struct mspan *s, unsigned long addr, unsigned int idx,
				       bool hook)
{
	unsigned int spc = s->spc;
	struct mcache *c;
	struct objref r;
	u8 live;

	preempt_disable();
	r = mspan_objref_at(s, addr, idx);	/* s->live read with preemption off */
	live = objref_clear_live(r);
	if (unlikely(live != MSPAN_LIVE)) {
		preempt_enable();
		free_small_unusual(s, r, live, hook);
		return;
	}
	if (hook)
		free_hook((void *)addr, s->elemsize, s->elemsize);
	c = this_cpu_ptr(&mcaches);
	if (likely(__mcache_trylock(c))) {
		bool pushed = mcache_push(c, s, r, spc);

		__mcache_unlock(c);
		if (likely(pushed)) {
			preempt_enable();
			return;
		}
	}
	preempt_enable();
	free_push_slow(s, r);
}

static noinline void free_slow(const void *p, bool check);

/* free_tiny() of a heap profile sample, or with a free hook to run. */
static noinline void free_tiny_hooked(struct mspan *s, unsigned long addr)
{
	if (unlikely(!mspan_inuse_at(s, addr))) {
		free_slow((void *)addr, true);	/* as in free_tiny() */
		return;
	}
	if (profile_records())
		profile_free(addr);
	tiny_free(s, addr);
}

/*
 * A tiny object in block @idx of in-use tiny span @s: one cmpxchg on the
 * block's mask, which checks @addr.  A heap profile sample or a free hook
 * goes out of line, so that this path keeps nothing across a call.  Inline
 * in goalloc_free(), whose small-object path it leaves as it was (objdump).
 */
static __always_inline void free_tiny(struct mspan *s, unsigned long addr, unsigned int idx)
{
	long left;

	if (unlikely(profile_records() || free_hook_active())) {
		free_tiny_hooked(s, addr);
		return;
	}
	left = tiny_free_fast(s, addr, idx);
	if (likely(left > 0))
		cpu_stat_inc(GS_TINY_FREE);
	else if (unlikely(left < 0 && !mspan_inuse_at(s, addr)))
		free_slow((void *)addr, true);	/* a stale entry: @addr is not in @s */
	else	/* a block now free, or a bad free */
		tiny_free_done(s, addr, left);
}

/*
 * Large object @addr of span @s: the xchg of its live byte decides between
 * racing frees, as for a small object.  A span the heap has just carved
 * for another object, which a late double free of the large object that
 * lay there may find still in use with no span class, has no live byte
 * set (none, or another span's zeroes), so such a free is refused too.
 */
static noinline void free_large(struct mspan *s, unsigned long addr)
{
	unsigned int npages = s->npages;
	unsigned long flags;

	if (unlikely(addr != s->base)) {
		report_error(REPORT_INTERIOR, addr, s, NULL, REPORT_NO_OFFSET);
		return;
	}
	if (unlikely(!mspan_large_clear_live(s))) {
		report_error(REPORT_DOUBLE_FREE, addr, s, NULL, REPORT_NO_OFFSET);
		return;
	}
	if (unlikely(profile_records()))
		profile_free(addr);
	free_hook((void *)addr, mspan_bytes(s), mspan_bytes(s));
	spin_lock_irqsave(&mheap.lock, flags);
	mheap_free_span_locked(s);
	spin_unlock_irqrestore(&mheap.lock, flags);
	cpu_stat_inc(GS_LARGE_FREE);
	cpu_stat_add(GS_LARGE_FREE_PAGES, npages);
}

/* The live object @addr lies in, checked: its span, or NULL if reported. */
static struct mspan *object_span(unsigned long addr, unsigned int *idx)
{
	struct mspan *s = mheap_page_span(addr);

	if (unlikely(!s || !mspan_inuse_at(s, addr))) {
		/* in a free run of the heap: freed already (or never handed out) */
		report_error(s ? REPORT_DOUBLE_FREE : REPORT_NOT_OBJECT, addr, NULL, NULL,
			     REPORT_NO_OFFSET);
		return NULL;
	}
	if (!s->spc || s->tiny)
		return s;
	if (unlikely(!mspan_obj_start(s, addr, idx))) {
		report_error(REPORT_INTERIOR, addr, s, NULL, REPORT_NO_OFFSET);
		return NULL;
	}
	return s;
}

/* A free hook to run, a tiny or large object, or a bad pointer. */
static noinline void free_slow(const void *p, bool check)
{
	unsigned long addr = (unsigned long)p;
	unsigned int idx = 0;
	struct mspan *s;

	s = object_span(addr, &idx);
	if (unlikely(!s))
		return;
	if (debug_on() && check && (s->spc ? !s->tiny : addr == s->base) &&
	    !debug_free(addr, s))
		return;		/* corrupted: quarantined, not freed */
	if (unlikely(!s->spc))
		free_large(s, addr);
	else if (s->tiny)
		free_tiny(s, addr, tiny_block_index(s, addr));
	else
		free_small(s, addr, idx, true);
}

/* goalloc_free() but for its tracepoint. */
static __always_inline void free_object(const void *p)
{
	unsigned long addr = (unsigned long)p;
	unsigned int idx;
	struct mspan *s;

	/*
	 * The fast path: the span the arenas name for @addr's page, the test
	 * that @addr starts an object of an in-use small span, then
	 * free_small().  Tiny objects go to free_tiny(), tested first, and
	 * large objects, free hooks and bad pointers to free_slow(); NULL and
	 * ZERO_SIZE_PTR lie in no arena (@s is NULL) and need no other test.
	 */
	s = mheap_page_span(addr);
	if (unlikely(!s || free_hook_active() || !mspan_fast_obj_start(s, addr, &idx))) {
		if (s && s->tiny && READ_ONCE(s->state) == MSPAN_INUSE)
			free_tiny(s, addr, tiny_block_index(s, addr));	/* checks @addr */
		else if (!ZERO_OR_NULL_PTR(p))
			free_slow(p, true);
		return;
	}
	free_small(s, addr, idx, false);
}

/* goalloc_free() with goalloc:goalloc_free on, out of line (as malloc_watched()). */
static noinline void free_traced(const void *p, unsigned long call_site)
{
	trace_goalloc_free(call_site, p);
	free_object(p);
}

/**
 * goalloc_free() - free an object.
 * @p: an object from goalloc, NULL or ZERO_SIZE_PTR (no-ops).
 *
 * May be called from any context and any CPU, whichever CPU allocated @p.
 * A pointer that is not a live goalloc object (double free, interior or
 * foreign pointer) changes nothing: it is reported with its kind (the
 * first of each kind with a warning) and counted (report_* and
 * invalid_frees in the statistics).
 *
 * Context: any, hard-irq included; never sleeps.
 */
noinline void goalloc_free(const void *p)
{
	/*
	 * noinline, as GCC does not split such a function: else it moves all
	 * but this test into goalloc_free.part.0, for the callers in this
	 * file, and every free pays a jump and a second __fentry__.
	 */
	if (trace_goalloc_free_enabled())
		free_traced(p, _RET_IP_);
	else
		free_object(p);
}
EXPORT_SYMBOL_GPL(goalloc_free);

/**
 * goalloc_usable_size() - bytes usable in an object.
 * @p: a live goalloc object.
 *
 * All of it may be used, as with ksize(): with KASAN, the bytes past the
 * requested size become accessible.
 *
 * Context: any.
 * Return: the size of @p's class (for a large object its pages, for a tiny
 * object the size it was allocated with), or 0 for NULL, ZERO_SIZE_PTR and
 * pointers that are not the start of a live goalloc object.
 */
size_t goalloc_usable_size(const void *p)
{
	unsigned long addr = (unsigned long)p;
	struct mspan *s;
	unsigned int idx;
	size_t n = 0;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	s = mheap_span_of(addr);
	if (!s)
		return 0;
	if (s->tiny)
		return tiny_usable_size(s, addr);
	if (!s->spc) {
		n = addr == s->base && mspan_large_live(s) ? mspan_bytes(s) : 0;
	} else if (mspan_obj_start(s, addr, &idx)) {
		rcu_read_lock_sched();	/* the live bytes: see mspan_clear_live() */
		n = mspan_obj_live(s, idx) ? s->elemsize : 0;
		rcu_read_unlock_sched();
	}
	if (n && debug_on())
		n = debug_size(addr, s);	/* the red zone starts after it */
	if (n)
		platform_kasan_alloc((void *)p, n, n);
	return n;
}
EXPORT_SYMBOL_GPL(goalloc_usable_size);

/**
 * goalloc_size_roundup() - bytes an allocation of @size would make usable.
 * @size: bytes that would be asked of goalloc_alloc().
 *
 * As kmalloc_size_roundup(): allocate the rounded size up front rather
 * than asking goalloc_usable_size() afterwards.
 *
 * Context: any.
 * Return: the size of @size's class (for a large object its pages; in debug
 * mode @size itself, the red zone starting right after it), 0 for 0, and
 * @size itself when it is over GOALLOC_MAX_SIZE (goalloc_alloc() fails).
 */
size_t goalloc_size_roundup(size_t size)
{
	if (!size || size > GOALLOC_MAX_SIZE || debug_on())
		return size;
	if (size <= MAX_SMALL_SIZE)
		return class_to_size[size_to_class(size)];
	return round_up(size, GO_PAGE_SIZE);
}
EXPORT_SYMBOL_GPL(goalloc_size_roundup);

/**
 * goalloc_realloc() - resize an object, like krealloc().
 * @p: object to resize, or NULL (then this is goalloc_alloc()).
 * @new_size: bytes wanted; 0 frees @p and returns ZERO_SIZE_PTR.
 * @flags: GFP flags for a new object.
 *
 * The contents are kept up to the smaller of the old and new sizes.  If
 * @new_size fits in @p's class, @p is returned unchanged (so, as with
 * krealloc(), a power-of-two @new_size is naturally aligned only when the
 * object moves).  A noscan object stays noscan.
 *
 * Context: as goalloc_alloc() with @flags.
 * Return: the object (maybe moved), or NULL with @p untouched.
 */
void *goalloc_realloc(const void *p, size_t new_size, gfp_t flags)
{
	size_t old_size;
	struct mspan *s;
	void *n;

	if (unlikely(!new_size)) {
		goalloc_free(p);
		return ZERO_SIZE_PTR;
	}
	if (ZERO_OR_NULL_PTR(p))
		return goalloc_alloc(new_size, flags);
	old_size = goalloc_usable_size(p);
	if (unlikely(!old_size)) {
		report_error(REPORT_BAD_REALLOC, (unsigned long)p, NULL, NULL, REPORT_NO_OFFSET);
		return NULL;
	}
	s = mheap_span_of((unsigned long)p);
	/* in debug mode the red zone starts right after the old size */
	if (new_size <= old_size && (!debug_on() || new_size == old_size)) {
		if (!s->tiny)	/* the new end, for KASAN */
			platform_kasan_alloc((void *)p, new_size, old_size);
		return (void *)p;
	}
	n = malloc_object(new_size, flags, s->spc && spc_noscan(s->spc), NUMA_NO_NODE, _RET_IP_);
	if (!n)
		return NULL;
	alloc_done(_RET_IP_, n, new_size, flags, NUMA_NO_NODE);
	memcpy(n, p, min(old_size, new_size));	/* debug mode moves to shrink */
	goalloc_free(p);
	return n;
}
EXPORT_SYMBOL_GPL(goalloc_realloc);

/* === Bulk === */

/**
 * goalloc_alloc_bulk() - allocate @nr objects of one size.
 * @size: bytes per object.
 * @flags: GFP flags.
 * @nr: number of objects.
 * @p: array that receives them.
 *
 * Faster per object than goalloc_alloc(): one lock section pops every
 * object this CPU's stack of the class holds, then a batch refilled from
 * mcentral at a time.
 *
 * Context: as goalloc_alloc().
 * Return: @nr, or 0 (and nothing allocated) if memory ran out.
 */
int goalloc_alloc_bulk(size_t size, gfp_t flags, size_t nr, void **p)
{
	unsigned long flags_irq;
	struct objref *top;
	unsigned int cls, spc;
	struct objstack *st;
	size_t i = 0, start;
	struct objref r;
	struct mcache *c;

	if (!size || size > MAX_SMALL_SIZE || debug_on()) {
		for (; i < nr; i++) {
			p[i] = goalloc_alloc(size, flags);
			if (!p[i])
				goto fail;
		}
		return nr;
	}
	might_alloc(flags);
	cls = size_to_class(size);
	spc = make_spc(cls, false);
	while (i < nr) {
		start = i;
		r.addr = 0;
		if (unlikely(!mcache_lock_irqsave(&flags_irq))) {	/* an interrupt in a fast path */
			local_unlock_irqrestore(&mcaches.lock, flags_irq);
			break;
		}
		c = this_cpu_ptr(&mcaches);
		st = &c->stack[spc];
		/* as objstack_pop(), with the top in a register: p[] may alias it */
		for (top = st->top; i < nr && top[-1].addr; top--)
			p[i++] = objref_set_live(top[-1]);
		st->top = top;
		if (i < nr) {
			r = mcache_refill(c, spc);
			if (r.addr)
				p[i++] = objref_set_live(r);
		}
		c->class_allocs[cls] += i - start;
		local_unlock_irqrestore(&mcaches.lock, flags_irq);
		if (i < nr && !r.addr) {
			r = mcache_alloc_slow(spc, flags, NUMA_NO_NODE);
			if (r.addr) {
				this_cpu_inc(mcaches.class_allocs[cls]);
				p[i++] = objref_set_live(r);
			}
		}
		for (; start < i; start++)
			alloc_done(_RET_IP_, alloc_hook(p[start], size, class_to_size[cls],
							 class_to_size[cls], flags, false),
				    size, flags, NUMA_NO_NODE);
		if (i < nr && !r.addr)
			goto fail;
	}
	for (; i < nr; i++) {	/* what an interrupt in a fast path has left to do */
		p[i] = goalloc_alloc(size, flags);
		if (!p[i])
			goto fail;
	}
	return nr;
fail:
	goalloc_free_bulk(i, p);
	return 0;
}
EXPORT_SYMBOL_GPL(goalloc_alloc_bulk);

/*
 * The checks of goalloc_free()'s fast path (free_object()) for each object
 * of a bulk free: the in-use small span @addr starts an object of, slot
 * *@idx, or NULL.  Objects of one span often follow each other, so the
 * span of the last one, @hint, is tried first: the check of @addr against
 * it is the same as against the span the arenas name, which is @hint
 * whenever @addr lies in it.
 */
static __always_inline struct mspan *bulk_obj_span(struct mspan *hint, unsigned long addr,
						   unsigned int *idx)
{
	struct mspan *s;

	if (hint && mspan_fast_obj_start(hint, addr, idx))
		return hint;
	s = mheap_page_span(addr);
	return s && mspan_fast_obj_start(s, addr, idx) ? s : NULL;
}

/**
 * goalloc_free_bulk() - free @nr objects.
 * @nr: number of objects.
 * @p: the objects (each as for goalloc_free()).
 *
 * Faster per object than goalloc_free(): small objects go onto this CPU's
 * stacks under one lock section.
 *
 * Context: any, hard-irq included; never sleeps.
 */
void goalloc_free_bulk(size_t nr, void **p)
{
	unsigned long flags, addr;
	unsigned int idx;
	struct mcache *c;
	struct mspan *s = NULL;
	struct objref r;
	u8 live;
	bool ours;
	size_t i;

	if (debug_on()) {	/* every object checked on its own */
		for (i = 0; i < nr; i++)
			goalloc_free(p[i]);
		return;
	}
	ours = mcache_lock_irqsave(&flags);
	c = this_cpu_ptr(&mcaches);
	for (i = 0; i < nr; i++) {
		if (unlikely(!ours)) {	/* an interrupt in a fast path */
			local_unlock_irqrestore(&mcaches.lock, flags);
			for (; i < nr; i++)
				goalloc_free(p[i]);
			return;
		}
		addr = (unsigned long)p[i];
		s = bulk_obj_span(s, addr, &idx);
		live = 0;
		if (likely(s)) {
			r = mspan_objref_at(s, addr, idx);	/* interrupts off */
			live = objref_clear_live(r);
		}
		if (unlikely(!live)) {
			/* tiny, large, NULL or bad: goalloc_free() frees it or reports why not */
			local_unlock_irqrestore(&mcaches.lock, flags);
			goalloc_free(p[i]);
			ours = mcache_lock_irqsave(&flags);
			c = this_cpu_ptr(&mcaches);
			continue;
		}
		if (unlikely(live == MSPAN_LIVE_SAMPLED))
			profile_free(addr);
		trace_goalloc_free(_RET_IP_, p[i]);
		free_hook(p[i], s->elemsize, s->elemsize);
		mcache_free(c, s, r, s->spc);
	}
	local_unlock_irqrestore(&mcaches.lock, flags);
}
EXPORT_SYMBOL_GPL(goalloc_free_bulk);

/**
 * goalloc_flush() - give cached memory back to the buddy allocator now.
 *
 * Flushes every CPU's cache, returns empty spans to the heap and entirely
 * free chunks to the buddy allocator, as the shrinker does under pressure.
 *
 * Context: process context; may sleep.
 */
void goalloc_flush(void)
{
	mcache_flush_all();
	mcentral_release_empty(0);
	mheap_scavenge(ULONG_MAX);
}
EXPORT_SYMBOL_GPL(goalloc_flush);

/* The most one pass gives back: 16 MiB, so a pass stays short. */
#define SCAVENGE_PASS_PAGES	((16UL << 20) >> GO_PAGE_SHIFT)

/*
 * One pass of the background scavenger (Go's bgscavenge), which the module
 * runs every scavenge_interval_ms: CPUs that neither allocated nor freed
 * since the last pass give their caches back; once every CPU is idle, so
 * do mcentral's empty spans; then free runs go back to the buddy allocator,
 * the longest that fit first, while the heap holds more than
 * mheap_scavenge_goal(), at most SCAVENGE_PASS_PAGES a pass.  Where Go paces by CPU time, a bounded pass
 * a second costs little (README gives what it measured).  One caller at a
 * time; process context.  Returns the Go pages given back.
 */
unsigned long malloc_scavenge(void)
{
	unsigned long goal, held;

	if (mcache_flush_idle())
		mcentral_release_empty(0);
	goal = mheap_scavenge_goal(&held);
	if (held <= goal)
		return 0;
	return mheap_scavenge_within(min(held - goal, SCAVENGE_PASS_PAGES));
}
EXPORT_SYMBOL_IF_KUNIT(malloc_scavenge);

/* === Bringing the levels up and down (Go's mallocinit) === */

/* Ready every level, in debug mode if @debug.  Returns 0 or an errno. */
int malloc_init(bool debug)
{
	int err;

	sizeclasses_init();
	platform_stack_init();		/* the heap profile's stacks */
	err = mheap_init();
	if (err)
		return err;
	err = mcentral_init();	/* cleans up after itself */
	if (err) {
		mheap_exit();
		return err;
	}
	err = mcache_init();
	if (err) {
		mcentral_exit();
		mheap_exit();
		return err;
	}
	if (debug)
		debug_enable();
	return 0;
}

/*
 * Take every level down, after the last allocation: flush the caches, give
 * every page back, and leave the final statistics in @st (heap_sys is then
 * what could not be given back: 0 unless objects leaked).
 */
void malloc_exit(struct goalloc_stats *st)
{
	void *p;

	while ((p = debug_quarantine_pop()))
		free_slow(p, false);	/* quarantined: freed without the checks */
	mcache_exit();
	mcentral_release_empty(0);
	mheap_exit();
	profile_exit();
	goalloc_get_stats(st);
	mcentral_exit();
	WARN_ONCE(st->heap_objects, "goalloc: %llu objects (%llu bytes) still live at unload\n",
		  st->heap_objects, st->heap_alloc);
	fixalloc_exit();
	debug_disable();
}
