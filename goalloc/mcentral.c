// SPDX-License-Identifier: GPL-2.0
/*
 * Central free lists (Go's mcentral).  See malloc.c for the overview.
 *
 * One mcentral per NUMA node and span class, plus one per node for the
 * spans that hold tiny blocks: a span is on the lists of its own node, and
 * its objects only ever come back to that node's mcentral.  Each keeps
 * its spans on three lists by the free slots in them:
 * partial, full (none) and empty (all free: a small reserve so a class that
 * breathes in and out does not go to the heap every time).  CPUs take free
 * objects from it and give them back in batches (mcache.c): a batch given
 * back waits whole in the transfer cache for the next CPU that needs one,
 * and only when that is full do its objects go back to their spans.  The
 * transfer cache's array is allocated when a CPU first gives a batch back
 * (mcentral_transfer_get()), so a class that is never used costs an
 * mcentral and no more, and one whose array cannot be had without sleeping
 * puts its batches back into their spans until it can.  A
 * span that gets its first object back goes to the head of the partial
 * list, where refills take from: the fullest spans are used first and the
 * emptiest ones drift to the tail until they are empty.  Every critical
 * section is a batch long; the one list walk is mcentral_release_empty()'s
 * (flush and shrink).
 *
 * The tiny mcentral lists spans, not objects: CPUs take a tiny span whole
 * and give it back whole (tiny.c), and it is filed by its count of blocks
 * in use rather than its free slots, partial only with a quarter of its
 * blocks free.  It has no transfer cache.
 */
#include "malloc.h"

struct mcentral **mcentral_nodes;
EXPORT_SYMBOL_IF_KUNIT(mcentral_nodes);

/* debugfs goalloc/fail_cache: make cache arrays fail to allocate (fault injection). */
DECLARE_FAULT_ATTR(mcentral_fail_cache);
EXPORT_SYMBOL_IF_KUNIT(mcentral_fail_cache);

static struct mcentral *central_of(const struct mspan *s)
{
	return mcentral_of(s->node, s->tiny ? TINY_SPC : s->spc);
}

/*
 * In builds that check (PLATFORM_CHECK_INVARIANTS: a KASAN or DEBUG_VM
 * kernel, and user space), WARN if @s broke its invariant.  mcentral lock
 * held.
 */
static void mcentral_check(const struct mspan *s)
{
	const char *why;

	if (!PLATFORM_CHECK_INVARIANTS)
		return;
	why = mspan_invalid(s);
	WARN_ONCE(why, "goalloc: span %p of span class %u: %s\n", (void *)s->base, s->spc, why);
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
	mcentral_check(s);
}

/*
 * File a span with @nfree free slots (or tiny blocks): partial with
 * @partial_min of them at least, else full.  An empty span beyond the
 * reserve goes on @release for the heap.  mcentral lock held.
 */
static void mcentral_file_by(struct mcentral *mc, struct mspan *s, unsigned int nfree,
			     unsigned int partial_min, struct list_head *release)
{
	if (nfree == s->nelems) {
		if (mc->nempty < MCENTRAL_EMPTY_RESERVE) {
			mcentral_set_list(mc, s, MC_EMPTY);
		} else {
			mcentral_set_list(mc, s, MC_NONE);
			list_add(&s->list, release);
		}
	} else if (nfree && nfree >= partial_min) {
		mcentral_set_list(mc, s, MC_PARTIAL);
	} else {
		mcentral_set_list(mc, s, MC_FULL);
	}
}

/* File a span by its free count.  mcentral lock held. */
static void mcentral_file(struct mcentral *mc, struct mspan *s, struct list_head *release)
{
	mcentral_file_by(mc, s, s->nfree, 1, release);
}

/* Give spans on @release back to the heap, under one heap lock. */
static void mcentral_release(struct list_head *release)
{
	struct mspan *s, *tmp;
	unsigned long flags;

	if (list_empty(release))
		return;
	list_for_each_entry(s, release, list) {
		mspan_tiny_mask_release(s);
		mspan_live_release(s);
	}
	spin_lock_irqsave(&mheap.lock, flags);
	list_for_each_entry_safe(s, tmp, release, list) {
		list_del_init(&s->list);
		mheap_free_span_locked(s);
	}
	spin_unlock_irqrestore(&mheap.lock, flags);
}

/*
 * The span of @mc to take from next: the head of the partial list (the
 * fullest), else an empty one; NULL if none.  mcentral lock held.
 */
static struct mspan *mcentral_next_span(struct mcentral *mc)
{
	struct mspan *s = list_first_entry_or_null(&mc->partial, struct mspan, list);

	return s ? s : list_first_entry_or_null(&mc->empty, struct mspan, list);
}

/* Take up to @n objects from the spans of @mc.  mcentral lock held. */
static unsigned int mcentral_take_spans(struct mcentral *mc, struct objref *out, unsigned int n)
{
	unsigned int got = 0;
	struct mspan *s;

	while (got < n) {
		s = mcentral_next_span(mc);
		if (!s)
			break;
		got += mspan_take(s, out + got, n - got);
		if (!s->nfree)
			mcentral_set_list(mc, s, MC_FULL);
		else if (s->on_list == MC_EMPTY)
			mcentral_set_list(mc, s, MC_PARTIAL);
		else
			mcentral_check(s);
	}
	return got;
}

/*
 * Go's cacheSpan, a batch at a time: up to @n free objects of @spc on
 * @node into @out, from the transfer cache first, then from the spans.
 * Interrupts off.  Returns how many; 0 when only a new span can help.
 */
unsigned int mcentral_refill(int node, unsigned int spc, struct objref *out, unsigned int n)
{
	struct mcentral *mc = mcentral_of(node, spc);
	unsigned int got;

	lockdep_assert_irqs_disabled();
	spin_lock(&mc->lock);
	mc->refills++;
	got = min(n, mc->ntransfer);
	if (got) {
		mc->ntransfer -= got;
		memcpy(out, mc->transfer + mc->ntransfer, got * sizeof(*out));
	}
	if (got < n)
		got += mcentral_take_spans(mc, out + got, n - got);
	spin_unlock(&mc->lock);
	return got;
}

/*
 * Give the @n objects at @in back to their spans; spans now empty may go
 * on @release.  mcentral lock held.
 */
static void mcentral_put(struct mcentral *mc, const struct objref *in, unsigned int n,
			 struct list_head *release)
{
	struct mspan *s = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		s = objref_span_hint(in[i], s);	/* released only after the loop */
		mspan_put(s, in[i].live - s->live);
		/* only a change of list moves it: a partial span keeps its place */
		if (s->nfree == 1 || s->nfree == s->nelems)
			mcentral_file(mc, s, release);
	}
}

/* Bytes of an array of @n objrefs for a CPU's stack or a transfer cache. */
size_t mcentral_cache_array_bytes(unsigned int n)
{
	return kmalloc_size_roundup(array_size(n, sizeof(struct objref)));
}

/*
 * An array of @n objrefs on @node for a CPU's stack or a transfer cache,
 * without sleeping: these are allocated where objects come and go, in any
 * context.  NULL if none can be had now.
 */
struct objref *mcentral_cache_array(unsigned int n, int node)
{
	size_t bytes = mcentral_cache_array_bytes(n);

	if (compat_should_fail(&mcentral_fail_cache, bytes))
		return NULL;
	return kmalloc_node(bytes, GFP_NOWAIT | __GFP_NOWARN, node);
}

/*
 * Give @node's mcentral for @spc, which has none yet, its transfer cache,
 * if that can be had without sleeping: TRANSFER_BATCHES batches, and what
 * else the array kmalloc gives holds.  Interrupts off.
 */
static noinline void mcentral_transfer_get(struct mcentral *mc, unsigned int spc, int node)
{
	unsigned int cap = mcentral_cache_array_bytes(TRANSFER_BATCHES * objstack_batch(spc)) /
			   sizeof(struct objref);
	struct objref *t = mcentral_cache_array(cap, node);

	if (!t)
		return;
	spin_lock(&mc->lock);
	if (!mc->transfer) {		/* another CPU may have given it one */
		mc->transfer = t;
		WRITE_ONCE(mc->transfer_cap, cap);
		t = NULL;
	}
	spin_unlock(&mc->lock);
	kfree(t);
}

/* mcentral_drain() of @n objects that all lie on @node. */
static void mcentral_drain_node(int node, unsigned int spc, const struct objref *in,
				unsigned int n)
{
	struct mcentral *mc = mcentral_of(node, spc);
	LIST_HEAD(release);

	if (unlikely(!data_race(mc->transfer)))	/* racy: rechecked under the lock */
		mcentral_transfer_get(mc, spc, node);
	spin_lock(&mc->lock);
	if (mc->ntransfer + n <= mc->transfer_cap) {
		memcpy(mc->transfer + mc->ntransfer, in, n * sizeof(*in));
		mc->ntransfer += n;
	} else {
		mcentral_put(mc, in, n, &release);
	}
	spin_unlock(&mc->lock);
	mcentral_release(&release);
}

/*
 * Go's uncacheSpan, a batch at a time: the @n free objects at @in, all of
 * @spc, come back from a CPU, each to the mcentral of its node (a CPU's
 * stack holds its own node's; a remote free brings one of another).  They
 * wait in the transfer cache if it has room for all, else go back to their
 * spans, and spans that become empty beyond the reserve go back to the
 * heap.  Interrupts off.
 */
void mcentral_drain(unsigned int spc, const struct objref *in, unsigned int n)
{
	unsigned int k;
	int node;

	lockdep_assert_irqs_disabled();
	if (!numa_on()) {
		mcentral_drain_node(0, spc, in, n);
		return;
	}
	for (; n; in += k, n -= k) {
		node = objref_span(in[0])->node;
		for (k = 1; k < n && objref_span(in[k])->node == node; k++)
			;
		mcentral_drain_node(node, spc, in, k);
	}
}

/*
 * A span that mheap just gave out: take up to @n of its objects into @out
 * and list it with the rest.  Any context.
 */
unsigned int mcentral_take_fresh(struct mspan *s, struct objref *out, unsigned int n)
{
	struct mcentral *mc = central_of(s);
	unsigned long flags;
	unsigned int got;
	LIST_HEAD(release);

	spin_lock_irqsave(&mc->lock, flags);
	got = mspan_take(s, out, n);
	mcentral_file(mc, s, &release);
	spin_unlock_irqrestore(&mc->lock, flags);
	mcentral_release(&release);	/* only if @n was 0 and the reserve full */
	return got;
}

/*
 * === Tiny spans ===
 *
 * A node's tiny mcentral lists the tiny spans no CPU holds, by the count
 * of their blocks in use (tiny.c).  A CPU takes and gives back spans with
 * interrupts off; a free moves one from any context.
 */

/* File tiny span @s by its count, which no CPU holds.  mcentral lock held. */
static void mcentral_tiny_file(struct mcentral *mc, struct mspan *s, struct list_head *release)
{
	int used = atomic_read(&s->tiny_used);

	mcentral_file_by(mc, s, s->nelems - used, s->nelems - tiny_span_partial(s), release);
}

/* A tiny span of @node with free blocks, now held by the caller, or NULL. */
struct mspan *mcentral_tiny_take(int node)
{
	struct mcentral *mc = mcentral_of(node, TINY_SPC);
	struct mspan *s;

	lockdep_assert_irqs_disabled();
	spin_lock(&mc->lock);
	s = mcentral_next_span(mc);
	if (s) {
		atomic_add(TINY_SPAN_HELD, &s->tiny_used);
		mcentral_set_list(mc, s, MC_NONE);
	}
	spin_unlock(&mc->lock);
	return s;
}

/* Tiny span @s, which the caller held, back to its node's mcentral. */
void mcentral_tiny_put(struct mspan *s)
{
	struct mcentral *mc = central_of(s);
	LIST_HEAD(release);

	lockdep_assert_irqs_disabled();
	spin_lock(&mc->lock);
	atomic_sub(TINY_SPAN_HELD, &s->tiny_used);
	mcentral_tiny_file(mc, s, &release);
	spin_unlock(&mc->lock);
	mcentral_release(&release);
}

/*
 * A block of tiny span @s became free, and the span's count may move it
 * to another list: take it down under the lock, and file the span unless
 * a CPU holds it (that CPU files it when it gives it back).  Any context.
 */
void mcentral_tiny_block_freed(struct mspan *s)
{
	struct mcentral *mc = central_of(s);
	unsigned long flags;
	LIST_HEAD(release);

	spin_lock_irqsave(&mc->lock, flags);
	if (atomic_dec_return(&s->tiny_used) < TINY_SPAN_HELD)
		mcentral_tiny_file(mc, s, &release);
	spin_unlock_irqrestore(&mc->lock, flags);
	mcentral_release(&release);
}

/* Set up a span for @spc that mheap just gave out.  Returns @s or NULL. */
struct mspan *mcentral_init_span(struct mspan *s, unsigned int spc, gfp_t gfp)
{
	bool tiny = spc == TINY_SPC;

	mspan_init_small(s, tiny ? make_spc(TINY_SIZE_CLASS, true) : spc, tiny);
	platform_kasan_free((void *)s->base, mspan_bytes(s));	/* every slot free */
	if (debug_on() && !tiny)
		debug_init_span(s);
	/* a tiny span's blocks have masks, not live bytes */
	if (s->nelems > MSPAN_LIVE_INLINE && !tiny) {
		if (!mspan_live_alloc(s, gfp)) {
			mheap_free_span(s);
			return NULL;
		}
		/* zeroed before the pointer: a racing bad free reads zeros */
		smp_store_release(&s->live, s->live_ext->byte);
	}
	if (tiny) {
		struct tiny_mask *tm = mspan_tiny_mask_alloc(s->nelems, gfp);

		if (!tm) {
			mspan_live_release(s);
			mheap_free_span(s);
			return NULL;
		}
		/* its zeroed bits before the pointer: see struct tiny_mask */
		smp_store_release(&s->tinymask, tm);
		/* held by the CPU that grows it */
		atomic_set(&s->tiny_used, TINY_SPAN_HELD);
	}
	return s;
}

/* Pages and alignment of a span of @spc. */
void mcentral_span_shape(unsigned int spc, unsigned int *npages, unsigned int *align)
{
	unsigned int c = spc_sizeclass(spc);
	unsigned int size = class_to_size[c];

	*npages = class_to_allocnpages[c];
	/* Power-of-two sizes are naturally aligned, as with kmalloc. */
	*align = is_power_of_2(size) && size > GO_PAGE_SIZE ? size / GO_PAGE_SIZE : 1;
}

/*
 * Go's mcentral.grow: a new span for @spc from the heap, not yet listed.
 * May sleep if @gfp allows; no goalloc lock held.
 */
struct mspan *mcentral_grow(unsigned int spc, int node, gfp_t gfp)
{
	unsigned int npages, align;
	struct mspan *s;

	mcentral_span_shape(spc, &npages, &align);
	s = mheap_alloc(npages, align, node, gfp);
	if (!s)
		return NULL;
	return mcentral_init_span(s, spc, gfp);
}

/*
 * Give back all but @keep empty spans of every class (flush, shrinker),
 * after emptying the transfer caches into their spans and freeing their
 * arrays.
 */
void mcentral_release_empty(unsigned int keep)
{
	unsigned int i;
	int node;

	for_each_node(node) {
		for (i = 0; i < NUM_CENTRALS; i++) {
			struct mcentral *mc = mcentral_of(node, i);
			struct objref *transfer;
			unsigned long flags;
			struct mspan *s;
			LIST_HEAD(release);

			spin_lock_irqsave(&mc->lock, flags);
			mcentral_put(mc, mc->transfer, mc->ntransfer, &release);
			mc->ntransfer = 0;
			transfer = mc->transfer;
			mc->transfer = NULL;
			WRITE_ONCE(mc->transfer_cap, 0);
			while (mc->nempty > keep) {
				s = list_first_entry(&mc->empty, struct mspan, list);
				mcentral_set_list(mc, s, MC_NONE);
				list_add(&s->list, &release);
			}
			spin_unlock_irqrestore(&mc->lock, flags);
			kfree(transfer);
			mcentral_release(&release);
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(mcentral_release_empty);

/*
 * Add @node's mcentral for @spc to @c: its spans partial (or empty) and
 * full, and the objects waiting in its transfer cache.
 */
void mcentral_count(int node, unsigned int spc, struct mcentral_counts *c)
{
	struct mcentral *mc = mcentral_of(node, spc);
	unsigned long flags;

	spin_lock_irqsave(&mc->lock, flags);
	c->partial += mc->npartial + mc->nempty;
	c->full += mc->nfull;
	c->transfer += mc->ntransfer;
	spin_unlock_irqrestore(&mc->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mcentral_count);

/* Each node's mcentrals, in its own memory. */
int mcentral_init(void)
{
	unsigned int i;
	int node;

	mcentral_nodes = kcalloc(nr_node_ids, sizeof(*mcentral_nodes), GFP_KERNEL);
	if (!mcentral_nodes)
		return -ENOMEM;
	for_each_node(node) {
		mcentral_nodes[node] = kvzalloc_node(array_size(NUM_CENTRALS,
								sizeof(struct mcentral)),
						     GFP_KERNEL, node);
		if (!mcentral_nodes[node]) {
			mcentral_exit();
			return -ENOMEM;
		}
	}
	for_each_node(node) {
		for (i = 0; i < NUM_CENTRALS; i++) {
			struct mcentral *mc = mcentral_of(node, i);

			spin_lock_init(&mc->lock);
			INIT_LIST_HEAD(&mc->partial);
			INIT_LIST_HEAD(&mc->full);
			INIT_LIST_HEAD(&mc->empty);
		}
	}
	return 0;
}

/* Bytes of the mcentrals and their transfer caches (for meta_sys). */
unsigned long mcentral_meta_bytes(void)
{
	unsigned long bytes = 0;
	unsigned int i;
	int node;

	for_each_node(node) {
		bytes += NUM_CENTRALS * sizeof(struct mcentral);
		for (i = 0; i < NUM_CENTRALS; i++)
			bytes += READ_ONCE(mcentral_of(node, i)->transfer_cap) *
				 sizeof(struct objref);
	}
	return bytes;
}

/*
 * Unload, after mcentral_release_empty() emptied the transfer caches; or a
 * failed mcentral_init().
 */
void mcentral_exit(void)
{
	unsigned int i;
	int node;

	if (!mcentral_nodes)
		return;
	for_each_node(node) {
		if (!mcentral_nodes[node])
			continue;
		for (i = 0; i < NUM_CENTRALS; i++)
			kfree(mcentral_of(node, i)->transfer);
		kvfree(mcentral_nodes[node]);
	}
	kfree(mcentral_nodes);
	mcentral_nodes = NULL;
}
