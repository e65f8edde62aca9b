// SPDX-License-Identifier: GPL-2.0
/*
 * The tiny allocator.  See malloc.c for the overview.
 *
 * Noscan objects of up to 8 bytes (TINY_MAX_OBJECT) share a 16-byte block,
 * as in Go, where all under 16 bytes do: each CPU bump-allocates from its
 * current block (tiny_alloc_fast() in malloc.h), aligning each object to
 * the largest power of two <= 8 that divides its size.  Go frees a block when
 * the GC finds no object in it reachable.  goalloc has no GC and frees each
 * object explicitly, so each block keeps a mask word (TINY_* in malloc.h):
 * which offsets start a live object, where each one ends, and whether a
 * CPU still allocates from the block.  A mask rather than a count because
 * the mask also tells a double or interior free from a real one and gives
 * goalloc_usable_size() its answer; a held flag because a block that
 * becomes empty while its CPU still allocates from it must not be freed.
 * The block goes back to its span when the last object is freed and the
 * CPU has moved on, whichever happens last: both clear bits with one atomic
 * operation on the same word and only the one that leaves it zero frees it.
 * A block whose objects are all freed while its CPU still holds it is
 * started over when it runs out of room, so that short-lived tiny objects
 * keep reusing one block.
 */
#include "malloc.h"

#define TINY_STARTS	(TINY_HELD - 1)	/* bits 0..14 */

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
 * Block @idx of tiny span @s holds no live object and no CPU allocates
 * from it: back onto @c's stack of blocks, held (or @c a dead CPU's), or
 * with @c NULL to mcentral.  Interrupts off, unless @c is held by a fast
 * path that made sure the stack has room (tiny_next()).  Out of line: the
 * block switch seldom frees the block it leaves.
 */
static noinline void tiny_free_block(struct mcache *c, struct mspan *s, unsigned int idx)
{
	struct objref r = mspan_objref(s, idx);

	/* the block's bits are only cleared by whoever left them zero */
	if (WARN_ON_ONCE(!mspan_clear_live(s, idx)))
		return;
	cpu_stat_inc(GS_TINY_BLOCK_FREE);
	platform_kasan_free((void *)r.addr, TINY_SIZE);
	if (c)
		mcache_free(c, s, r, TINY_SPC);
	else
		mcache_free_central(r, TINY_SPC);
}

/*
 * Give the current block up; free it if no object in it is live.  Called
 * with @c's mcache lock held, or for a dead CPU.
 */
static __always_inline void __tiny_retire(struct mcache *c)
{
	struct mspan *s = c->tinyspan;
	int old;

	if (!c->tiny)
		return;
	old = atomic_fetch_andnot(TINY_HELD, c->tinymask);
	if (!(old & TINY_STARTS))
		tiny_free_block(c, s, tiny_block_index(s, c->tiny));
	c->tiny = 0;
	c->tinyoffset = TINY_SIZE;	/* no room: tiny_alloc_fast() fails */
	c->tinyspan = NULL;
	c->tinymask = NULL;
}

void tiny_retire(struct mcache *c)
{
	__tiny_retire(c);
}

/*
 * Make @ref, a free block, this CPU's tiny block and put a @size-byte
 * object at its start; the block counts as an object of its class.
 */
static __always_inline void *__tiny_install(struct mcache *c, struct objref ref, size_t size)
{
	unsigned long block = (unsigned long)objref_set_live(ref);
	/* mostly the span of the block it follows, which that block holds in use */
	struct mspan *s = objref_span_hint(ref, c->tinyspan);

	__tiny_retire(c);
	platform_kasan_alloc((void *)block, TINY_SIZE, TINY_SIZE);
	c->tiny = block;
	c->tinyspan = s;
	c->tinymask = &s->tinymask->block[tiny_block_index(s, block)];
	atomic_set(c->tinymask, TINY_HELD | tiny_fits[size].bits);
	c->tinyoffset = size;
	c->stat[GS_TINY_ALLOC]++;
	c->stat[GS_TINY_BLOCK_ALLOC]++;
	/* an interrupt's malloc_small_uncached() may count the class too */
	this_cpu_inc(mcaches.class_allocs[TINY_SIZE_CLASS]);
	return (void *)block;
}

void *tiny_install(struct mcache *c, struct objref ref, size_t size)
{
	return __tiny_install(c, ref, size);
}

/*
 * Allocate @size (1..TINY_MAX_OBJECT) bytes: this CPU's current block
 * (tiny_alloc_fast()) has no room.  From the start of that block again if
 * it holds no live object, else from the next block on the CPU's stack;
 * NULL if that needs mcentral (the stack is empty, or the current block,
 * if it empties, would go back to another node).  @c held, by a fast path
 * or a slow one: the stack has room for the current block once the next
 * one is popped.
 */
void *tiny_next(struct mcache *c, size_t size)
{
	struct objstack *st = &c->stack[TINY_SPC];

	/*
	 * Every object of the current block was freed while this CPU held
	 * it: start it over rather than trade it for another.  No free can
	 * change its mask meanwhile, as none has an object to free there.
	 */
	if (c->tiny && atomic_read(c->tinymask) == TINY_HELD) {
		c->tinyoffset = 0;
		return tiny_alloc_fast(c, size);
	}
	if (unlikely(objstack_empty(st) || (c->tiny && mspan_remote(c->tinyspan))))
		return NULL;
	return __tiny_install(c, objstack_pop(st), size);
}

/*
 * As tiny_next(), with mcentral when it needs it: interrupts off.  NULL
 * when a new block needs the heap to grow.
 */
void *tiny_alloc(struct mcache *c, size_t size)
{
	struct objref block;
	void *p = tiny_next(c, size);

	if (p)
		return p;
	block = mcache_refill(c, TINY_SPC);
	if (!block.addr)
		return NULL;
	return __tiny_install(c, block, size);
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
 * free, and give the block back if it is empty now; or report a bad free.
 */
void tiny_free_done(struct mspan *s, unsigned long addr, long left)
{
	unsigned long flags;

	if (unlikely(left < 0)) {
		tiny_free_bad(s, addr);
		return;
	}
	cpu_stat_inc(GS_TINY_FREE);
	if (!left) {
		/* an interrupt in a fast path gives it to mcentral */
		tiny_free_block(mcache_lock_irqsave(&flags) ? this_cpu_ptr(&mcaches) : NULL, s,
				tiny_block_index(s, addr));
		local_unlock_irqrestore(&mcaches.lock, flags);
	}
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
