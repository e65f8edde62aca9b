// SPDX-License-Identifier: GPL-2.0
/*
 * The page heap (Go's mheap).  See malloc.c for the overview.
 *
 * The heap hands out runs of Go pages (8 KiB) from chunks it takes from the
 * buddy allocator, and names the span of every page in its arenas (Go's
 * heapArena, below).  Free runs are kept per NUMA node (that of
 * their chunk), by length: exact lists for runs shorter than
 * HEAP_FREE_LISTS pages, with a bitmap of the non-empty ones, and an rbtree
 * keyed by (length, address) for longer runs.  Allocation is best fit (not
 * Go's lowest address: see malloc.c) on the node asked for (this CPU's by
 * default), then from a new chunk the buddy allocator gives for that node,
 * which may lie on another when the node has no memory left; the rest of
 * the run goes back as a shorter run.
 * A freed run merges with free neighbours, found through chunk->spans[] at
 * the pages just before and after it, so a run's first and last entries of
 * spans[] always name its descriptor.
 *
 * Giving memory back (Go's scavenger): a free run goes back to the buddy
 * allocator whole, the longest first, and leaves a hole in its chunk (its
 * spans[] entries NULL).  A run inside a chunk that
 * still holds spans needs the chunk split into single pages first
 * (split_page()); a chunk that is one free run goes back as the block it
 * was.  Where Go returns pages with madvise() and faults them in again
 * when a scavenged run is reused, a kernel address in the direct map
 * cannot be had back once its page is freed: a hole is never reused, and
 * the heap grows new chunks instead.  A chunk whose every page is given
 * back is forgotten.  The shrinker, the memory limit, flush and
 * unload give back every free run; the background scavenger (malloc.c)
 * only down to a goal, mheap_scavenge_goal(), and a growth, before it
 * takes its chunk, only whole free chunks down to that goal (Go's
 * heap-growth scavenger).
 */
#include "malloc.h"

struct mheap mheap;
EXPORT_SYMBOL_IF_KUNIT(mheap);

DEFINE_STATIC_KEY_FALSE(numa_key);
EXPORT_SYMBOL_IF_KUNIT(numa_key);

/*
 * Go's GOMEMLIMIT, as a hard limit: the bytes the heap may hold (heap_sys),
 * 0 for none.  The module parameter memory_limit; read at each growth, so
 * a change takes effect at once.
 */
unsigned long mheap_memory_limit;
EXPORT_SYMBOL_IF_KUNIT(mheap_memory_limit);

/*
 * Go's retainExtraPercent: the scavenger, in the background and when the
 * heap grows, keeps the heap's pages in use and this many percent more.
 * The module parameter retain_extra_percent.
 */
unsigned int mheap_retain_extra_percent = 10;
EXPORT_SYMBOL_IF_KUNIT(mheap_retain_extra_percent);

/* debugfs goalloc/fail_grow: make growing the heap fail (fault injection). */
DECLARE_FAULT_ATTR(mheap_fail_grow);
EXPORT_SYMBOL_IF_KUNIT(mheap_fail_grow);

/*
 * === Arenas ===
 *
 * The span of any address, as Go's spanOf(): mheap_arenas.arena[] has an
 * entry per ARENA_SIZE piece of the direct map, by platform_arena_index(),
 * and each arena an entry per Go page.  A chunk's spans[] is its part of
 * its arena's.  Every page of an in-use span names it; a free run names
 * itself at its first and last page only (its other pages may name any
 * span, so a lookup checks that the address lies in what it finds); a
 * page no chunk holds is NULL.  Where no chunk ever lay, arena[] names
 * mheap_no_arena, whose entries all stay NULL, so that a lookup is a bound
 * check and four loads (the index's length and array, both in one cache
 * line, the arena, its entry) with no test between them, whatever the
 * pointer (mheap_page_span(), inline in malloc.h).
 *
 * arena[] grows when a chunk lies past its end (memory hotplug, or the
 * first chunks): a longer copy replaces it, and the old one is kept until
 * unload, as every heap_arena is, so a lookup racing with either reads
 * stale entries, never freed memory, and needs no RCU.  A lookup of an
 * object always finds its arena: the object was handed out after its
 * arena was published.
 */
struct arena_index mheap_arenas;
EXPORT_SYMBOL_IF_KUNIT(mheap_arenas);
/* The arena of every index no chunk ever lay in: its entries stay NULL. */
struct heap_arena mheap_no_arena;
EXPORT_SYMBOL_IF_KUNIT(mheap_no_arena);

/* An arena[] and the one it replaced (freed at unload).  Heap lock. */
struct arena_array {
	struct arena_array *older;
	struct heap_arena *arena[];
};
static struct arena_array *arenas_newest;
/* The lowest and highest index of a known arena, if any.  Heap lock. */
static unsigned long arenas_lo = ULONG_MAX, arenas_hi;
/* Bytes of every arena[] and arena.  Heap lock. */
static unsigned long arenas_bytes;

/*
 * Make arena[] @n entries long, if it is shorter: at load, for the direct
 * map as it is then, and when a chunk lies past its end (memory hotplug).
 * No goalloc lock held.  Returns 0 or -ENOMEM.
 */
int mheap_arenas_grow(unsigned long n, gfp_t gfp)
{
	struct arena_array *a = kvmalloc(struct_size(a, arena, n), gfp);
	unsigned long flags, i;

	if (!a)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		a->arena[i] = &mheap_no_arena;
	spin_lock_irqsave(&mheap.lock, flags);
	if (n > mheap_arenas.n) {
		/* the known ones: the rest of both is mheap_no_arena */
		if (arenas_lo <= arenas_hi)
			memcpy(&a->arena[arenas_lo], &mheap_arenas.arena[arenas_lo],
			       (arenas_hi - arenas_lo + 1) * sizeof(a->arena[0]));
		a->older = arenas_newest;
		arenas_newest = a;
		arenas_bytes += struct_size(a, arena, n);
		/* release: its entries before it (mheap_page_span()) */
		smp_store_release(&mheap_arenas.arena, a->arena);
		/* release: the array before n, which a lookup reads first */
		smp_store_release(&mheap_arenas.n, n);
		a = NULL;
	}
	spin_unlock_irqrestore(&mheap.lock, flags);
	kvfree(a);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mheap_arenas_grow);

/*
 * Arena @i, made known with @spare if it is not yet (then *@spare is
 * taken), or NULL if it is not and there is no spare.  @i is below
 * mheap_arenas.n.  Heap lock held.
 */
static struct heap_arena *arena_get(unsigned long i, struct heap_arena **spare)
{
	struct heap_arena *ha = mheap_arenas.arena[i];

	lockdep_assert_held(&mheap.lock);
	if (ha == &mheap_no_arena) {
		if (!*spare)
			return NULL;
		ha = *spare;
		*spare = NULL;
		/* its zeroed entries before it: pairs with the lookup's dependency */
		smp_store_release(&mheap_arenas.arena[i], ha);
		arenas_lo = min(arenas_lo, i);
		arenas_hi = max(arenas_hi, i);
		arenas_bytes += sizeof(*ha);
	}
	return ha;
}

/* === Free runs === */

static unsigned int span_first_page(const struct mspan *s)
{
	return (s->base - s->chunk->base) >> GO_PAGE_SHIFT;
}

static void set_span_ends(struct mspan *s)
{
	unsigned int first = span_first_page(s);

	WRITE_ONCE(s->chunk->spans[first], s);
	WRITE_ONCE(s->chunk->spans[first + s->npages - 1], s);
}

/*
 * Point the @npages pages at @base in @ch at @entry (an in-use span, or
 * NULL).  Eight at a time: a large object's pages are most of what its
 * allocation stores.
 */
void mheap_set_span_pages(struct mchunk *ch, unsigned long base, unsigned int npages,
			  struct mspan *entry)
{
	struct mspan **p = &ch->spans[(base - ch->base) >> GO_PAGE_SHIFT], **end = p + npages;
	struct mspan **end8 = p + (npages & ~7U);

	for (; p < end8; p += 8) {
		WRITE_ONCE(p[0], entry);
		WRITE_ONCE(p[1], entry);
		WRITE_ONCE(p[2], entry);
		WRITE_ONCE(p[3], entry);
		WRITE_ONCE(p[4], entry);
		WRITE_ONCE(p[5], entry);
		WRITE_ONCE(p[6], entry);
		WRITE_ONCE(p[7], entry);
	}
	for (; p < end; p++)
		WRITE_ONCE(*p, entry);
}

/* Go pages @ch still holds from the buddy allocator. */
static unsigned int chunk_held(const struct mchunk *ch)
{
	return ch->npages - ch->released_pages;
}

/*
 * Chunk @ch's pages in free runs change by @dfree, its pages given back by
 * @dreleased.  A chunk whose held pages are all free is idle memory the
 * shrinker gives back at once, and /proc/meminfo counts it as reclaimable
 * until it is used or given back.  Heap lock held.  Inline: every free run
 * inserted or removed calls it with @dreleased 0, and then it is two
 * compares.
 */
static __always_inline void chunk_pages_add(struct mchunk *ch, int dfree, int dreleased)
{
	long held = chunk_held(ch), before = ch->free_pages == held ? held : 0, after;

	ch->free_pages += dfree;
	ch->released_pages += dreleased;
	held -= dreleased;
	after = ch->free_pages == held ? held : 0;
	if (after != before)	/* in the kernel's pages */
		platform_reclaimable(ch->base, (after - before) * (1L << GO_PAGE_ORDER));
}

/* The free runs and pages of @ch's node: a load, where the index is a multiply. */
static struct mheap_node *chunk_node(const struct mchunk *ch)
{
	return ch->hnode;
}

static void run_insert(struct mspan *s)
{
	struct mheap_node *hn = chunk_node(s->chunk);

	lockdep_assert_held(&mheap.lock);
	s->state = MSPAN_FREE;
	set_span_ends(s);
	mheap.free_pages += s->npages;
	chunk_pages_add(s->chunk, s->npages, 0);
	if (s->npages < HEAP_FREE_LISTS) {
		list_add(&s->list, &hn->free[s->npages]);
		__set_bit(s->npages, hn->free_nonempty);
	} else {
		struct rb_node **link = &hn->free_large.rb_node, *parent = NULL;

		while (*link) {
			struct mspan *t = rb_entry(*link, struct mspan, rb);

			parent = *link;
			if (s->npages < t->npages ||
			    (s->npages == t->npages && s->base < t->base))
				link = &parent->rb_left;
			else
				link = &parent->rb_right;
		}
		rb_link_node(&s->rb, parent, link);
		rb_insert_color(&s->rb, &hn->free_large);
	}
}

static void run_remove(struct mspan *s)
{
	struct mheap_node *hn = chunk_node(s->chunk);

	lockdep_assert_held(&mheap.lock);
	mheap.free_pages -= s->npages;
	chunk_pages_add(s->chunk, -(int)s->npages, 0);
	if (s->npages < HEAP_FREE_LISTS) {
		list_del_init(&s->list);
		if (list_empty(&hn->free[s->npages]))
			__clear_bit(s->npages, hn->free_nonempty);
	} else {
		rb_erase(&s->rb, &hn->free_large);
		RB_CLEAR_NODE(&s->rb);
	}
}

/* Best fit on node @hn: the shortest free run of at least @npages pages. */
static struct mspan *run_find(struct mheap_node *hn, unsigned int npages)
{
	struct rb_node *n = hn->free_large.rb_node;
	struct mspan *best = NULL;

	if (npages < HEAP_FREE_LISTS) {
		unsigned int i = find_next_bit(hn->free_nonempty, HEAP_FREE_LISTS, npages);

		if (i < HEAP_FREE_LISTS)
			return list_first_entry(&hn->free[i], struct mspan, list);
	}
	while (n) {
		struct mspan *t = rb_entry(n, struct mspan, rb);

		if (t->npages >= npages) {
			best = t;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

/* Whether an @align-byte aligned run of @npages pages fits in free run @r. */
static bool run_fits_aligned(const struct mspan *r, unsigned int npages, unsigned long align)
{
	return ALIGN(r->base, align) + ((unsigned long)npages << GO_PAGE_SHIFT) <=
	       r->base + mspan_bytes(r);
}

/*
 * Best fit with alignment: a run of npages + align_pages - 1 always fits;
 * failing that (a new chunk is aligned to its size, but not that long),
 * look at every run of at least @npages pages.  Only power-of-two large
 * objects and the 16 and 32 KiB classes ask for alignment.
 */
static struct mspan *run_find_aligned(struct mheap_node *hn, unsigned int npages,
				     unsigned int align_pages)
{
	unsigned long align = (unsigned long)align_pages << GO_PAGE_SHIFT;
	struct mspan *r = run_find(hn, npages + align_pages - 1);
	struct rb_node *n;
	unsigned int i;

	if (r || align_pages == 1)
		return r;
	i = npages;
	for_each_set_bit_from(i, hn->free_nonempty, HEAP_FREE_LISTS)
		list_for_each_entry(r, &hn->free[i], list)
			if (run_fits_aligned(r, npages, align))
				return r;
	for (n = rb_first(&hn->free_large); n; n = rb_next(n)) {
		r = rb_entry(n, struct mspan, rb);
		if (r->npages >= npages && run_fits_aligned(r, npages, align))
			return r;
	}
	return NULL;
}

/* The longest free run on node @hn, or NULL. */
static struct mspan *node_run_longest(struct mheap_node *hn)
{
	struct rb_node *n = rb_last(&hn->free_large);
	unsigned int i;

	if (n)
		return rb_entry(n, struct mspan, rb);
	i = find_last_bit(hn->free_nonempty, HEAP_FREE_LISTS);
	if (i < HEAP_FREE_LISTS)
		return list_first_entry(&hn->free[i], struct mspan, list);
	return NULL;
}

/* The longest free run on node @hn of at most @npages pages, or NULL. */
static struct mspan *node_run_longest_within(struct mheap_node *hn, unsigned long npages)
{
	struct rb_node *n = hn->free_large.rb_node;
	struct mspan *best = NULL;
	unsigned int i, end = min_t(unsigned long, npages + 1, HEAP_FREE_LISTS);

	while (n) {
		struct mspan *t = rb_entry(n, struct mspan, rb);

		if (t->npages <= npages) {
			best = t;
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	if (best)
		return best;
	i = find_last_bit(hn->free_nonempty, end);
	if (i < end)
		return list_first_entry(&hn->free[i], struct mspan, list);
	return NULL;
}

/*
 * The longest free run of any node, or with @within the longest of at most
 * @npages pages; NULL if none.
 */
static struct mspan *run_longest(bool within, unsigned long npages)
{
	struct mspan *best = NULL, *r;
	int node;

	for_each_node(node) {
		struct mheap_node *hn = &mheap.nodes[node];

		r = within ? node_run_longest_within(hn, npages) : node_run_longest(hn);
		if (r && (!best || r->npages > best->npages))
			best = r;
	}
	return best;
}

/*
 * Allocate @npages pages aligned to @align_pages (a power of two) from the
 * free runs of @node.  Called with the heap lock held; never sleeps, never
 * grows.  Returns an in-use span with every page's spans[] entry set, or
 * NULL.
 */
static struct mspan *mheap_alloc_locked(int node, unsigned int npages, unsigned int align_pages)
{
	unsigned long align = (unsigned long)align_pages << GO_PAGE_SHIFT;
	struct mspan *r, *pre = NULL, *post = NULL;
	unsigned int lead, tail;

	lockdep_assert_held(&mheap.lock);
	r = run_find_aligned(&mheap.nodes[node], npages, align_pages);
	if (!r)
		return NULL;
	lead = (ALIGN(r->base, align) - r->base) >> GO_PAGE_SHIFT;
	tail = r->npages - lead - npages;
	if (lead)
		pre = fixalloc_span();
	if (tail)
		post = fixalloc_span();
	if ((lead && !pre) || (tail && !post)) {
		if (pre)
			fixalloc_free_span(pre);
		if (post)
			fixalloc_free_span(post);
		return NULL;
	}
	run_remove(r);
	if (lead) {
		pre->chunk = r->chunk;
		pre->base = r->base;
		pre->npages = lead;
		run_insert(pre);
		r->base += (unsigned long)lead << GO_PAGE_SHIFT;
	}
	if (tail) {
		post->chunk = r->chunk;
		post->base = r->base + ((unsigned long)npages << GO_PAGE_SHIFT);
		post->npages = tail;
		run_insert(post);
	}
	r->npages = npages;
	r->node = r->chunk->node;
	r->state = MSPAN_INUSE;
	mheap_set_span_pages(r->chunk, r->base, npages, r);
	atomic_long_inc(&mheap.inuse_spans);
	return r;
}

/*
 * Whether @n, a neighbour found through chunk->spans[], is a free run.
 * Heap lock held: only the heap changes a descriptor's state.
 */
static bool is_free_run(const struct mspan *n)
{
	return n->state == MSPAN_FREE;
}

/* Return an in-use span's pages as a free run, merging free neighbours. */
void mheap_free_span_locked(struct mspan *s)
{
	struct mchunk *ch = s->chunk;
	unsigned int first = span_first_page(s), last = first + s->npages - 1;
	struct mspan *n;

	lockdep_assert_held(&mheap.lock);
	if (s->state == MSPAN_INUSE)
		atomic_long_dec(&mheap.inuse_spans);
	WRITE_ONCE(s->fast_nelems, 0);
	s->state = MSPAN_FREE;
	s->spc = 0;
	s->tiny = 0;
	if (first > 0) {
		n = READ_ONCE(ch->spans[first - 1]);
		if (n && is_free_run(n) && n->chunk == ch && n->base + mspan_bytes(n) == s->base) {
			run_remove(n);
			n->npages += s->npages;
			fixalloc_free_span(s);
			s = n;
		}
	}
	if (last + 1 < ch->npages) {
		n = READ_ONCE(ch->spans[last + 1]);
		if (n && is_free_run(n) && n->chunk == ch && n->base == s->base + mspan_bytes(s)) {
			run_remove(n);
			s->npages += n->npages;
			fixalloc_free_span(n);
		}
	}
	run_insert(s);
}

void mheap_free_span(struct mspan *s)
{
	unsigned long flags;

	spin_lock_irqsave(&mheap.lock, flags);
	mheap_free_span_locked(s);
	spin_unlock_irqrestore(&mheap.lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mheap_free_span);

/* === Growing: chunks from the buddy allocator === */

/*
 * Reserve room under the memory limit for a chunk of the largest order up
 * to @order that fits, and at least @need: that order, or 0 when not even
 * @need fits.  Growths under way count, so racing ones cannot overshoot
 * together.  Heap lock held.
 */
static unsigned int mheap_limit_reserve(unsigned int need, unsigned int order)
{
	unsigned long limit = READ_ONCE(mheap_memory_limit);
	unsigned long held = mheap.sys_pages + mheap.growing_pages;

	lockdep_assert_held(&mheap.lock);
	while (limit && order >= need &&
	       (held + (1UL << (order - GO_PAGE_ORDER))) << GO_PAGE_SHIFT > limit)
		order--;
	if (order < need)
		return 0;
	mheap.growing_pages += 1UL << (order - GO_PAGE_ORDER);
	return order;
}

/*
 * Room for a chunk of order @need up to @order under the memory limit, as
 * mheap_limit_reserve(); at the limit, entirely free chunks go back to the
 * buddy allocator first.  A refusal is counted (limit_failures).
 */
static unsigned int mheap_reserve(unsigned int need, unsigned int order)
{
	unsigned long flags, released;
	unsigned int got;

	spin_lock_irqsave(&mheap.lock, flags);
	got = mheap_limit_reserve(need, order);
	spin_unlock_irqrestore(&mheap.lock, flags);
	if (got)
		return got;
	released = mheap_scavenge(ULONG_MAX);
	spin_lock_irqsave(&mheap.lock, flags);
	if (released)
		got = mheap_limit_reserve(need, order);
	if (!got)
		mheap.limit_failures++;
	spin_unlock_irqrestore(&mheap.lock, flags);
	return got;
}

/*
 * The order of the next chunk, at least @need: what the heap holds and is
 * growing by, from CHUNK_FIRST_ORDER, while that is under two chunks of
 * CHUNK_MIN_ORDER; then an eighth of it, from CHUNK_MIN_ORDER to
 * CHUNK_MAX_ORDER.  The buddy allocator's pages are the kernel's as soon
 * as the heap takes them, touched or not, so a chunk's tail not yet used is
 * memory held for nothing: a heap of a few objects holds 128 KiB, not 4
 * MiB; one under 1 MiB at most half of itself unused, a larger one at most
 * a ninth of itself or 512 KiB.
 */
static unsigned int mheap_chunk_order(unsigned int need)
{
	/* racy, on purpose: a stale sum only sizes this chunk a step off */
	unsigned long held = data_race(mheap.sys_pages + mheap.growing_pages);
	unsigned int order;

	if (held < 2UL << (CHUNK_MIN_ORDER - GO_PAGE_ORDER))	/* doubles */
		order = max_t(unsigned int, held ? ilog2(held) + GO_PAGE_ORDER : 0,
			      CHUNK_FIRST_ORDER);
	else	/* by an eighth */
		order = min_t(unsigned int, max_t(unsigned int, ilog2(held) + GO_PAGE_ORDER - 3,
						  CHUNK_MIN_ORDER), CHUNK_MAX_ORDER);
	return max(need, order);
}

static void scavenge_for_growth(unsigned long npages);

/*
 * Take a chunk of at least @npages Go pages from the buddy allocator, for
 * @node: of mheap_chunk_order(), or as large as it gives readily (and the
 * memory limit allows) below that, down to the smallest that serves the
 * request, which alone is tried with the caller's full effort.  Returns
 * the node the chunk lies on (@node, unless that has no memory left), or
 * an errno: -ENOMEM when the buddy allocator had no memory (on @node, with
 * __GFP_THISNODE), -EDQUOT at the memory limit, -ECANCELED when fault
 * injection failed it, -E2BIG.
 */
static int mheap_grow(unsigned int npages, int node, gfp_t gfp)
{
	unsigned int need = order_base_2(npages) + GO_PAGE_ORDER, order, max, want;
	gfp_t pgfp = (gfp & ~(__GFP_ZERO | __GFP_COMP)) | __GFP_NOWARN;
	struct heap_arena *ha, *spare = NULL;
	unsigned long base = 0, ai, n;
	struct mchunk *ch = NULL;
	struct mspan *s;
	unsigned long flags;
	int err = -ENOMEM;

	if (need > CHUNK_MAX_ORDER)
		return -E2BIG;
	want = mheap_chunk_order(need);
	scavenge_for_growth(1UL << (want - GO_PAGE_ORDER));
	max = mheap_reserve(need, want);
	if (!max)
		return -EDQUOT;
	if (compat_should_fail(&mheap_fail_grow, (ssize_t)npages << GO_PAGE_SHIFT)) {
		err = -ECANCELED;
		goto fail;
	}
	for (order = max; order > need; order--) {
		base = platform_alloc_pages(node, pgfp | __GFP_NORETRY, order);
		if (base)
			break;
	}
	if (!base)
		base = platform_alloc_pages(node, gfp & ~(__GFP_ZERO | __GFP_COMP), order);
	if (!base)
		goto fail;

	npages = 1U << (order - GO_PAGE_ORDER);
	ai = platform_arena_index(base, ARENA_SHIFT);
	n = smp_load_acquire(&mheap_arenas.n);	/* then arena[], as a lookup does */
	if (ai >= n && mheap_arenas_grow(max(ai + 1, 2 * n), meta_gfp(pgfp)))
		goto fail_meta;
	ch = kzalloc(sizeof(*ch), meta_gfp(pgfp));
	if (mheap_arena(ai) == &mheap_no_arena)
		spare = kzalloc(sizeof(*spare), meta_gfp(pgfp));
	if (!ch || fixalloc_reserve(1, meta_gfp(pgfp)))
		goto fail_meta;
	s = fixalloc_span();
	if (!s)
		goto fail_meta;

	spin_lock_irqsave(&mheap.lock, flags);
	ha = arena_get(ai, &spare);
	if (!ha) {
		spin_unlock_irqrestore(&mheap.lock, flags);
		fixalloc_free_span(s);
		goto fail_meta;
	}
	/* NULL already: a chunk given back left its entries so */
	ch->spans = &ha->spans[(base >> GO_PAGE_SHIFT) % ARENA_PAGES];
	ch->base = base;
	ch->order = order;
	ch->node = platform_page_node(base);
	ch->hnode = &mheap.nodes[ch->node];
	ch->npages = npages;
	s->chunk = ch;
	s->base = ch->base;
	s->npages = npages;
	list_add(&ch->list, &mheap.chunks);
	mheap.nchunks++;
	mheap.sys_pages += npages;
	node = ch->node;
	mheap.growing_pages -= 1UL << (max - GO_PAGE_ORDER);	/* in sys_pages now */
	run_insert(s);
	spin_unlock_irqrestore(&mheap.lock, flags);
	kfree(spare);			/* another growth made the arena known */
	return node;

fail_meta:
	kfree(ch);
	kfree(spare);
	platform_free_pages(base, order);
fail:
	spin_lock_irqsave(&mheap.lock, flags);
	mheap.grow_failures++;
	mheap.growing_pages -= 1UL << (max - GO_PAGE_ORDER);
	spin_unlock_irqrestore(&mheap.lock, flags);
	return err;
}

/* mheap_alloc_locked() from the free runs of any node.  Heap lock held. */
static struct mspan *mheap_alloc_any_locked(unsigned int npages, unsigned int align_pages)
{
	struct mspan *s = NULL;
	int node;

	for_each_node(node) {
		s = mheap_alloc_locked(node, npages, align_pages);
		if (s)
			break;
	}
	return s;
}

/*
 * Allocate a span of @npages Go pages aligned to @align_pages, growing the
 * heap if needed.  With NUMA nodes, on @node (NUMA_NO_NODE: this CPU's):
 * its free runs, else a chunk from that node alone; failing both, a free
 * run of any node, and only then a chunk from wherever the buddy allocator
 * has memory, so that a node out of memory does not make the heap grow
 * while other nodes' runs lie free.  With __GFP_THISNODE, only @node.  May
 * sleep if @gfp allows.  No goalloc lock may be held.
 */
struct mspan *mheap_alloc(unsigned int npages, unsigned int align_pages, int node, gfp_t gfp)
{
	bool any_node = numa_on() && !(gfp & __GFP_THISNODE);
	unsigned long flags;
	struct mspan *s;
	int tries, got;

	if (node == NUMA_NO_NODE)
		node = numa_mem_id();
	for (tries = 0; tries < 4; tries++) {
		/* the first growth from @node alone, the next from any */
		bool this_node = any_node && !tries;

		if (fixalloc_reserve(2, meta_gfp(gfp)))
			return NULL;
		spin_lock_irqsave(&mheap.lock, flags);
		s = mheap_alloc_locked(node, npages, align_pages);
		if (!s && any_node && tries)
			s = mheap_alloc_any_locked(npages, align_pages);
		spin_unlock_irqrestore(&mheap.lock, flags);
		if (s)
			return s;
		/* A chunk is aligned to its size, so @npages pages are enough. */
		got = mheap_grow(npages, node, this_node ? gfp | __GFP_THISNODE : gfp);
		if (this_node && (got >= 0 || got == -ENOMEM))
			WRITE_ONCE(mheap.nodes[node].full, got < 0);
		if (got >= 0)
			node = got;
		else if (!this_node || got != -ENOMEM)	/* only memory elsewhere helps */
			return NULL;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mheap_alloc);

/* === Giving memory back (Go's scavenger) === */

/*
 * Give free run @r back (heap lock held): out of the free runs, a hole in
 * its chunk.  The caller frees its pages, then its descriptor.  Returns
 * whether the chunk is now all holes: its spans[] entries are all NULL, and
 * the caller frees its mchunk too.
 */
static bool run_release(struct mspan *r)
{
	struct mchunk *ch = r->chunk;

	lockdep_assert_held(&mheap.lock);
	run_remove(r);
	mheap_set_span_pages(ch, r->base, r->npages, NULL);
	chunk_pages_add(ch, 0, r->npages);
	mheap.sys_pages -= r->npages;
	mheap.released_pages += r->npages;
	if (r->npages != ch->npages && !ch->split) {
		platform_split_pages(ch->base, ch->order);
		ch->split = true;
	}
	if (ch->released_pages != ch->npages)
		return false;
	list_del(&ch->list);
	mheap.nchunks--;
	return true;
}

/* Which free runs a scavenge gives back, the longest first. */
enum scavenge_runs {
	SCAVENGE_ANY,		/* any: at most one run more than asked */
	SCAVENGE_WITHIN,	/* those that fit in what is left to give */
	SCAVENGE_CHUNKS,	/* whole chunks that fit: no hole is made */
};

/*
 * The largest chunk that is one free run, none of it given back, of at
 * most @npages Go pages: that run, or NULL.  Heap lock held.
 */
static struct mspan *chunk_free_within(unsigned long npages)
{
	struct mchunk *ch, *best = NULL;

	list_for_each_entry(ch, &mheap.chunks, list)
		if (ch->free_pages == ch->npages && ch->npages <= npages &&
		    (!best || ch->npages > best->npages))
			best = ch;
	return best ? best->spans[0] : NULL;
}

/* The next run to give back, of @npages Go pages at most unless SCAVENGE_ANY. */
static struct mspan *scavenge_next(enum scavenge_runs which, unsigned long npages)
{
	if (which == SCAVENGE_CHUNKS)
		return chunk_free_within(npages);
	return run_longest(which == SCAVENGE_WITHIN, npages);
}

/*
 * Give free runs back to the buddy allocator, as @which says, until
 * @max_pages Go pages went back.  Any context; no goalloc lock held.
 * Returns the Go pages given back.
 */
static unsigned long scavenge(unsigned long max_pages, enum scavenge_runs which)
{
	unsigned long released = 0, flags;
	struct mchunk *ch, *tmp;
	struct mspan *r, *rtmp;
	LIST_HEAD(runs);	/* page ranges of split chunks */
	LIST_HEAD(whole);	/* whole chunks, as they came */
	LIST_HEAD(dead);

	spin_lock_irqsave(&mheap.lock, flags);
	while (released < max_pages && (r = scavenge_next(which, max_pages - released))) {
		/*
		 * Which of the two, decided now: once the lock is dropped,
		 * another scavenge may give back the rest of @r's chunk and a
		 * grow take its mchunk again, so nothing below reads it.
		 */
		bool all = r->npages == r->chunk->npages;

		released += r->npages;
		if (run_release(r))
			list_add(&r->chunk->list, &dead);
		list_add_tail(&r->list, all ? &whole : &runs);
	}
	spin_unlock_irqrestore(&mheap.lock, flags);

	list_for_each_entry(r, &runs, list)
		platform_free_page_range(r->base, (unsigned long)r->npages << GO_PAGE_ORDER);
	list_for_each_entry(r, &whole, list)	/* its buddy order */
		platform_free_pages(r->base, ilog2((unsigned long)r->npages << GO_PAGE_ORDER));
	spin_lock_irqsave(&mheap.lock, flags);
	list_for_each_entry_safe(r, rtmp, &runs, list)
		fixalloc_free_span(r);
	list_for_each_entry_safe(r, rtmp, &whole, list)
		fixalloc_free_span(r);
	spin_unlock_irqrestore(&mheap.lock, flags);
	list_for_each_entry_safe(ch, tmp, &dead, list)
		kfree(ch);	/* no span names it: read under the heap lock only */
	return released;
}

/*
 * Give free runs back, the longest first, until @max_pages Go pages (or
 * every free run, with ULONG_MAX) went back: the shrinker, the memory
 * limit, flush and unload.  Returns the Go pages given back.
 */
unsigned long mheap_scavenge(unsigned long max_pages)
{
	return scavenge(max_pages, SCAVENGE_ANY);
}
EXPORT_SYMBOL_IF_KUNIT(mheap_scavenge);

/*
 * Give back free runs of @max_pages Go pages at most in all, the longest
 * that fit first: the background scavenger, down to its goal and no
 * further.  Returns the Go pages given back.
 */
unsigned long mheap_scavenge_within(unsigned long max_pages)
{
	return scavenge(max_pages, SCAVENGE_WITHIN);
}
EXPORT_SYMBOL_IF_KUNIT(mheap_scavenge_within);

/*
 * The heap is about to grow by @npages Go pages, as no free run fits the
 * request: first give whole free chunks back, the largest that fit first,
 * until the heap with its new chunk holds no more than the scavenger's
 * goal, as Go's heap-growth scavenger does.  Those chunks are too short
 * for this request, and without it they would wait for the background
 * scavenger while the heap grows past them.  Whole chunks only: a run
 * inside a chunk in use would leave a hole, which the heap never fills
 * again, so that a trace run over and over would grow and give back at
 * every run (the kernel benchmark's replays did, and slowed kmalloc's
 * too).  No goalloc lock held.
 */
static void scavenge_for_growth(unsigned long npages)
{
	unsigned long held, goal = mheap_scavenge_goal(&held);

	if (held + npages > goal)
		scavenge(held + npages - goal, SCAVENGE_CHUNKS);
}

/*
 * The Go pages the heap keeps when the scavenger is done: those in use
 * plus mheap_retain_extra_percent.  The Go pages it holds now in *@held,
 * if not NULL.
 */
unsigned long mheap_scavenge_goal(unsigned long *held)
{
	unsigned int extra_percent = READ_ONCE(mheap_retain_extra_percent);
	unsigned long inuse, flags;

	spin_lock_irqsave(&mheap.lock, flags);
	inuse = mheap.sys_pages - mheap.free_pages;
	if (held)
		*held = mheap.sys_pages;
	spin_unlock_irqrestore(&mheap.lock, flags);
	return inuse + inuse * extra_percent / 100;
}

/* Bytes of the arenas, their index and the chunks' descriptors (for meta_sys). */
unsigned long mheap_meta_bytes(void)
{
	unsigned long flags, bytes;

	spin_lock_irqsave(&mheap.lock, flags);
	bytes = arenas_bytes + mheap.nchunks * sizeof(struct mchunk);
	spin_unlock_irqrestore(&mheap.lock, flags);
	return bytes;
}

/*
 * The heap's chunks, summed: *@idle the Go pages of those that are idle
 * (every page they hold free), *@holes the Go pages given back inside
 * those still held.
 */
void mheap_chunk_pages(unsigned long *idle, unsigned long *holes)
{
	struct mchunk *ch;
	unsigned long flags;

	*idle = *holes = 0;
	spin_lock_irqsave(&mheap.lock, flags);
	list_for_each_entry(ch, &mheap.chunks, list) {
		if (ch->free_pages == chunk_held(ch))
			*idle += chunk_held(ch);
		*holes += ch->released_pages;
	}
	spin_unlock_irqrestore(&mheap.lock, flags);
}

/*
 * The map of the chunk at position @n of the heap's list, a character per
 * Go page into @map (room for CHUNK_MAX_PAGES): 's' a small span, 'L' a
 * large object, '.' a free run, '_' a hole (given back).  Returns its
 * pages, 0 past the last chunk.  For debugfs heap_map.
 */
unsigned int mheap_chunk_map(unsigned int n, char *map)
{
	unsigned int i = 0, k, npages = 0;
	unsigned long flags;
	struct mchunk *ch;
	struct mspan *s;

	spin_lock_irqsave(&mheap.lock, flags);
	list_for_each_entry(ch, &mheap.chunks, list) {
		if (n--)
			continue;
		npages = ch->npages;
		while (i < npages) {
			s = ch->spans[i];
			if (!s) {
				map[i++] = '_';
				continue;
			}
			for (k = 0; k < s->npages && i < npages; k++)
				map[i++] = s->state == MSPAN_FREE ? '.' : s->spc ? 's' : 'L';
		}
		break;
	}
	spin_unlock_irqrestore(&mheap.lock, flags);
	return npages;
}
EXPORT_SYMBOL_IF_KUNIT(mheap_chunk_map);

/* Free runs by length: hist[i] counts runs of 2^i .. 2^(i+1)-1 pages. */
void mheap_free_runs(unsigned long *hist, unsigned int nbuckets, unsigned long *largest)
{
	struct rb_node *n;
	struct mspan *s;
	unsigned long flags;
	unsigned int i;
	int node;

	memset(hist, 0, nbuckets * sizeof(*hist));
	*largest = 0;
	spin_lock_irqsave(&mheap.lock, flags);
	for_each_node(node) {
		struct mheap_node *hn = &mheap.nodes[node];

		for (i = 1; i < HEAP_FREE_LISTS; i++)
			list_for_each_entry(s, &hn->free[i], list)
				hist[min_t(unsigned int, ilog2(i), nbuckets - 1)]++;
		for (n = rb_first(&hn->free_large); n; n = rb_next(n)) {
			s = rb_entry(n, struct mspan, rb);
			hist[min_t(unsigned int, ilog2(s->npages), nbuckets - 1)]++;
		}
	}
	s = run_longest(false, 0);
	if (s)
		*largest = s->npages;
	spin_unlock_irqrestore(&mheap.lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mheap_free_runs);

/*
 * Node @node's chunks, summed: the Go pages they hold, those in free runs,
 * and how many (debugfs nodes).
 */
void mheap_node_pages(int node, unsigned long *sys, unsigned long *free, unsigned long *chunks)
{
	struct mchunk *ch;
	unsigned long flags;

	*sys = *free = *chunks = 0;
	spin_lock_irqsave(&mheap.lock, flags);
	list_for_each_entry(ch, &mheap.chunks, list) {
		if (ch->node != node)
			continue;
		*sys += chunk_held(ch);
		*free += ch->free_pages;
		(*chunks)++;
	}
	spin_unlock_irqrestore(&mheap.lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mheap_node_pages);

int mheap_init(void)
{
	unsigned long n;
	unsigned int i;
	int node;

	spin_lock_init(&mheap.lock);
	INIT_LIST_HEAD(&mheap.chunks);
	mheap.nodes = kcalloc(nr_node_ids, sizeof(*mheap.nodes), GFP_KERNEL);
	if (!mheap.nodes)
		return -ENOMEM;
	for_each_node(node) {
		struct mheap_node *hn = &mheap.nodes[node];

		for (i = 0; i < HEAP_FREE_LISTS; i++)
			INIT_LIST_HEAD(&hn->free[i]);
		hn->free_large = RB_ROOT;
	}
	if (nr_node_ids > 1)
		static_branch_enable(&numa_key);
	else
		static_branch_disable(&numa_key);
	n = platform_arena_count(ARENA_SHIFT);
	if (n && mheap_arenas_grow(n, GFP_KERNEL)) {
		kfree(mheap.nodes);
		mheap.nodes = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Unload: every cache is flushed; give every chunk back. */
void mheap_exit(void)
{
	struct mchunk *ch;
	unsigned long i;

	mheap_scavenge(ULONG_MAX);
	list_for_each_entry(ch, &mheap.chunks, list)
		WARN_ONCE(1, "goalloc: chunk %p has %u of %u pages in use at unload\n",
			  (void *)ch->base, chunk_held(ch) - ch->free_pages, ch->npages);
	for (i = arenas_lo; i <= arenas_hi; i++)	/* below mheap_arenas.n */
		if (mheap_arenas.arena[i] != &mheap_no_arena)
			kfree(mheap_arenas.arena[i]);
	arenas_lo = ULONG_MAX;
	arenas_hi = 0;
	arenas_bytes = 0;
	while (arenas_newest) {
		struct arena_array *older = arenas_newest->older;

		kvfree(arenas_newest);
		arenas_newest = older;
	}
	mheap_arenas = (struct arena_index){ 0 };
	kfree(mheap.nodes);
	mheap.nodes = NULL;
}
