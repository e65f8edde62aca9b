// SPDX-License-Identifier: GPL-2.0
/*
 * Spans: runs of pages carved into objects of one class.  See malloc.c for
 * the overview.
 *
 * A span's slots are in one of four places, exactly one at a time:
 *   freebits     free, not yet seen by the fast path;
 *   alloc_cache  free, taken out of freebits word cache_word for the fast
 *                path (Go's allocCache, inverted: 1 = free);
 *   remotebits   freed by a CPU that does not cache the span, waiting for
 *                the owner to merge it;
 *   none         a live object.
 * A bitmap word is 64 bits (64-bit kernels only), so alloc_cache is one
 * freebits word.  The functions here run with the span's owner's exclusion held: the
 * caching CPU with interrupts off, or the mcentral lock when uncached.
 */
#include "malloc.h"

void mspan_init_small(struct mspan *s, unsigned int spc, bool tiny)
{
	unsigned int c = spc_sizeclass(spc);
	unsigned int n = class_to_nelems[c];

	s->spc = spc;
	s->tiny = tiny;
	s->elemsize = class_to_size[c];
	s->nelems = n;
	s->divmagic = class_to_divmagic[c];
	WRITE_ONCE(s->cpu, MSPAN_NO_CPU);
	s->alloc_cache = 0;
	s->cache_word = 0;
	s->nfree = n;
	/*
	 * Only the words that hold slots: no bit past nelems is ever read, and
	 * a 16-page span of 3 objects costs no more to set up than it needs.
	 */
	bitmap_zero(s->freebits, n);
	bitmap_set(s->freebits, 0, n);	/* not bitmap_fill(): it sets past n */
	bitmap_zero(s->remotebits, n);
	atomic_set(&s->npending, 0);
	s->on_list = MC_NONE;
}
EXPORT_SYMBOL_IF_KUNIT(mspan_init_small);

/*
 * Move remotely freed slots into freebits.  A slot that is already free is a
 * double free that raced past the check in mcentral_free_remote(): it is
 * reported and otherwise ignored.  Returns the number of slots merged.
 */
unsigned int mspan_merge_remote(struct mspan *s)
{
	unsigned int w, merged = 0, taken = 0;

	for (w = 0; w < BITS_TO_LONGS(s->nelems); w++) {
		unsigned long bits, dup;

		if (!READ_ONCE(s->remotebits[w]))
			continue;
		bits = xchg(&s->remotebits[w], 0);
		taken += hweight_long(bits);
		dup = bits & s->freebits[w];
		if (w == s->cache_word)
			dup |= bits & s->alloc_cache;
		if (unlikely(dup)) {
			unsigned long addr = mspan_obj_addr(s, w * BITS_PER_LONG + __ffs(dup));

			goalloc_report_invalid_free((void *)addr, s, "double free (remote)");
			bits &= ~dup;
		}
		s->freebits[w] |= bits;
		merged += hweight_long(bits);
	}
	if (!taken)
		return 0;
	WRITE_ONCE(s->nfree, s->nfree + merged);
	/* nfree first: a reader of npending, then nfree, never undercounts */
	smp_mb__before_atomic();
	atomic_sub(taken, &s->npending);
	return merged;
}
EXPORT_SYMBOL_IF_KUNIT(mspan_merge_remote);

/* The owner moves alloc_cache's window: see mspan_obj_is_free_racy(). */
static void cache_move_begin(struct mspan *s)
{
	WRITE_ONCE(s->cache_seq, s->cache_seq + 1);
	smp_wmb();	/* odd before the window changes */
}

static void cache_move_end(struct mspan *s)
{
	/* the new window before the even count: pairs with the racy reader */
	smp_store_release(&s->cache_seq, s->cache_seq + 1);
}

/*
 * The fast path found alloc_cache empty: load the next word of freebits
 * that has a free slot, merging remote frees first if there is none.
 * Returns false when the span has no free slot at all.
 */
bool mspan_refill_cache(struct mspan *s)
{
	unsigned int nwords = BITS_TO_LONGS(s->nelems);
	unsigned int i, w;
	u64 bits;

	/*
	 * The caller saw alloc_cache empty with interrupts on before: since,
	 * an interrupt may have refilled it, or the caller moved to a CPU
	 * whose span has one.  Loading a word over it would lose its slots.
	 */
	if (s->alloc_cache)
		return true;

	if (!s->nfree && !mspan_merge_remote(s))
		return false;
	for (i = 0; i < nwords; i++) {
		w = (s->cache_word + i) % nwords;
		bits = s->freebits[w];
		if (bits) {
			cache_move_begin(s);
			s->freebits[w] = 0;
			s->nfree -= hweight64(bits);
			s->cache_word = w;
			s->alloc_cache = bits;
			cache_move_end(s);
			return true;
		}
	}
	WARN_ONCE(1, "goalloc: span %p nfree=%u but freebits empty\n", (void *)s->base, s->nfree);
	s->nfree = 0;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(mspan_refill_cache);

/* Give the slots in alloc_cache back to freebits (before uncaching). */
void mspan_uncache_bits(struct mspan *s)
{
	u64 bits = s->alloc_cache;
	unsigned int w = s->cache_word;

	if (!bits)
		return;
	cache_move_begin(s);
	s->freebits[w] |= bits;
	s->nfree += hweight64(bits);
	s->alloc_cache = 0;
	cache_move_end(s);
}
EXPORT_SYMBOL_IF_KUNIT(mspan_uncache_bits);
