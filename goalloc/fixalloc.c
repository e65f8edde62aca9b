// SPDX-License-Identifier: GPL-2.0
/*
 * Fixed-size allocator for span descriptors (Go's fixalloc).  See malloc.c
 * for the overview.
 *
 * Descriptors are carved from 8 KiB blocks of pages and never go back to
 * the buddy allocator before unload, so a descriptor read without a lock
 * (mheap_span_of() for a bad pointer) is always a descriptor.  Allocation
 * never sleeps and never allocates: fixalloc_reserve() is called first, with
 * the caller's GFP flags and no lock held, to make sure enough are free.
 */
#include "malloc.h"

#define FIXALLOC_BLOCK_ORDER	1	/* order <= 1 may use __GFP_NOFAIL */

struct fixalloc_block {
	struct list_head list;
};

static struct {
	spinlock_t lock;		/* protects the fields below */
	struct list_head free;		/* free descriptors (via mspan.list) */
	struct list_head blocks;	/* all blocks */
	unsigned int nfree;
	unsigned long nblocks;
} fixalloc = {
	.lock = __SPIN_LOCK_UNLOCKED(fixalloc.lock),
	.free = LIST_HEAD_INIT(fixalloc.free),
	.blocks = LIST_HEAD_INIT(fixalloc.blocks),
};

#define FIXALLOC_PER_BLOCK \
	(((PAGE_SIZE << FIXALLOC_BLOCK_ORDER) - sizeof(struct fixalloc_block)) / sizeof(struct mspan))

/* Make sure at least @n descriptors are free.  Returns 0 or -ENOMEM. */
int fixalloc_reserve(unsigned int n, gfp_t gfp)
{
	unsigned long flags;
	unsigned int i;

	while (READ_ONCE(fixalloc.nfree) < n) {
		struct fixalloc_block *b;
		struct mspan *s;

		b = (void *)platform_alloc_pages(NUMA_NO_NODE, meta_gfp(gfp),
						 FIXALLOC_BLOCK_ORDER);
		if (!b)
			return -ENOMEM;
		/* Scanned for pointers, never reported: descriptors point to tiny masks. */
		kmemleak_alloc(b, PAGE_SIZE << FIXALLOC_BLOCK_ORDER, 0, gfp);
		s = (struct mspan *)(b + 1);
		spin_lock_irqsave(&fixalloc.lock, flags);
		list_add(&b->list, &fixalloc.blocks);
		for (i = 0; i < FIXALLOC_PER_BLOCK; i++) {
			s[i].state = MSPAN_DEAD;
			list_add(&s[i].list, &fixalloc.free);
		}
		WRITE_ONCE(fixalloc.nfree, fixalloc.nfree + FIXALLOC_PER_BLOCK);
		WRITE_ONCE(fixalloc.nblocks, fixalloc.nblocks + 1);
		spin_unlock_irqrestore(&fixalloc.lock, flags);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(fixalloc_reserve);

/* A free descriptor, or NULL if the reserve ran out.  Any context. */
struct mspan *fixalloc_span(void)
{
	struct mspan *s;
	unsigned long flags;

	spin_lock_irqsave(&fixalloc.lock, flags);
	s = list_first_entry_or_null(&fixalloc.free, struct mspan, list);
	if (s) {
		list_del(&s->list);
		WRITE_ONCE(fixalloc.nfree, fixalloc.nfree - 1);
	}
	spin_unlock_irqrestore(&fixalloc.lock, flags);
	if (s) {
		memset(s, 0, sizeof(*s));
		INIT_LIST_HEAD(&s->list);
		RB_CLEAR_NODE(&s->rb);
	}
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(fixalloc_span);

void fixalloc_free_span(struct mspan *s)
{
	unsigned long flags;

	WRITE_ONCE(s->state, MSPAN_DEAD);
	spin_lock_irqsave(&fixalloc.lock, flags);
	list_add(&s->list, &fixalloc.free);
	WRITE_ONCE(fixalloc.nfree, fixalloc.nfree + 1);
	spin_unlock_irqrestore(&fixalloc.lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(fixalloc_free_span);

unsigned long fixalloc_bytes(void)
{
	return READ_ONCE(fixalloc.nblocks) * (PAGE_SIZE << FIXALLOC_BLOCK_ORDER);
}
EXPORT_SYMBOL_IF_KUNIT(fixalloc_bytes);

/* Unload: every descriptor must be free again. */
void fixalloc_exit(void)
{
	struct fixalloc_block *b, *tmp;

	WARN_ONCE(fixalloc.nfree != fixalloc.nblocks * FIXALLOC_PER_BLOCK,
		  "goalloc: %lu span descriptors still in use at unload\n",
		  fixalloc.nblocks * FIXALLOC_PER_BLOCK - fixalloc.nfree);
	list_for_each_entry_safe(b, tmp, &fixalloc.blocks, list) {
		list_del(&b->list);
		kmemleak_free(b);
		platform_free_pages((unsigned long)b, FIXALLOC_BLOCK_ORDER);
	}
	INIT_LIST_HEAD(&fixalloc.free);
	fixalloc.nfree = 0;
	fixalloc.nblocks = 0;
}
