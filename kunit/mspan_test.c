// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-mspan: carving a span into objects (fresh slots from freeindex,
 * given-back ones from freebits) and the live bytes that catch double frees.
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

/* One object from @s, or 0. */
static unsigned long take(struct mspan *s)
{
	struct objref r;

	return mspan_take(s, &r, 1) ? r.addr : 0;
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
	KUNIT_EXPECT_EQ(test, s->freeindex, s->nelems);
	mheap_free_span(s);
}

/*
 * A batch takes what it asks for and no more, fresh slots only advance
 * freeindex, and slots given back are handed out again first, lowest first.
 */
static void slots_given_back_come_first(struct kunit *test)
{
	struct mspan *s = new_span(test, 1);	/* 8 B: 1024 slots */
	struct objref *r = kunit_kcalloc(test, 70, sizeof(*r), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	s->freebits[0] = s->freebits[1] = ~0UL;	/* stale: words are set as freeindex comes */
	KUNIT_ASSERT_EQ(test, mspan_take(s, r, 70), 70U);
	KUNIT_EXPECT_EQ(test, s->freeindex, 70U);
	KUNIT_EXPECT_EQ(test, s->nfree, 1024U - 70);
	for (i = 0; i < 70; i++) {
		KUNIT_ASSERT_EQ(test, r[i].addr, mspan_obj_addr(s, i));
		KUNIT_ASSERT_PTR_EQ(test, r[i].live, &s->live[i]);
	}
	KUNIT_EXPECT_EQ(test, s->freebits[0], 0UL);	/* both words freeindex reached */
	KUNIT_EXPECT_EQ(test, s->freebits[1], 0UL);
	mspan_put(s, 66);
	mspan_put(s, 3);
	KUNIT_EXPECT_EQ(test, s->nfree, 1024U - 68);
	KUNIT_ASSERT_EQ(test, mspan_take(s, r, 3), 3U);
	KUNIT_EXPECT_EQ(test, r[0].addr, mspan_obj_addr(s, 3));
	KUNIT_EXPECT_EQ(test, r[1].addr, mspan_obj_addr(s, 66));
	KUNIT_EXPECT_EQ(test, r[2].addr, mspan_obj_addr(s, 70));
	KUNIT_EXPECT_EQ(test, s->freeindex, 71U);
	KUNIT_EXPECT_EQ(test, s->nfree, 1024U - 71);
	mheap_free_span(s);
}

/* A slot is freed once per allocation: the second free is refused. */
static void live_bit_refuses_second_free(struct kunit *test)
{
	struct mspan *s = new_span(test, 18);
	struct objref r;
	unsigned int idx;

	KUNIT_ASSERT_EQ(test, mspan_take(s, &r, 1), 1U);
	idx = mspan_obj_index(s, r.addr);
	KUNIT_EXPECT_FALSE(test, mspan_clear_live(s, idx));	/* free, not live */
	KUNIT_EXPECT_EQ(test, (unsigned long)objref_set_live(r), r.addr);
	KUNIT_EXPECT_TRUE(test, mspan_clear_live(s, idx));
	KUNIT_EXPECT_FALSE(test, mspan_clear_live(s, idx));
	mheap_free_span(s);
}

/* mspan_invalid() finds something about @what wrong with @s. */
static void expect_broken(struct kunit *test, const struct mspan *s, const char *what)
{
	const char *why = mspan_invalid(s);

	KUNIT_ASSERT_NOT_NULL_MSG(test, why, "not found: %s", what);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, what), "found \"%s\", not %s", why, what);
}

/* The span invariant check passes a sound span and names each way to break one. */
static void invariant_check_finds_broken_spans(struct kunit *test)
{
	struct mspan *s = new_span(test, 18);	/* 256 B: 32 slots, live bytes inline */
	struct objref r[4];

	KUNIT_EXPECT_NULL(test, mspan_invalid(s));
	KUNIT_ASSERT_EQ(test, mspan_take(s, r, 4), 4U);
	objref_set_live(r[0]);
	mspan_put(s, 1);			/* slot 1 given back */
	KUNIT_EXPECT_NULL(test, mspan_invalid(s));

	s->nfree++;
	expect_broken(test, s, "nfree");
	s->nfree--;
	s->live[1] = 1;				/* a given-back slot */
	expect_broken(test, s, "free slot is live");
	s->live[1] = 0;
	s->live[20] = 1;			/* a slot never handed out */
	expect_broken(test, s, "free slot is live");
	s->live[20] = 0;
	__set_bit(6, s->freebits);		/* freeindex is 4 */
	expect_broken(test, s, "at or above freeindex");
	__clear_bit(6, s->freebits);
	s->freeindex = s->nelems + 1;
	expect_broken(test, s, "freeindex");
	s->freeindex = 4;
	s->on_list = MC_FULL;
	expect_broken(test, s, "full list");
	s->on_list = MC_EMPTY;
	expect_broken(test, s, "empty list");
	s->on_list = MC_NONE;
	s->fast_nelems = 0;			/* frees would all take the long way */
	expect_broken(test, s, "fast_nelems");
	s->fast_nelems = s->nelems;
	KUNIT_EXPECT_NULL(test, mspan_invalid(s));
	KUNIT_EXPECT_TRUE(test, mspan_clear_live(s, 0));
	mheap_free_span(s);
}

static struct kunit_case mspan_cases[] = {
	KUNIT_CASE_PARAM(span_carves_every_slot_in_order, span_class_gen_params),
	KUNIT_CASE(slots_given_back_come_first),
	KUNIT_CASE(live_bit_refuses_second_free),
	KUNIT_CASE(invariant_check_finds_broken_spans),
	{}
};

static struct kunit_suite mspan_suite = {
	.name = "goalloc-mspan",
	.test_cases = mspan_cases,
};

kunit_test_suites(&mspan_suite);
