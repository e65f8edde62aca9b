// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-fixalloc: span descriptors (Go's fixalloc): a reserve made ahead,
 * handed out zeroed without allocating, dead once freed, reused, and blocks
 * kept until unload.
 */
#include "goalloc_test.h"

#define NDESC	40

/* After a reserve of NDESC, NDESC descriptors come without a new block. */
static void reserve_serves_without_allocating(struct kunit *test)
{
	struct mspan *d[NDESC];
	unsigned long bytes;
	unsigned int i, j;

	KUNIT_ASSERT_EQ(test, fixalloc_reserve(NDESC, GFP_KERNEL), 0);
	bytes = fixalloc_bytes();
	KUNIT_EXPECT_GT(test, bytes, 0UL);
	for (i = 0; i < NDESC; i++) {
		d[i] = fixalloc_span();
		KUNIT_ASSERT_NOT_NULL(test, d[i]);
		KUNIT_EXPECT_EQ(test, d[i]->state, MSPAN_DEAD);
		KUNIT_EXPECT_EQ(test, d[i]->base, 0UL);
		KUNIT_EXPECT_EQ(test, d[i]->npages, 0U);
		KUNIT_EXPECT_PTR_EQ(test, d[i]->live, NULL);
		KUNIT_EXPECT_TRUE(test, list_empty(&d[i]->list));
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_PTR_NE(test, d[i], d[j]);
		d[i]->base = 0xdead000UL + i;	/* dirty it: zeroed when reused */
		d[i]->npages = 7;
	}
	KUNIT_EXPECT_EQ(test, fixalloc_bytes(), bytes);
	for (i = 0; i < NDESC; i++)
		fixalloc_free_span(d[i]);
	KUNIT_EXPECT_EQ(test, fixalloc_bytes(), bytes);	/* blocks are kept */
}

/* A freed descriptor is dead at once (a lock-free reader sees no span), then reused, zeroed. */
static void freed_descriptor_is_dead_then_reused(struct kunit *test)
{
	struct mspan *s, *t;

	KUNIT_ASSERT_EQ(test, fixalloc_reserve(1, GFP_KERNEL), 0);
	s = fixalloc_span();
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->state = MSPAN_INUSE;
	s->base = 0xdead000UL;
	fixalloc_free_span(s);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->state), MSPAN_DEAD);
	t = fixalloc_span();		/* the last freed comes first */
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_PTR_EQ(test, t, s);
	KUNIT_EXPECT_EQ(test, t->base, 0UL);
	fixalloc_free_span(t);
}

static struct kunit_case fixalloc_cases[] = {
	KUNIT_CASE(reserve_serves_without_allocating),
	KUNIT_CASE(freed_descriptor_is_dead_then_reused),
	{}
};

static struct kunit_suite fixalloc_suite = {
	.name = "goalloc-fixalloc",
	.test_cases = fixalloc_cases,
};

kunit_test_suites(&fixalloc_suite);
