// SPDX-License-Identifier: GPL-2.0
/*
 * Spans: runs of pages carved into objects of one class.  See malloc.c for
 * the overview.
 *
 * A small span's slots are in one of three places, exactly one at a time:
 *   the span     free: at or above freeindex (never handed out yet), or
 *                below it with a bit in freebits (given back);
 *   a cache      free, in some CPU's stack or in mcentral's transfer
 *                cache, as a struct objref;
 *   none         a live object, with its bit set in livebits.
 * freeindex, freebits and nfree are under the mcentral lock; livebits is
 * changed with atomic bit operations by whichever CPU allocates or frees.
 */
#include "malloc.h"

/* Set up @s, just carved, for span class @spc: every slot free. */
void mspan_init_small(struct mspan *s, unsigned int spc, bool tiny)
{
	unsigned int c = spc_sizeclass(spc);
	unsigned int n = class_to_nelems[c];

	s->spc = spc;
	s->tiny = tiny;
	s->elemsize = class_to_size[c];
	s->nelems = n;
	s->divmagic = class_to_divmagic[c];
	s->freeindex = 0;
	s->nfree = n;
	/* freebits: each word as freeindex reaches it (mspan_take()) */
	bitmap_zero(s->livebits, n);
	s->on_list = MC_NONE;
}
EXPORT_SYMBOL_IF_KUNIT(mspan_init_small);

/*
 * Take up to @n free slots of @s into @out, lowest address first: those
 * given back, then fresh ones from freeindex.  mcentral lock held (or @s
 * not yet published).  Returns how many it took.
 */
unsigned int mspan_take(struct mspan *s, struct objref *out, unsigned int n)
{
	unsigned int got = 0, w, idx;
	unsigned long bits;

	/* slots given back: nfree beyond the fresh ones */
	if (s->nfree > s->nelems - s->freeindex) {
		for (w = 0; got < n && w < BITS_TO_LONGS(s->freeindex); w++) {
			bits = s->freebits[w];
			if (!bits)
				continue;
			do {
				idx = w * BITS_PER_LONG + __ffs(bits);
				bits &= bits - 1;
				out[got].addr = mspan_obj_addr(s, idx);
				out[got++].span = s;
			} while (bits && got < n);
			s->freebits[w] = bits;
		}
	}
	while (got < n && s->freeindex < s->nelems) {
		idx = s->freeindex++;
		if (idx % BITS_PER_LONG == 0)
			s->freebits[idx / BITS_PER_LONG] = 0;
		out[got].addr = mspan_obj_addr(s, idx);
		out[got++].span = s;
	}
	s->nfree -= got;
	return got;
}
EXPORT_SYMBOL_IF_KUNIT(mspan_take);
