// SPDX-License-Identifier: GPL-2.0
/*
 * The tiny allocator.  See malloc.c for the overview.
 *
 * Noscan objects of up to 8 bytes (TINY_MAX_OBJECT) share a 16-byte block,
 * as in Go, where all under 16 bytes do: each CPU bump-allocates from its
 * current block (tiny_alloc_fast() in malloc.h), aligning each object to
 * the largest power of two <= 8 that divides its size.
 *
 * Go frees a block when the GC finds no object in it reachable.  goalloc
 * has no GC and frees each object explicitly, so each block keeps a mask
 * word (TINY_* in malloc.h): which offsets start a live object, where each
 * one ends, and whether a CPU still allocates from the block.  A mask
 * rather than a count because the mask also tells a double or interior
 * free from a real one and gives goalloc_usable_size() its answer; a held
 * flag because a block that becomes empty while its CPU still allocates
 * from it must not be taken again.  A block whose mask is zero is free.
 * Its last object's free and its CPU moving on both clear bits with one
 * atomic operation on the word, and the one that leaves it zero has freed
 * the block.  A block whose objects are all freed while its CPU still
 * holds it is started over when it runs out of room, so that short-lived
 * tiny objects keep reusing one block.
 *
 * Blocks stay in their span, free or not.  As Go's mcache holds a span of
 * the tiny span class and takes its next block from it, each CPU holds a
 * tiny span and takes the next free block from a cursor that goes through
 * the masks once (tiny_take_block(), as Go's nextFreeIndex goes through
 * allocBits): freeing a block moves nothing, and taking one is a look at
 * a few masks.  The span's tiny_used counts its blocks that are not free,
 * plus TINY_SPAN_HELD while a CPU holds it.  When the cursor reaches the
 * end, the CPU gives the span to its node's tiny mcentral, which files it
 * by that count (mcentral_tiny_put()): partial if a quarter of its blocks
 * or more are free, so that a CPU that takes it finds a free block in four
 * masks or fewer on average; full if fewer; empty if all are, and then
 * back to the heap beyond a small reserve.  While no CPU holds a span, the
 * free that takes its count to tiny_span_partial() or to zero files it
 * again, under the mcentral lock (mcentral_tiny_block_freed()); every
 * other one takes the count down with a cmpxchg and no lock, never across
 * those two values (tiny_block_freed()), so that a span is always on the
 * list its count says.
 */
#include "malloc.h"

/* A tiny size's struct tiny_fit (malloc.h) */
#define TINY_FIT(size)	{ TINY_START(0) | TINY_END((size) - 1), ((size) & -(size)) - 1, \
			  (size) < 2 ? 2 : (size) }
const struct tiny_fit tiny_fits[TINY_MAX_OBJECT + 1] = {
	{ 0 }, TINY_FIT(1), TINY_FIT(2), TINY_FIT(3), TINY_FIT(4),
	TINY_FIT(5), TINY_FIT(6), TINY_FIT(7), TINY_FIT(8),
};
static_assert(TINY_MAX_OBJECT == 8);

/*
 * The mask of the block @addr lies in, in tiny span @s, and @addr's offset
 * in the block in *@off; -1 if @s has no such block now (a bad free racing
 * the span's set-up or release).
 */
static long tiny_mask_read(struct mspan *s, unsigned long addr, unsigned int *off)
{
	unsigned int idx = tiny_block_index(s, addr);
	atomic_t *m;
	long mask;

	*off = tiny_block_offset(s, addr);
	rcu_read_lock_sched();
	m = tiny_mask_of(s, idx);
	mask = m ? (long)(u32)atomic_read(m) : -1L;
	rcu_read_unlock_sched();
	return mask;
}

/*
 * A block of tiny span @s became free: a free left its mask zero
 * (tiny_free_fast() poisoned it).  Count it, and take the span's count
 * down.  Any context, any CPU.
 */
static void tiny_block_freed(struct mspan *s)
{
	int used = atomic_read(&s->tiny_used);

	cpu_stat_inc(GS_TINY_BLOCK_FREE);	/* a free of its class too */
	do {
		/* a count that may move the span to another list: under the lock */
		if (unlikely(used == 1 || used == tiny_span_partial(s) + 1)) {
			mcentral_tiny_block_freed(s);
			return;
		}
	} while (!atomic_try_cmpxchg(&s->tiny_used, &used, used - 1));
}

/*
 * Give @c's current block up; it is free now if no object in it is live.
 * Called with @c's mcache lock held, or for a dead CPU: @c holds the span,
 * so the span's count stays above what would move it to another list.
 */
static __always_inline void tiny_retire_block(struct mcache *c)
{
	if (!c->tiny)
		return;
	/* TINY_HELD is set, and only this CPU clears it: a subtraction clears it */
	if (!atomic_add_return(-(int)TINY_HELD, c->tinymask)) {
		/* no other CPU takes a block of @c's span: poisoned in time */
		platform_kasan_free((void *)c->tiny, TINY_SIZE);
		atomic_dec(&c->tinyspan->tiny_used);
		cpu_stat_inc(GS_TINY_BLOCK_FREE);	/* a free of its class too */
	}
	c->tiny = 0;
	c->tinyoffset = TINY_SIZE;	/* no room: tiny_alloc_fast() fails */
	c->tinymask = NULL;
}

/*
 * Give everything tiny @c holds back: its block, and its span to mcentral.
 * Interrupts off, @c held (or a dead CPU's).
 */
void tiny_retire(struct mcache *c)
{
	tiny_retire_block(c);
	if (c->tinyspan) {
		mcentral_tiny_put(c->tinyspan);
		c->tinyspan = NULL;
	}
}

/*
 * Make block @idx of @c's span, free, @c's current block and put a
 * @size-byte object at its start; the block counts as an object of its
 * class.  @c held.
 */
static __always_inline void *tiny_claim(struct mcache *c, unsigned int idx, size_t size)
{
	struct mspan *s = c->tinyspan;
	unsigned long block = s->base + idx * TINY_SIZE;

	c->tinymask = &s->tinymask->block[idx];
	/* free: only the CPU that holds @s changes it (a bad free only reads) */
	atomic_set(c->tinymask, TINY_HELD | tiny_fits[size].bits);
	atomic_inc(&s->tiny_used);
	platform_kasan_alloc((void *)block, TINY_SIZE, TINY_SIZE);
	c->tiny = block;
	c->tinyoffset = size;
	c->tinynext = idx + 1;
	c->stat[GS_TINY_ALLOC]++;
	c->stat[GS_TINY_BLOCK_ALLOC]++;
	/* an interrupt's malloc_small_uncached() may count the class too */
	this_cpu_inc(mcaches.class_allocs[TINY_SIZE_CLASS]);
	return (void *)block;
}

/*
 * The first free block of @c's span from its cursor on, made @c's current
 * block with a @size-byte object; NULL if none is left.  @c held.
 */
static void *tiny_take_block(struct mcache *c, size_t size)
{
	struct tiny_mask *tm = c->tinyspan->tinymask;
	unsigned int idx;

	/* acquire: the last free's accesses to the block before ours */
	for (idx = c->tinynext; idx < tm->nblocks; idx++)
		if (!atomic_read_acquire(&tm->block[idx]))
			return tiny_claim(c, idx, size);
	c->tinynext = idx;
	return NULL;
}

/*
 * Make @s, a tiny span this CPU holds (taken from mcentral, or new), @c's
 * span, after giving the one it held back, and put a @size-byte object in
 * its first free block.  Interrupts off, @c held.  NULL only if @s has no
 * free block.
 */
void *tiny_install(struct mcache *c, struct mspan *s, size_t size)
{
	tiny_retire(c);
	c->tinyspan = s;
	c->tinynext = 0;
	return tiny_take_block(c, size);
}

/*
 * Allocate @size (1..TINY_MAX_OBJECT) bytes: this CPU's current block
 * (tiny_alloc_fast()) has no room.  From the start of that block again if
 * it holds no live object, else from the next free block of the CPU's
 * span; NULL if that needs mcentral (the CPU holds no span, or the cursor
 * reached its end).  @c held, by a fast path or a slow one.
 */
void *tiny_next(struct mcache *c, size_t size)
{
	/*
	 * Every object of the current block was freed while this CPU held
	 * it: start it over rather than trade it for another.  No free can
	 * change its mask meanwhile, as none has an object to free there.
	 * Acquire: the frees' accesses to the block before the new objects'.
	 */
	if (c->tiny && atomic_read_acquire(c->tinymask) == TINY_HELD) {
		c->tinyoffset = 0;
		return tiny_alloc_fast(c, size);
	}
	if (unlikely(!c->tinyspan))
		return NULL;
	tiny_retire_block(c);
	return tiny_take_block(c, size);
}

/*
 * As tiny_next(), with mcentral when it needs it: interrupts off.  NULL
 * when a new span needs the heap to grow.
 */
void *tiny_alloc(struct mcache *c, size_t size)
{
	void *p = tiny_next(c, size);
	struct mspan *s;
	int node;

	if (p)
		return p;
	s = mcentral_tiny_take(numa_mem_id());
	/* a node out of memory takes other nodes' spans first, as mcache_grow() */
	if (!s && numa_on() && mheap_node_full(NUMA_NO_NODE)) {
		for_each_node(node) {
			s = mcentral_tiny_take(node);
			if (s)
				break;
		}
	}
	if (!s)
		return NULL;
	return tiny_install(c, s, size);
}

/*
 * Why a free at offset @off of a block whose mask is @mask, where no live
 * object starts, is refused: @off lies inside a live object, or not.
 */
static enum report_kind tiny_bad_free(int mask, unsigned int off)
{
	unsigned int start;

	for (start = 0; start < off && start < TINY_SIZE - 1; start++)
		if ((mask & TINY_START(start)) && tiny_end(mask, start) >= off)
			return REPORT_INTERIOR;
	return REPORT_DOUBLE_FREE;
}

/*
 * A free at @addr of tiny span @s found no live object there: report it
 * (a free inside a live object, or of one freed already).  Changes nothing.
 */
static void tiny_free_bad(struct mspan *s, unsigned long addr)
{
	unsigned int off;
	long mask = tiny_mask_read(s, addr, &off);

	report_error(mask >= 0 ? tiny_bad_free(mask, off) : REPORT_NOT_OBJECT, addr, s, NULL,
		     REPORT_NO_OFFSET);
}

/*
 * After tiny_free_fast() of @addr in tiny span @s left @left: count the
 * free, and the block's if it is free now; or report a bad free.
 */
void tiny_free_done(struct mspan *s, unsigned long addr, long left)
{
	if (unlikely(left < 0)) {
		tiny_free_bad(s, addr);
		return;
	}
	cpu_stat_inc(GS_TINY_FREE);
	if (!left)
		tiny_block_freed(s);
}

/*
 * Free the tiny object at @addr of tiny span @s, with the free hook (its
 * bytes cleared or marked before another CPU may reuse them).  Any
 * context, any CPU.
 */
void tiny_free(struct mspan *s, unsigned long addr)
{
	size_t size = tiny_usable_size(s, addr);

	if (!size) {
		tiny_free_bad(s, addr);
		return;
	}
	free_hook((void *)addr, size, 0);
	tiny_free_done(s, addr, tiny_free_fast(s, addr, tiny_block_index(s, addr)));
}

/* Bytes usable at @addr, a live tiny object of @s, or 0 if it is not one. */
size_t tiny_usable_size(struct mspan *s, unsigned long addr)
{
	unsigned int off;
	long mask = tiny_mask_read(s, addr, &off);

	if (mask < 0 || off >= TINY_SIZE - 1 || !(mask & TINY_START(off)))
		return 0;
	return tiny_end(mask, off) - off + 1;
}
