// SPDX-License-Identifier: GPL-2.0
/*
 * Central free lists (Go's mcentral).  See malloc.c for the overview.
 *
 * One mcentral per span class, plus one for the spans that hold tiny
 * blocks.  Each keeps the spans no CPU caches on three lists: partial (some
 * free slots), full (none) and empty (all free: a small reserve so a class
 * that breathes in and out does not go to the heap every time).  On the
 * allocation and free paths every critical section is O(1); the one list
 * walk under the lock is mcentral_release_empty()'s (flush and shrink).
 */
#include "malloc.h"

struct mcentral mcentral[NUM_CENTRALS];
EXPORT_SYMBOL_IF_KUNIT(mcentral);

static struct mcentral *central_of(const struct mspan *s)
{
	return &mcentral[s->tiny ? TINY_SLOT : s->spc];
}

/* Move @s to list @to (MC_NONE: off every list).  mcentral lock held. */
static void mcentral_set_list(struct mcentral *mc, struct mspan *s, enum mcentral_list to)
{
	lockdep_assert_held(&mc->lock);
	switch (s->on_list) {
	case MC_PARTIAL:
		mc->npartial--;
		break;
	case MC_FULL:
		mc->nfull--;
		break;
	case MC_EMPTY:
		mc->nempty--;
		break;
	}
	if (s->on_list != MC_NONE)
		list_del_init(&s->list);
	s->on_list = to;
	switch (to) {
	case MC_PARTIAL:
		list_add(&s->list, &mc->partial);
		mc->npartial++;
		break;
	case MC_FULL:
		list_add(&s->list, &mc->full);
		mc->nfull++;
		break;
	case MC_EMPTY:
		list_add(&s->list, &mc->empty);
		mc->nempty++;
		break;
	case MC_NONE:
		break;
	}
}

/*
 * File an uncached span by its free count.  An empty span beyond the
 * reserve goes on @release for the heap.  mcentral lock held.
 */
static void mcentral_file(struct mcentral *mc, struct mspan *s, struct list_head *release)
{
	if (s->nfree == s->nelems) {
		if (mc->nempty < MCENTRAL_EMPTY_RESERVE) {
			mcentral_set_list(mc, s, MC_EMPTY);
		} else {
			mcentral_set_list(mc, s, MC_NONE);
			list_add(&s->list, release);
		}
	} else if (s->nfree) {
		mcentral_set_list(mc, s, MC_PARTIAL);
	} else {
		mcentral_set_list(mc, s, MC_FULL);
		/*
		 * A lock-free free reads on_list after setting its bit
		 * (mcentral_free_lockless()): either it sees MC_FULL and
		 * merges under this lock, or this merge sees its bit.
		 */
		smp_mb();
		if (mspan_merge_remote(s))
			mcentral_file(mc, s, release);
	}
}

/* Give spans on @release back to the heap, under one heap lock. */
static void mcentral_release(struct list_head *release)
{
	struct mspan *s, *tmp;
	unsigned long flags;

	if (list_empty(release))
		return;
	list_for_each_entry(s, release, list)
		tiny_mask_release(s);
	spin_lock_irqsave(&mheap.lock, flags);
	list_for_each_entry_safe(s, tmp, release, list) {
		list_del_init(&s->list);
		mheap_free_span_locked(s);
	}
	spin_unlock_irqrestore(&mheap.lock, flags);
}

/*
 * Go's cacheSpan: a span with free slots for CPU @cpu, or NULL if this
 * class has none uncached.  Called with interrupts off.
 */
struct mspan *mcentral_cache_span(unsigned int slot, int cpu)
{
	struct mcentral *mc = &mcentral[slot];
	struct mspan *s;

	spin_lock(&mc->lock);
	s = list_first_entry_or_null(&mc->partial, struct mspan, list);
	if (!s)
		s = list_first_entry_or_null(&mc->empty, struct mspan, list);
	if (s) {
		mcentral_set_list(mc, s, MC_NONE);
		WRITE_ONCE(s->cpu, cpu);
		mc->ncached++;
	}
	spin_unlock(&mc->lock);
	return s;
}

/* Mark a fresh span (from the heap or a page cache) as cached by @cpu. */
void mcentral_cache_fresh(struct mspan *s, int cpu)
{
	struct mcentral *mc = central_of(s);
	unsigned long flags;

	spin_lock_irqsave(&mc->lock, flags);
	WRITE_ONCE(s->cpu, cpu);
	mc->ncached++;
	spin_unlock_irqrestore(&mc->lock, flags);
}

/*
 * Go's uncacheSpan: the caching CPU gives @s back.  Remote frees are merged
 * under the lock, together with clearing s->cpu, so none can be lost.
 * Called by the owner with interrupts off (or for a dead CPU).
 */
void mcentral_uncache_span(struct mspan *s)
{
	struct mcentral *mc = central_of(s);
	unsigned long flags;
	LIST_HEAD(release);

	spin_lock_irqsave(&mc->lock, flags);
	/*
	 * Let go first, then merge: a lock-free remote free whose bit comes
	 * too late for this merge sees the span let go, and merges under this
	 * lock itself (mcentral_free_lockless()).
	 */
	WRITE_ONCE(s->cpu, MSPAN_NO_CPU);
	smp_mb();	/* pairs with mspan_set_remote() in mcentral_free_lockless() */
	mspan_uncache_bits(s);
	mspan_merge_remote(s);
	mc->ncached--;
	mcentral_file(mc, s, &release);
	spin_unlock_irqrestore(&mc->lock, flags);
	mcentral_release(&release);
}

/* A fresh span nobody caches goes on the lists.  Any context. */
void mcentral_put_fresh(struct mspan *s)
{
	struct mcentral *mc = central_of(s);
	unsigned long flags;
	LIST_HEAD(release);

	spin_lock_irqsave(&mc->lock, flags);
	mcentral_file(mc, s, &release);
	spin_unlock_irqrestore(&mc->lock, flags);
	mcentral_release(&release);
}

/* Set up a span for @slot that mheap just gave out.  Returns @s or NULL. */
struct mspan *mcentral_init_span(struct mspan *s, unsigned int slot, gfp_t gfp)
{
	bool tiny = slot == TINY_SLOT;

	mspan_init_small(s, tiny ? make_spc(TINY_SIZE_CLASS, true) : slot, tiny);
	platform_kasan_free((void *)s->base, mspan_bytes(s));	/* every slot free */
	if (goalloc_debug_on() && !tiny)
		debug_init_span(s);
	if (tiny) {
		struct tiny_mask *tm = tiny_mask_alloc(s->nelems, gfp);

		if (!tm) {
			mheap_free_span(s);
			return NULL;
		}
		/* its zeroed bits before the pointer: see struct tiny_mask */
		smp_store_release(&s->tinymask, tm);
	}
	return s;
}

/* Pages and alignment of a span of @slot. */
void mcentral_span_shape(unsigned int slot, unsigned int *npages, unsigned int *align)
{
	unsigned int c = slot_sizeclass(slot);
	unsigned int size = class_to_size[c];

	*npages = class_to_allocnpages[c];
	/* Power-of-two sizes are naturally aligned, as with kmalloc. */
	*align = is_power_of_2(size) && size > GO_PAGE_SIZE ? size / GO_PAGE_SIZE : 1;
}

/*
 * Go's mcentral.grow: a new, uncached span for @slot from the heap.  May
 * sleep if @gfp allows; no goalloc lock held.
 */
struct mspan *mcentral_grow(unsigned int slot, int node, gfp_t gfp)
{
	unsigned int npages, align;
	struct mspan *s;

	mcentral_span_shape(slot, &npages, &align);
	s = mheap_alloc(npages, align, node, gfp);
	if (!s)
		return NULL;
	return mcentral_init_span(s, slot, gfp);
}

/*
 * Free slot @idx (at @addr) of @s, mcentral lock held: the slot goes to
 * remotebits if some CPU caches the span, else to freebits.  The free hook
 * runs (for @hook_size bytes, if not 0) once the slot is known to be live.
 * Returns false, and changes nothing, if the slot is not live.
 */
static bool mcentral_free_slot(struct mspan *s, unsigned int idx, unsigned long addr,
			       size_t hook_size)
{
	/*
	 * If a CPU caches @s, its bits change under us; a live slot's bit is
	 * set in neither freebits nor alloc_cache whatever it does, so a set
	 * bit is a double free (and mspan_merge_remote() checks again).
	 */
	if (unlikely(mspan_obj_is_free_racy(s, idx) || test_bit(idx, s->remotebits)))
		return false;
	if (hook_size)
		goalloc_free_hook((void *)addr, hook_size, hook_size);
	if (READ_ONCE(s->cpu) != MSPAN_NO_CPU) {
		/* the owner merges it; not set before, so this cannot fail */
		mspan_set_remote(s, idx);
	} else {
		__set_bit(idx, s->freebits);
		s->nfree++;
	}
	return true;
}

/*
 * Merge the remote frees of @s if it is still @mc's, no CPU caches it, and
 * it sits on a list.  @s may have been released and carved again since the
 * caller freed into it: only a span on @mc's lists is @mc's, and none
 * joins or leaves them without @mc's lock.
 */
static void mcentral_merge_uncached(struct mcentral *mc, struct mspan *s)
{
	unsigned long flags;
	LIST_HEAD(release);

	spin_lock_irqsave(&mc->lock, flags);
	/* central_of() may be read mid-carve: only equality to @mc counts */
	if (data_race(central_of(s)) == mc && READ_ONCE(s->cpu) == MSPAN_NO_CPU &&
	    s->on_list != MC_NONE && mspan_merge_remote(s))
		mcentral_file(mc, s, &release);
	spin_unlock_irqrestore(&mc->lock, flags);
	mcentral_release(&release);
}

/*
 * Free slot @idx of @s, which this CPU does not cache, with no lock: the
 * bit in remotebits is the free.  If another CPU caches @s (@cached), it
 * merges the bit; it lets go of a span (mcentral_uncache_span()) by
 * clearing s->cpu, a full barrier, then merging, and here the bit is set
 * (fully ordered) before s->cpu is read, so either its merge sees the bit
 * or this sees the span let go and merges under the lock.  If no CPU
 * caches @s, the lock is taken only when the span must move: off the full
 * list (on_list is read after the bit is set; mcentral_file() merges again
 * after filing a span full), or to the empty list (nfree + npending reach
 * nelems).  Once the bit is set the object is free and the span may go
 * back to the heap at once: of @s, only those fields are read after.
 * Returns false if the span is not in use (the caller reports it).
 */
static bool mcentral_free_lockless(struct mspan *s, unsigned int idx, unsigned long addr,
				   size_t hook_size, bool cached)
{
	struct mcentral *mc = central_of(s);
	unsigned int cls = spc_sizeclass(s->spc), nelems = s->nelems;
	int pending;

	if (unlikely(READ_ONCE(s->state) != MSPAN_INUSE || !s->spc))
		return false;
	/* a live slot is in no bitmap, whatever others do to theirs */
	if (unlikely(mspan_obj_is_free_racy(s, idx) || test_bit(idx, s->remotebits))) {
		goalloc_report_invalid_free((void *)addr, s, "double free");
		return true;
	}
	if (hook_size)
		goalloc_free_hook((void *)addr, hook_size, hook_size);
	if (unlikely(!mspan_set_remote(s, idx))) {
		goalloc_report_invalid_free((void *)addr, s, "double free (racing)");
		return true;
	}
	this_cpu_inc(mcaches.class_frees[cls]);
	goalloc_stat_inc(GS_FREE_REMOTE);
	if (cached) {
		if (unlikely(READ_ONCE(s->cpu) == MSPAN_NO_CPU))
			mcentral_merge_uncached(mc, s);
		return true;
	}
	/* npending, then nfree: never less than what is free (mspan_merge_remote()) */
	pending = atomic_read_acquire(&s->npending);
	/* racy reads: a wrong guess only takes the lock for nothing */
	if (data_race(s->on_list) == MC_FULL || data_race(s->nfree) + pending >= nelems)
		mcentral_merge_uncached(mc, s);
	return true;
}

/*
 * Free slot @idx of @s from a CPU that does not cache it, without a lock
 * unless the span must move between lists (mcentral_free_lockless()).  A
 * span no longer in use is reported: the object was freed already, and its
 * pages may hold another span by now.  Any context.
 */
void mcentral_free_remote(struct mspan *s, unsigned int idx, unsigned long addr,
			  size_t hook_size)
{
	if (unlikely(!mcentral_free_lockless(s, idx, addr, hook_size,
					     READ_ONCE(s->cpu) != MSPAN_NO_CPU)))
		goalloc_report_invalid_free((void *)addr, s, "span no longer in use");
}

/*
 * Free the @n objects at @objs, all object starts in small span @s, which
 * this CPU does not cache, under one lock.  Stops at the first that is not
 * live; returns how many it freed.  Any context.
 */
size_t mcentral_free_remote_batch(struct mspan *s, void **objs, size_t n)
{
	struct mcentral *mc = central_of(s);
	unsigned long flags;
	LIST_HEAD(release);
	size_t i = 0;

	spin_lock_irqsave(&mc->lock, flags);
	if (likely(READ_ONCE(s->state) == MSPAN_INUSE && s->spc && !s->tiny)) {
		for (; i < n; i++) {
			unsigned long addr = (unsigned long)objs[i];

			if (!mcentral_free_slot(s, mspan_obj_index(s, addr), addr, s->elemsize))
				break;
		}
	}
	if (i) {
		this_cpu_add(mcaches.class_frees[spc_sizeclass(s->spc)], i);
		goalloc_stat_add(GS_FREE_REMOTE, i);
		if (READ_ONCE(s->cpu) == MSPAN_NO_CPU) {
			mspan_merge_remote(s);	/* lock-free frees, to file it right */
			mcentral_file(mc, s, &release);
		}
	}
	spin_unlock_irqrestore(&mc->lock, flags);
	mcentral_release(&release);
	return i;
}

/* Give back all but @keep empty spans of every class (flush, shrinker). */
void mcentral_release_empty(unsigned int keep)
{
	unsigned int i;

	for (i = 0; i < NUM_CENTRALS; i++) {
		struct mcentral *mc = &mcentral[i];
		struct mspan *s, *tmp;
		unsigned long flags;
		LIST_HEAD(release);

		spin_lock_irqsave(&mc->lock, flags);
		/*
		 * Spans that lock-free frees emptied, or freed into while full,
		 * without moving them (a free that read a stale nfree): the one
		 * list walk under an mcentral lock, on flush and shrink only.
		 */
		list_for_each_entry_safe(s, tmp, &mc->full, list)
			if (mspan_merge_remote(s))
				mcentral_file(mc, s, &release);
		list_for_each_entry_safe(s, tmp, &mc->partial, list) {
			mspan_merge_remote(s);
			if (s->nfree == s->nelems)
				mcentral_file(mc, s, &release);
		}
		while (mc->nempty > keep) {
			s = list_first_entry(&mc->empty, struct mspan, list);
			mcentral_set_list(mc, s, MC_NONE);
			list_add(&s->list, &release);
		}
		spin_unlock_irqrestore(&mc->lock, flags);
		mcentral_release(&release);
	}
}
EXPORT_SYMBOL_IF_KUNIT(mcentral_release_empty);

void mcentral_init(void)
{
	unsigned int i;

	for (i = 0; i < NUM_CENTRALS; i++) {
		struct mcentral *mc = &mcentral[i];

		spin_lock_init(&mc->lock);
		INIT_LIST_HEAD(&mc->partial);
		INIT_LIST_HEAD(&mc->full);
		INIT_LIST_HEAD(&mc->empty);
		mc->npartial = 0;
		mc->nfull = 0;
		mc->nempty = 0;
		mc->ncached = 0;
	}
}
