// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU page cache (Go's pageCache).  See malloc.c for the overview.
 *
 * Each CPU keeps up to 64 Go pages and a bitmap of which are free, so a
 * span refill for a small class takes pages without the heap lock (the
 * lesson of golang/go#35112).  The cache is filled only when empty, with the
 * pages of one free run, and only from free runs the heap already has: a
 * fill never grows the heap, never sleeps and never allocates.  All of it
 * runs under the CPU's mcache lock (interrupts off), or for a dead CPU.
 */
#include "malloc.h"

/* Lowest position of @n consecutive set bits in @mask, or -1. */
static int find_run(u64 mask, unsigned int n)
{
	u64 m = mask;
	unsigned int i;

	for (i = 1; i < n && m; i++)
		m &= mask >> i;
	return m ? __ffs64(m) : -1;
}

static bool pcache_fill(struct pcache *pc, unsigned int npages)
{
	unsigned long base;
	struct mchunk *chunk;
	unsigned int got;

	got = mheap_alloc_pcache(npages, &base, &chunk);
	if (!got)
		return false;
	pc->base = base;
	pc->chunk = chunk;
	pc->freemask = got == 64 ? ~0ULL : BIT_ULL(got) - 1;
	return true;
}

/*
 * A span of @npages pages from this CPU's cache, or NULL (then the caller
 * goes to the heap).  Span descriptors come from fixalloc's reserve.
 */
struct mspan *pcache_alloc_span(struct pcache *pc, unsigned int npages)
{
	struct mspan *s;
	int i;

	if (npages > PCACHE_PAGES / 4)
		return NULL;
	i = pc->freemask ? find_run(pc->freemask, npages) : -1;
	if (i < 0) {
		if (pc->freemask || !pcache_fill(pc, npages))
			return NULL;
		i = find_run(pc->freemask, npages);
		if (i < 0)
			return NULL;
	}
	s = fixalloc_span();
	if (!s)
		return NULL;
	pc->freemask &= ~((BIT_ULL(npages) - 1) << i);
	s->chunk = pc->chunk;
	s->base = pc->base + ((unsigned long)i << GO_PAGE_SHIFT);
	s->npages = npages;
	WRITE_ONCE(s->state, MSPAN_INUSE);
	mheap_set_span_pages(s->chunk, s->base, npages, s);
	atomic_long_inc(&mheap.inuse_spans);
	return s;
}

/*
 * Give the free pages back to the heap, one free run each.  Needs one span
 * descriptor per run (the caller reserves PCACHE_PAGES / 2 of them); pages
 * it finds no descriptor for stay cached.  Returns 0 or -ENOMEM.
 */
int pcache_flush(struct pcache *pc)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&mheap.lock, flags);
	while (pc->freemask) {
		unsigned int first = __ffs64(pc->freemask);
		u64 rest = pc->freemask >> first;
		unsigned int n = rest == ~0ULL ? 64 - first : __ffs64(~rest);
		struct mspan *s;

		s = fixalloc_span();
		if (!s) {
			ret = -ENOMEM;
			break;
		}
		s->chunk = pc->chunk;
		s->base = pc->base + ((unsigned long)first << GO_PAGE_SHIFT);
		s->npages = n;
		s->state = MSPAN_FREE;
		pc->freemask &= ~((n == 64 ? ~0ULL : BIT_ULL(n) - 1) << first);
		mheap_free_span_locked(s);
	}
	spin_unlock_irqrestore(&mheap.lock, flags);
	return ret;
}
