// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-mspan: carving a span into objects through its free bitmap and
 * allocCache, merging remote frees, and the double-free check at merge.
 */
#include "goalloc_test.h"

static const unsigned int span_classes[] = { 1, 2, 5, 18, 26, 44, 51, 59, 67 };

static void class_desc(const unsigned int *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "class %u (%u B)", *c, class_to_size[*c]);
}
KUNIT_ARRAY_PARAM(span_class, span_classes, class_desc);

static struct mspan *new_span(struct kunit *test, unsigned int c)
{
	unsigned int npages = class_to_allocnpages[c];
	struct mspan *s = mheap_alloc(npages, 1, NUMA_NO_NODE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	mspan_init_small(s, make_spc(c, false), false);
	return s;
}

static unsigned long take(struct mspan *s)
{
	if (!s->alloc_cache && !mspan_refill_cache(s))
		return 0;
	return mspan_next_free_fast(s);
}

/* A fresh span hands out every slot once, lowest address first. */
static void span_carves_every_slot_in_order(struct kunit *test)
{
	unsigned int c = *(const unsigned int *)test->param_value;
	struct mspan *s = new_span(test, c);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, s->nfree, s->nelems);
	KUNIT_EXPECT_EQ(test, s->elemsize, class_to_size[c]);
	for (i = 0; i < s->nelems; i++)
		KUNIT_ASSERT_EQ(test, take(s), mspan_obj_addr(s, i));
	KUNIT_EXPECT_EQ(test, take(s), 0UL);
	KUNIT_EXPECT_EQ(test, s->nfree, 0U);
	KUNIT_EXPECT_EQ(test, s->alloc_cache, 0ULL);
	mheap_free_span(s);
}

/* allocCache holds one 64-slot word; the next word loads when it runs dry. */
static void alloc_cache_loads_word_by_word(struct kunit *test)
{
	struct mspan *s = new_span(test, 1);	/* 8 B: 1024 slots, 16 words */
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, mspan_refill_cache(s));
	KUNIT_EXPECT_EQ(test, s->alloc_cache, ~0ULL);
	KUNIT_EXPECT_EQ(test, s->nfree, 1024U - 64);
	for (i = 0; i < 64; i++)
		KUNIT_ASSERT_NE(test, mspan_next_free_fast(s), 0UL);
	KUNIT_EXPECT_EQ(test, mspan_next_free_fast(s), 0UL);	/* a miss, not a slot */
	KUNIT_ASSERT_TRUE(test, mspan_refill_cache(s));
	KUNIT_EXPECT_EQ(test, s->cache_word, 1U);
	/* Handing the cache back restores the count. */
	mspan_uncache_bits(s);
	KUNIT_EXPECT_EQ(test, s->nfree, 1024U - 64);
	KUNIT_EXPECT_EQ(test, s->alloc_cache, 0ULL);
	mheap_free_span(s);
}

/* Slots freed by other CPUs come back through remotebits. */
static void remote_frees_merge_into_free_bits(struct kunit *test)
{
	struct mspan *s = new_span(test, 44);	/* 4096 B: 2 slots */
	unsigned long a = take(s), b = take(s);

	KUNIT_ASSERT_EQ(test, take(s), 0UL);
	KUNIT_ASSERT_TRUE(test, mspan_set_remote(s, mspan_obj_index(s, b)));
	KUNIT_EXPECT_EQ(test, mspan_merge_remote(s), 1U);
	KUNIT_EXPECT_EQ(test, take(s), b);
	KUNIT_ASSERT_TRUE(test, mspan_set_remote(s, mspan_obj_index(s, a)));
	KUNIT_EXPECT_EQ(test, take(s), a);	/* refill merges by itself */
	mheap_free_span(s);
}

/* A remote free of a slot that is already free is caught when merged. */
static void double_free_caught_at_merge(struct kunit *test)
{
	struct mspan *s = new_span(test, 18);
	unsigned long invalid = stats_now().invalid_frees;
	unsigned int nfree;

	KUNIT_ASSERT_NE(test, take(s), 0UL);
	nfree = s->nfree;
	/* slot 1 is free (in alloc_cache): a "remote free" of it is a double free */
	KUNIT_ASSERT_TRUE(test, mspan_set_remote(s, 1));
	expect_invalid_frees_begin();
	KUNIT_EXPECT_EQ(test, mspan_merge_remote(s), 0U);
	expect_invalid_frees_end();
	KUNIT_EXPECT_EQ(test, s->nfree, nfree);
	KUNIT_EXPECT_TRUE(test, mspan_obj_is_free(s, 1));
	KUNIT_EXPECT_EQ(test, stats_now().invalid_frees, invalid + 1);
	mheap_free_span(s);
}

static struct kunit_case mspan_cases[] = {
	KUNIT_CASE_PARAM(span_carves_every_slot_in_order, span_class_gen_params),
	KUNIT_CASE(alloc_cache_loads_word_by_word),
	KUNIT_CASE(remote_frees_merge_into_free_bits),
	KUNIT_CASE(double_free_caught_at_merge),
	{}
};

static struct kunit_suite mspan_suite = {
	.name = "goalloc-mspan",
	.test_cases = mspan_cases,
};

kunit_test_suites(&mspan_suite);
