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
 *   none         a live object, with its live byte set.
 * freeindex, freebits and nfree are under the mcentral lock; the live bytes
 * are written by whichever CPU allocates (a plain store: the object is
 * its own) or frees (one xchg, which alone decides between racing frees).
 */
#include "malloc.h"

/* The live bytes of a released span: every slot free, whatever a bad free reads. */
u8 mspan_no_live[MAX_OBJS_PER_SPAN];
/* Bytes of live bytes kept apart (struct mspan_live), for meta_sys. */
static atomic_long_t live_ext_bytes = ATOMIC_LONG_INIT(0);

unsigned long mspan_live_bytes(void)
{
	return atomic_long_read(&live_ext_bytes);
}

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
	s->divinv = class_to_divinv[c];
	s->divshift = class_to_divshift[c];
	s->freeindex = 0;
	s->nfree = n;
	/* freebits: each word as freeindex reaches it (mspan_take()) */
	s->live_ext = NULL;
	if (n <= MSPAN_LIVE_INLINE) {
		memset(s->live_inline, 0, n);
		s->live = s->live_inline;
	} else {
		s->live = mspan_no_live;	/* until mcentral_init_span() */
	}
	s->on_list = MC_NONE;
	WRITE_ONCE(s->fast_nelems, tiny ? 0 : n);
}
EXPORT_SYMBOL_IF_KUNIT(mspan_init_small);

/*
 * Make @s, a span the heap just gave out, the span of a live large object
 * of @size bytes: one live byte, in the descriptor, which the object's
 * free clears with one xchg (free_large()).
 */
void mspan_init_large(struct mspan *s, size_t size)
{
	s->elemsize = size;
	s->nelems = 1;
	WRITE_ONCE(s->live_inline[0], MSPAN_LIVE);	/* as objref_set_live() */
	/* release: the live byte before a racing free can find it */
	smp_store_release(&s->live, s->live_inline);
}

/* Zeroed live bytes for @s, of more than MSPAN_LIVE_INLINE objects, kept apart. */
struct mspan_live *mspan_live_alloc(struct mspan *s, gfp_t gfp)
{
	size_t size = struct_size(s->live_ext, byte, s->nelems);

	s->live_ext = kzalloc(size, meta_gfp(gfp));
	if (s->live_ext)
		atomic_long_add(size, &live_ext_bytes);
	return s->live_ext;
}

/*
 * @s goes back to the heap: its live bytes read as "free" from now on, and
 * ones kept apart are freed after RCU (mspan_clear_live() runs with
 * preemption or interrupts off).
 */
void mspan_live_release(struct mspan *s)
{
	struct mspan_live *ext = s->live_ext;

	WRITE_ONCE(s->live, mspan_no_live);
	if (ext) {
		s->live_ext = NULL;
		atomic_long_sub(struct_size(ext, byte, s->nelems), &live_ext_bytes);
		kfree_rcu(ext, rcu);
	}
}

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
				out[got++] = mspan_objref(s, idx);
			} while (bits && got < n);
			s->freebits[w] = bits;
		}
	}
	idx = s->freeindex;
	if (got < n && idx < s->nelems) {
		/* fresh slots, in a row: one step of address and live byte each */
		unsigned int end = idx + min(n - got, s->nelems - idx), size = s->elemsize;
		struct objref r = mspan_objref(s, idx);

		for (w = DIV_ROUND_UP(idx, BITS_PER_LONG); w * BITS_PER_LONG < end; w++)
			s->freebits[w] = 0;	/* words freeindex reaches */
		s->freeindex = end;
		for (; idx < end; idx++) {
			out[got++] = r;
			r.addr += size;
			r.live++;
		}
	}
	s->nfree -= got;
	return got;
}
EXPORT_SYMBOL_IF_KUNIT(mspan_take);

/*
 * What is wrong with tiny span @s, or NULL if it is on the list its count
 * of blocks in use says (tiny.c), or on none while a CPU holds it.  A
 * count no CPU holds only goes down with no lock, never across the marks
 * between lists, so this holds with frees running.
 */
static const char *tiny_span_invalid(const struct mspan *s)
{
	int used = atomic_read(&s->tiny_used);

	if (used >= TINY_SPAN_HELD)
		return s->on_list == MC_NONE ? NULL : "held by a CPU and on a list";
	if (used < 0 || used > s->nelems)
		return "more blocks in use than it has";
	if (s->on_list == MC_EMPTY && used)
		return "on the empty list with blocks in use";
	if (s->on_list == MC_FULL && used <= tiny_span_partial(s))
		return "on the full list with a quarter of its blocks free";
	if (s->on_list == MC_PARTIAL && (!used || used > tiny_span_partial(s)))
		return "on the partial list, empty or with under a quarter free";
	return NULL;
}

/*
 * What is wrong with small span @s, or NULL if it keeps its invariant
 * (the three places above; mimalloc's _mi_page_is_valid()): freeindex
 * within the span, no free bit at or above it in its word, nfree the free
 * slots counted, no free slot live, and the mcentral list that fits nfree;
 * for a tiny span, tiny_span_invalid().  mcentral lock held (or @s not yet
 * published).
 */
const char *mspan_invalid(const struct mspan *s)
{
	unsigned int idx, nfree, shift;

	if (s->fast_nelems != (s->state == MSPAN_INUSE && s->spc && !s->tiny ? s->nelems : 0))
		return "fast_nelems is not nelems for an in-use small span, 0 else";
	if (s->tiny)
		return tiny_span_invalid(s);
	shift = s->freeindex % BITS_PER_LONG;
	if (s->freeindex > s->nelems)
		return "freeindex beyond the last slot";
	if (shift && s->freebits[s->freeindex / BITS_PER_LONG] >> shift)
		return "a free bit at or above freeindex";
	nfree = s->nelems - s->freeindex;
	for (idx = 0; idx < s->nelems; idx++) {
		if (idx < s->freeindex && !test_bit(idx, s->freebits))
			continue;	/* handed out: live, or in a cache */
		if (mspan_obj_live(s, idx))
			return "a free slot is live";
		nfree += idx < s->freeindex;
	}
	if (nfree != s->nfree)
		return "nfree is not the number of free slots";
	if (s->on_list == MC_EMPTY && nfree != s->nelems)
		return "on the empty list with slots handed out";
	if (s->on_list == MC_FULL && nfree)
		return "on the full list with free slots";
	if (s->on_list == MC_PARTIAL && (!nfree || nfree == s->nelems))
		return "on the partial list, full or empty";
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mspan_invalid);

/*
 * Zeroed masks for a new tiny span of @nblocks blocks (read and written by
 * tiny.c; see struct tiny_mask).
 */
struct tiny_mask *mspan_tiny_mask_alloc(unsigned int nblocks, gfp_t gfp)
{
	struct tiny_mask *tm = kzalloc(struct_size(tm, block, nblocks), meta_gfp(gfp));

	if (tm)
		tm->nblocks = nblocks;
	return tm;
}

/* Unpublish the masks of a tiny span going back to the heap; freed after RCU. */
void mspan_tiny_mask_release(struct mspan *s)
{
	struct tiny_mask *tm = s->tinymask;

	if (!tm)
		return;
	WRITE_ONCE(s->tinymask, NULL);
	kfree_rcu(tm, rcu);
}
