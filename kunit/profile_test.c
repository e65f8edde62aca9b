// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-profile: the heap profile (Go's mprof) samples allocations one
 * per profile_rate bytes, and its scaled figures tell two call sites apart
 * in the proportions they allocated, within the sampling error.
 */
#include "goalloc_test.h"

#define OBJ_SIZE	256
#define RATE		1024	/* a sample per 4 objects on average */

/* Two call sites; the returned pointer is used after the call, so neither is a tail call. */
static noinline void *alloc_a(void)
{
	void *p = goalloc_alloc(OBJ_SIZE, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static noinline void *alloc_b(void)
{
	void *p = goalloc_alloc(OBJ_SIZE, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

/* The entry whose call site lies in @fn (the nearer of the two functions). */
static const struct profile_entry *entry_of(const struct profile_entry *e, unsigned int nr,
					    unsigned long fn, unsigned long other)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		unsigned long c = e[i].caller;

		if (c > fn && c - fn < 256 && !(c > other && c - other < c - fn))
			return &e[i];
	}
	return NULL;
}

/* Within @pct percent of @want. */
static bool near(u64 got, u64 want, unsigned int pct)
{
	return got * 100 >= want * (100 - pct) && got * 100 <= want * (100 + pct);
}

static void two_call_sites_in_proportion(struct kunit *test)
{
	const unsigned int na = 3000, nb = 1000;	/* 3:1 */
	unsigned long fa = (unsigned long)alloc_a, fb = (unsigned long)alloc_b;
	unsigned long old = profile_get_rate();
	const struct profile_entry *a, *b;
	struct profile_entry *e;
	unsigned int i, nr;
	void **p;

	p = kunit_kcalloc(test, na + nb, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	profile_set_rate(RATE);
	for (i = 0; i < na + nb; i++) {
		p[i] = i < na ? alloc_a() : alloc_b();
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	e = profile_snapshot(&nr, NULL);
	a = entry_of(e, nr, fa, fb);
	b = entry_of(e, nr, fb, fa);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	/* ~750 and ~250 samples: 4 standard deviations within 15% and 25% */
	KUNIT_EXPECT_TRUE_MSG(test, near(a->inuse_bytes, (u64)na * OBJ_SIZE, 15),
			      "call site a: %llu bytes in use, %u allocated", a->inuse_bytes,
			      na * OBJ_SIZE);
	KUNIT_EXPECT_TRUE_MSG(test, near(b->inuse_bytes, (u64)nb * OBJ_SIZE, 25),
			      "call site b: %llu bytes in use, %u allocated", b->inuse_bytes,
			      nb * OBJ_SIZE);
	KUNIT_EXPECT_TRUE_MSG(test, near(a->inuse_objects, na, 15), "a: %llu objects",
			      a->inuse_objects);
	KUNIT_EXPECT_EQ(test, a->alloc_bytes, a->inuse_bytes);
	kvfree(e);

	/* freed: nothing in use, the allocations stay counted */
	for (i = 0; i < na + nb; i++)
		goalloc_free(p[i]);
	e = profile_snapshot(&nr, NULL);
	a = entry_of(e, nr, fa, fb);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, a->inuse_bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, a->inuse_objects, 0ULL);
	KUNIT_EXPECT_GT(test, a->alloc_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, a->free_objects, a->alloc_objects);
	kvfree(e);
	profile_set_rate(old);
}

/* A sampled object freed twice is still a double free; a free tells the profile once. */
static void sampled_frees_counted_once(struct kunit *test)
{
	unsigned long old = profile_get_rate();
	static const size_t sizes[] = { 8, 100, 5000, 100000 };	/* tiny, small, large */
	unsigned int i;

	profile_set_rate(1);	/* every allocation */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = sizes[i] < 16 ? goalloc_alloc_noscan(sizes[i], GFP_KERNEL) :
					  goalloc_alloc(sizes[i], GFP_KERNEL);
		unsigned long before = report_count(REPORT_DOUBLE_FREE);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_TRUE(test, profile_records());
		goalloc_free(p);
		KUNIT_EXPECT_FALSE_MSG(test, profile_free((unsigned long)p), "size %zu", sizes[i]);
		if (sizes[i] >= 16) {	/* a tiny double free is caught only block-wise */
			expect_reports_begin();
			goalloc_free(p);
			expect_reports_end();
			KUNIT_EXPECT_EQ(test, report_count(REPORT_DOUBLE_FREE), before + 1);
		}
	}
	profile_set_rate(old);
}

static struct kunit_case profile_cases[] = {
	KUNIT_CASE(two_call_sites_in_proportion),
	KUNIT_CASE(sampled_frees_counted_once),
	{}
};

static struct kunit_suite profile_suite = {
	.name = "goalloc-profile",
	.test_cases = profile_cases,
};

kunit_test_suites(&profile_suite);
