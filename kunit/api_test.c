// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-api: the exported calls as a client module uses them: alignment,
 * zeroing, realloc, bulk, limits.
 * goalloc-large: objects over 32 KiB.
 * goalloc-tiny: the tiny allocator.
 * goalloc-invalid: bad frees are caught and change nothing.
 * goalloc-stats: the statistics add up.
 */
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/kasan.h>
#include "goalloc_test.h"

static const size_t sizes[] = {
	1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65,
	100, 127, 128, 129, 255, 256, 500, 512, 1000, 1024, 1025, 2048, 3000,
	4096, 5000, 8192, 10000, 16384, 20000, 32767, 32768, 32769, 40000, 65536,
	100000, 131072, 262144, 1 << 20, 2 << 20, 4 << 20,
};

static void size_desc(const size_t *s, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes", *s);
}
KUNIT_ARRAY_PARAM(size, sizes, size_desc);

static size_t pow2_align_of(size_t size)
{
	/* largest power of two <= 8 dividing size: the tiny rule */
	return size & 7 ? size & 3 ? size & 1 ? 1 : 2 : 4 : 8;
}

/* At least 8-byte aligned, naturally aligned for powers of two, usable >= size. */
static void alignment_and_usable_size(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	void *p = goalloc_alloc(size, GFP_KERNEL);
	void *q = goalloc_alloc_noscan(size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, (unsigned long)p % 8, 0UL);
	if (is_power_of_2(size)) {
		KUNIT_EXPECT_EQ(test, (unsigned long)p % size, 0UL);
		KUNIT_EXPECT_EQ(test, (unsigned long)q % size, 0UL);
	}
	if (size < TINY_SIZE)
		KUNIT_EXPECT_EQ(test, (unsigned long)q % pow2_align_of(size), 0UL);
	else
		KUNIT_EXPECT_EQ(test, (unsigned long)q % 8, 0UL);
	KUNIT_EXPECT_GE(test, goalloc_usable_size(p), size);
	KUNIT_EXPECT_GE(test, goalloc_usable_size(q), size);
	fill_pattern(p, goalloc_usable_size(p), 1);
	fill_pattern(q, size, 2);
	KUNIT_EXPECT_EQ(test, check_pattern(p, goalloc_usable_size(p), 1), 0UL);
	KUNIT_EXPECT_EQ(test, check_pattern(q, size, 2), 0UL);
	goalloc_free(p);
	goalloc_free(q);
}

static bool all_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/* __GFP_ZERO zeroes the whole usable size, also of reused memory. */
static void zeroing_covers_reused_objects(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	void *p[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = goalloc_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		memset(p[i], 0xa5, goalloc_usable_size(p[i]));
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		goalloc_free(p[i]);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = i & 1 ? goalloc_zalloc(size, GFP_KERNEL) :
			       goalloc_alloc_noscan(size, GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_TRUE(test, all_zero(p[i], goalloc_usable_size(p[i])));
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		goalloc_free(p[i]);
}

#define INIT_SIZE	192		/* class 14: 42 objects per span */

static long init_policy_on_cpu(void *arg)
{
	struct kunit *test = arg;
	u8 *p, *q[64];
	unsigned int i, n = 0;

	p = goalloc_alloc(INIT_SIZE, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	fill_pattern(p, INIT_SIZE, 0x5a);
	goalloc_free(p);
	/*
	 * goalloc keeps nothing inside free objects: only init_on_free writes
	 * (looking is a use after free on purpose: KASAN must not report it).
	 */
	kasan_disable_current();
	if (want_init_on_free())
		KUNIT_EXPECT_PTR_EQ(test, memchr_inv(p, 0, INIT_SIZE), NULL);
	else
		KUNIT_EXPECT_EQ(test, check_pattern(p, INIT_SIZE, 0x5a), 0UL);
	kasan_enable_current();
	/* allocate on this CPU until the slot comes back */
	do {
		q[n] = goalloc_alloc(INIT_SIZE, GFP_KERNEL);
		if (!q[n])
			break;
	} while (q[n++] != p && n < ARRAY_SIZE(q));
	KUNIT_EXPECT_PTR_EQ(test, q[n - 1], p);
	if (q[n - 1] == p) {
		if (want_init_on_alloc(GFP_KERNEL) || want_init_on_free())
			KUNIT_EXPECT_PTR_EQ(test, memchr_inv(p, 0, INIT_SIZE), NULL);
		else	/* stale, as kmalloc without init_on_alloc */
			KUNIT_EXPECT_EQ(test, check_pattern(p, INIT_SIZE, 0x5a), 0UL);
	}
	for (i = 0; i < n; i++)
		goalloc_free(q[i]);
	return 0;
}

/*
 * init_on_alloc and init_on_free (boot options; make check boots the debug
 * kernel both ways) decide what a reused object holds.
 */
static void init_on_alloc_and_free_honoured(struct kunit *test)
{
	kunit_info(test, "init_on_alloc=%d init_on_free=%d\n",
		   want_init_on_alloc(GFP_KERNEL), want_init_on_free());
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, init_policy_on_cpu, test), 0L);
}

static void realloc_keeps_contents(struct kunit *test)
{
	u8 *p = goalloc_alloc(10, GFP_KERNEL), *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	fill_pattern(p, 10, 3);
	/* grows within the class (16 B): in place */
	KUNIT_EXPECT_PTR_EQ(test, goalloc_realloc(p, 16, GFP_KERNEL), (void *)p);
	/* grows beyond: moves, contents kept */
	q = goalloc_realloc(p, 5000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, check_pattern(q, 10, 3), 0UL);
	fill_pattern(q, 5000, 4);
	/* into a large object and back down: shrinking stays in place */
	p = goalloc_realloc(q, 100000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, check_pattern(p, 5000, 4), 0UL);
	KUNIT_EXPECT_PTR_EQ(test, goalloc_realloc(p, 100, GFP_KERNEL), (void *)p);
	/* 0 frees */
	KUNIT_EXPECT_PTR_EQ(test, goalloc_realloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	/* NULL allocates */
	p = goalloc_realloc(NULL, 40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_GE(test, goalloc_usable_size(p), 40UL);
	goalloc_free(p);
	/* a tiny object grows out of its block and stays noscan */
	p = goalloc_alloc_noscan(5, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	fill_pattern(p, 5, 5);
	q = goalloc_realloc(p, 40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, check_pattern(q, 5, 5), 0UL);
	KUNIT_EXPECT_TRUE(test, spc_noscan(span_of(q)->spc));
	goalloc_free(q);
}

static int cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static const size_t bulk_sizes[] = { 8, 64, 1000, 32768, 100000 };
KUNIT_ARRAY_PARAM(bulk_size, bulk_sizes, size_desc);

/* Bulk fills all slots with distinct, usable objects and frees them all. */
static void bulk_alloc_and_free(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value, nr = size > 32768 ? 8 : 600, i;
	void **p = kunit_kcalloc(test, nr, sizeof(*p), GFP_KERNEL);
	u64 live = stats_now().heap_objects;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, goalloc_alloc_bulk(size, GFP_KERNEL, nr, p), (int)nr);
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live + nr);
	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_GE(test, goalloc_usable_size(p[i]), size);
		fill_pattern(p[i], size, i);
	}
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, check_pattern(p[i], size, i), 0UL);
	sort(p, nr, sizeof(*p), cmp_ptr, NULL);
	for (i = 1; i < nr; i++)
		KUNIT_EXPECT_GE(test, (unsigned long)p[i] - (unsigned long)p[i - 1], size);
	goalloc_free_bulk(nr, p);
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live);
}

static void size_limits(struct kunit *test)
{
	u64 invalid = stats_now().invalid_frees;

	KUNIT_EXPECT_PTR_EQ(test, goalloc_alloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, goalloc_alloc_noscan(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_NULL(test, goalloc_alloc(GOALLOC_MAX_SIZE + 1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_alloc(SIZE_MAX, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_alloc_noscan(SIZE_MAX, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_realloc(NULL, SIZE_MAX, GFP_KERNEL));
	goalloc_free(NULL);
	goalloc_free(ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(NULL), 0UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(ZERO_SIZE_PTR), 0UL);
	KUNIT_EXPECT_EQ(test, stats_now().invalid_frees, invalid);
}

/* The slab.h-like helpers of include/goalloc.h: arrays, rounding, __free(goalloc). */
static void arrays_roundup_and_free_on_scope_exit(struct kunit *test)
{
	static const size_t sizes[] = { 1, 8, 100, 1000, 5000, 32768, 40000, 100000,
					GOALLOC_MAX_SIZE };
	u64 live = stats_now().heap_objects;
	unsigned int i;
	u8 *a;

	KUNIT_EXPECT_NULL(test, goalloc_alloc_array(SIZE_MAX / 2, 3, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_calloc(1UL << 40, 1UL << 40, GFP_KERNEL));
	a = goalloc_calloc(10, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_GE(test, goalloc_usable_size(a), 1000UL);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(a, 0, 1000), NULL);
	goalloc_free(a);

	KUNIT_EXPECT_EQ(test, goalloc_size_roundup(0), 0UL);
	KUNIT_EXPECT_EQ(test, goalloc_size_roundup(GOALLOC_MAX_SIZE + 1), GOALLOC_MAX_SIZE + 1);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = goalloc_alloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ_MSG(test, goalloc_size_roundup(sizes[i]), goalloc_usable_size(p),
				    "size %zu", sizes[i]);
		goalloc_free(p);
	}
	{
		void *p __free(goalloc) = goalloc_alloc(64, GFP_KERNEL);

		KUNIT_EXPECT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live + 1);
	}
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live);	/* freed at scope exit */
}

/*
 * A constant size reaches __goalloc_alloc_class() with its class; a class
 * that does not hold the size WARNs and is not obeyed.
 */
static void constant_sizes_take_their_class(struct kunit *test)
{
	static const unsigned int bad[] = { 0, 1, 6, GOALLOC_NUM_CLASSES, 127, 128, UINT_MAX };
	u8 *p = goalloc_alloc(100, GFP_KERNEL);
	u8 *z = goalloc_zalloc(4000, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), goalloc_size_roundup(100));
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(z), goalloc_size_roundup(4000));
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(z, 0, 4000), NULL);
	goalloc_free(p);
	goalloc_free(z);
	KUNIT_EXPECT_EQ(test, goalloc_size_class(100), 9U);	/* 112 B */
	KUNIT_EXPECT_EQ(test, goalloc_size_class(GOALLOC_MAX_SMALL_SIZE), GOALLOC_NUM_CLASSES - 1);

	expect_reports_begin();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = __goalloc_alloc_class(100, GFP_KERNEL, bad[i]);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ_MSG(test, goalloc_usable_size(p), goalloc_size_roundup(100),
				    "class %u", bad[i]);
		memset(p, 0x5a, 100);
		goalloc_free(p);
	}
	expect_reports_end();
}

static void node_allocations_work(struct kunit *test)
{
	void *p = goalloc_alloc_node(300, GFP_KERNEL, numa_node_id());
	void *q = goalloc_alloc_node(200000, GFP_KERNEL, first_online_node);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_GE(test, goalloc_usable_size(q), 200000UL);
	goalloc_free(p);
	goalloc_free(q);
}

static struct kunit_case api_cases[] = {
	KUNIT_CASE_PARAM(alignment_and_usable_size, size_gen_params),
	KUNIT_CASE_PARAM(zeroing_covers_reused_objects, size_gen_params),
	KUNIT_CASE(init_on_alloc_and_free_honoured),
	KUNIT_CASE(realloc_keeps_contents),
	KUNIT_CASE_PARAM(bulk_alloc_and_free, bulk_size_gen_params),
	KUNIT_CASE(size_limits),
	KUNIT_CASE(node_allocations_work),
	KUNIT_CASE(arrays_roundup_and_free_on_scope_exit),
	KUNIT_CASE(constant_sizes_take_their_class),
	{}
};

static struct kunit_suite api_suite = {
	.name = "goalloc-api",
	.test_cases = api_cases,
};

/* === large === */

static void large_objects_are_page_runs(struct kunit *test)
{
	void *p = goalloc_alloc(32769, GFP_KERNEL);
	void *q = goalloc_alloc(1 << 20, GFP_KERNEL);
	struct mspan *s;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	s = span_of(p);
	KUNIT_EXPECT_EQ(test, s->spc, (u16)0);
	KUNIT_EXPECT_EQ(test, s->npages, 5U);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), 5 * GO_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, (unsigned long)q % (1 << 20), 0UL);
	/* every byte of the object maps back to its span */
	KUNIT_EXPECT_PTR_EQ(test, span_of(p + 5 * GO_PAGE_SIZE - 1), s);
	goalloc_free(p);
	goalloc_free(q);
	KUNIT_EXPECT_NULL(test, span_of(p));
}

static void large_counts_in_stats(struct kunit *test)
{
	struct goalloc_stats a = stats_now(), b;
	void *p = goalloc_alloc(100000, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	b = stats_now();
	KUNIT_EXPECT_EQ(test, b.large_allocs, a.large_allocs + 1);
	KUNIT_EXPECT_EQ(test, b.heap_alloc, a.heap_alloc + 13 * GO_PAGE_SIZE);
	goalloc_free(p);
	KUNIT_EXPECT_EQ(test, stats_now().heap_alloc, a.heap_alloc);
}

static struct kunit_case large_cases[] = {
	KUNIT_CASE(large_objects_are_page_runs),
	KUNIT_CASE(large_counts_in_stats),
	{}
};

static struct kunit_suite large_suite = {
	.name = "goalloc-large",
	.test_cases = large_cases,
};

/* === tiny === */

struct tiny_ctx {
	u8 *a, *b, *c, *d, *e;
};

static long tiny_alloc_on_cpu(void *arg)
{
	struct tiny_ctx *t = arg;

	t->a = goalloc_alloc_noscan(1, GFP_KERNEL);
	t->b = goalloc_alloc_noscan(2, GFP_KERNEL);
	t->c = goalloc_alloc_noscan(4, GFP_KERNEL);
	t->d = goalloc_alloc_noscan(8, GFP_KERNEL);
	t->e = goalloc_alloc_noscan(1, GFP_KERNEL);	/* no room: new block */
	return t->a && t->b && t->c && t->d && t->e ? 0 : -ENOMEM;
}

/* Objects share a block, aligned by size; the block goes when all are freed. */
static void tiny_block_freed_only_when_empty(struct kunit *test)
{
	struct tiny_ctx t;
	u64 blocks;

	goalloc_flush();
	blocks = class_live(TINY_SIZE_CLASS);
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, tiny_alloc_on_cpu, &t), 0L);
	KUNIT_EXPECT_EQ(test, (unsigned long)t.a % 16, 0UL);
	KUNIT_EXPECT_PTR_EQ(test, t.b, t.a + 2);
	KUNIT_EXPECT_PTR_EQ(test, t.c, t.a + 4);
	KUNIT_EXPECT_PTR_EQ(test, t.d, t.a + 8);
	KUNIT_EXPECT_NE(test, (unsigned long)t.e & ~15UL, (unsigned long)t.a);
	KUNIT_EXPECT_EQ(test, class_live(TINY_SIZE_CLASS), blocks + 2);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t.a), 1UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t.b), 2UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t.c), 4UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t.d), 8UL);
	*t.a = 1;
	memset(t.b, 2, 2);
	memset(t.c, 3, 4);
	memset(t.d, 4, 8);
	goalloc_free(t.a);
	goalloc_free(t.c);
	goalloc_free(t.d);
	KUNIT_EXPECT_EQ(test, class_live(TINY_SIZE_CLASS), blocks + 2);
	KUNIT_EXPECT_EQ(test, t.b[0] + t.b[1], 4);	/* neighbours untouched */
	goalloc_free(t.b);
	KUNIT_EXPECT_EQ(test, class_live(TINY_SIZE_CLASS), blocks + 1);
	/* e's block is still its CPU's current block: kept until retired */
	goalloc_free(t.e);
	KUNIT_EXPECT_EQ(test, class_live(TINY_SIZE_CLASS), blocks + 1);
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, class_live(TINY_SIZE_CLASS), blocks);
}

#define TINY_PAIRS	100

/* Tiny objects freed at once: how many left the first one's block. */
static long tiny_pairs_on_cpu(void *arg)
{
	unsigned long *moved = arg, block = 0;
	unsigned int i;
	u8 *p;

	for (i = 0; i < TINY_PAIRS; i++) {
		p = goalloc_alloc_noscan(5, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		if (!i)
			block = (unsigned long)p & ~15UL;
		*moved += ((unsigned long)p & ~15UL) != block;
		*p = i;
		goalloc_free(p);
	}
	return 0;
}

/*
 * A CPU's block whose objects were all freed is started over, not traded
 * for another: short-lived tiny objects stay in one block, which is taken
 * once (three 5-byte objects fill a block, 100 of them would take 34).
 */
static void tiny_block_reused_when_emptied(struct kunit *test)
{
	unsigned long moved = 0;
	unsigned long blocks;

	goalloc_flush();	/* no CPU holds a block */
	blocks = cpu_stat_sum(GS_TINY_BLOCK_ALLOC);
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, tiny_pairs_on_cpu, &moved), 0L);
	KUNIT_EXPECT_EQ(test, moved, 0UL);
	KUNIT_EXPECT_EQ(test, cpu_stat_sum(GS_TINY_BLOCK_ALLOC), blocks + 1);
	goalloc_flush();
}

#define TINY_MIX	600

struct tiny_mix {
	u8 *p[TINY_MIX];
	unsigned int tiny, blocks;
	unsigned long bytes, class_bytes;
};

static long tiny_mix_on_cpu(void *arg)
{
	struct tiny_mix *m = arg;
	unsigned long block = 0;
	unsigned int i;

	for (i = 0; i < TINY_MIX; i++) {
		size_t size = i % 15 + 1;
		struct mspan *s;

		m->p[i] = goalloc_alloc_noscan(size, GFP_KERNEL);
		if (!m->p[i])
			return -ENOMEM;
		m->class_bytes += class_to_size[size_to_class(size)];
		s = span_of(m->p[i]);
		if (s && s->tiny) {
			/* bump allocation: a new block is a change of block */
			if (((unsigned long)m->p[i] & ~15UL) != block)
				m->blocks++;
			block = (unsigned long)m->p[i] & ~15UL;
			m->tiny++;
		} else {
			m->bytes += goalloc_usable_size(m->p[i]);
		}
	}
	m->bytes += m->blocks * TINY_SIZE;
	return 0;
}

/*
 * The tiny allocator earns its place: objects of 1 to 15 bytes, allocated
 * one after another on one CPU, take fewer bytes than their size classes
 * would (8 and 16 bytes).  Only those of up to 8 bytes are tiny.
 */
static void tiny_takes_fewer_bytes_than_classes(struct kunit *test)
{
	struct tiny_mix *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, tiny_mix_on_cpu, m), 0L);
	KUNIT_EXPECT_EQ(test, m->tiny, TINY_MIX * TINY_MAX_OBJECT / 15);
	KUNIT_EXPECT_LT(test, m->bytes, m->class_bytes);
	kunit_info(test, "%u objects of 1 to 15 bytes: %lu bytes (%u tiny in %u blocks), %lu through the classes\n",
		   TINY_MIX, m->bytes, m->tiny, m->blocks, m->class_bytes);
	for (i = 0; i < TINY_MIX; i++)
		goalloc_free(m->p[i]);
}

/* 8-byte tiny objects, two a block: a span's worth, twice, and one more */
#define TINY_SPAN_OBJS	(2 * 2 * (GO_PAGE_SIZE / TINY_SIZE) + 1)

/* Tiny objects on one CPU until the span of the first is given back. */
static long tiny_span_fill_on_cpu(void *arg)
{
	u8 **p = arg;
	unsigned int i;

	for (i = 0; i < TINY_SPAN_OBJS; i++) {
		p[i] = goalloc_alloc_noscan(8, GFP_KERNEL);
		if (!p[i])
			return -ENOMEM;
		if (span_of(p[i]) != span_of(p[0]))
			break;
	}
	return 0;
}

/*
 * A CPU gives its tiny span back once it has looked at every block, and
 * mcentral files it by its blocks in use: full, then partial from the
 * free that leaves a quarter of them free, as each free keeps it on the
 * list its count says; once empty, it stays counted among the mcentral's
 * spans, in the empty reserve that the flush before emptied.
 */
static void tiny_span_filed_by_blocks_in_use(struct kunit *test)
{
	u8 **p = kunit_kcalloc(test, TINY_SPAN_OBJS, sizeof(*p), GFP_KERNEL);
	unsigned int i, n = 0, partial_at = 0;
	struct mcentral_counts before = { 0 }, after = { 0 };
	struct mspan *s;
	int node;

	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_flush();	/* no CPU holds a tiny span, none is empty */
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, tiny_span_fill_on_cpu, p), 0L);
	s = span_of(p[0]);
	KUNIT_ASSERT_TRUE(test, s && s->tiny);
	while (n < TINY_SPAN_OBJS && p[n] && span_of(p[n]) == s)
		n++;
	/* a new span, two objects a block in every one of them */
	KUNIT_ASSERT_EQ(test, n, 2U * s->nelems);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tiny_used), (int)s->nelems);
	KUNIT_EXPECT_EQ(test, s->on_list, (u8)MC_FULL);
	for (i = 0; i + 2 < n; i++) {
		goalloc_free(p[i]);
		KUNIT_EXPECT_PTR_EQ(test, mspan_invalid(s), NULL);
		if (!partial_at && s->on_list == MC_PARTIAL)
			partial_at = atomic_read(&s->tiny_used);
	}
	KUNIT_EXPECT_EQ(test, partial_at, (unsigned int)tiny_span_partial(s));
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tiny_used), 1);
	for_each_node(node)
		mcentral_count(node, TINY_SPC, &before);
	goalloc_free(p[n - 2]);
	goalloc_free(p[n - 1]);	/* @s is empty: from partial to the empty reserve */
	for_each_node(node)
		mcentral_count(node, TINY_SPC, &after);
	KUNIT_EXPECT_EQ(test, after.partial + after.full, before.partial + before.full);
	for (i = n; i < TINY_SPAN_OBJS && p[i]; i++)
		goalloc_free(p[i]);
	goalloc_flush();
}

static struct kunit_case tiny_cases[] = {
	KUNIT_CASE(tiny_block_freed_only_when_empty),
	KUNIT_CASE(tiny_block_reused_when_emptied),
	KUNIT_CASE(tiny_takes_fewer_bytes_than_classes),
	KUNIT_CASE(tiny_span_filed_by_blocks_in_use),
	{}
};

static struct kunit_suite tiny_suite = {
	.name = "goalloc-tiny",
	.test_cases = tiny_cases,
};

/* === invalid frees === */

/* Freeing @p is reported as @kind, counted as an invalid free, and changes nothing. */
static void expect_caught(struct kunit *test, const void *p, enum report_kind kind)
{
	struct goalloc_stats before = stats_now(), after;
	unsigned long n = report_count(kind);

	expect_reports_begin();
	goalloc_free(p);
	expect_reports_end();
	after = stats_now();
	KUNIT_EXPECT_EQ_MSG(test, report_count(kind), n + 1, "free(%p): kind %d", p, kind);
	KUNIT_EXPECT_EQ_MSG(test, after.invalid_frees, before.invalid_frees + 1, "free(%p)", p);
	KUNIT_EXPECT_EQ_MSG(test, after.heap_objects, before.heap_objects, "free(%p)", p);
}

static void double_free_caught(struct kunit *test)
{
	size_t sizes[] = { 64, 5000, 100000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = goalloc_alloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		goalloc_free(p);
		/* freed: no longer an object to measure */
		KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), 0UL);
		expect_caught(test, p, REPORT_DOUBLE_FREE);
	}
}

static void tiny_double_and_interior_free_caught(struct kunit *test)
{
	u8 *p = goalloc_alloc_noscan(4, GFP_KERNEL);
	u8 *q = goalloc_alloc_noscan(4, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	memset(q, 0x5a, 4);
	expect_caught(test, p + 1, REPORT_INTERIOR);
	goalloc_free(p);
	expect_caught(test, p, REPORT_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(q), 4UL);
	KUNIT_EXPECT_EQ(test, q[3], 0x5a);
	goalloc_free(q);
}

/*
 * A tiny span whose masks are not published (being set up, or on its way
 * back to the heap while it still looks tiny): a racing bad free and
 * goalloc_usable_size() see no object, and are reported, never followed.
 * The window is made by hand: the masks are hidden, then put back.
 */
static void tiny_free_racing_span_setup_caught(struct kunit *test)
{
	u64 invalid = stats_now().invalid_frees;
	u8 *p = goalloc_alloc_noscan(4, GFP_KERNEL);
	struct tiny_mask *tm;
	struct mspan *s;

	KUNIT_ASSERT_NOT_NULL(test, p);
	s = span_of(p);
	KUNIT_ASSERT_TRUE(test, s && s->tiny);
	tm = s->tinymask;
	WRITE_ONCE(s->tinymask, NULL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), 0UL);
	expect_caught(test, p, REPORT_NOT_OBJECT);
	smp_store_release(&s->tinymask, tm);	/* as mcentral_init_span() publishes */
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), 4UL);
	goalloc_free(p);	/* a real free again */
	KUNIT_EXPECT_EQ(test, stats_now().invalid_frees, invalid + 1);
}

/*
 * A span the heap has just carved, before it is a large object's or a
 * span class's (no span class yet): a free of its base, as a double free
 * of the large object that lay there may race the reuse of its pages, is
 * reported, and the span stays in use.  The window is made by hand: a
 * span straight from mheap_alloc().
 */
static void free_racing_span_carving_caught(struct kunit *test)
{
	struct mspan *s = mheap_alloc(5, 1, NUMA_NO_NODE, GFP_KERNEL);
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, s);
	p = (void *)s->base;
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), 0UL);
	expect_caught(test, p, REPORT_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, (u8)READ_ONCE(s->state), (u8)MSPAN_INUSE);
	KUNIT_EXPECT_PTR_EQ(test, span_of(p), s);
	mheap_free_span(s);
}

/* Interior, foreign, stack and wild pointers: caught, nothing changes. */
static void bad_pointers_caught(struct kunit *test)
{
	u8 *p = goalloc_alloc(256, GFP_KERNEL), *l = goalloc_alloc(70000, GFP_KERNEL);
	void *k = kmalloc(64, GFP_KERNEL);
	int on_stack;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_NOT_NULL(test, k);
	fill_pattern(p, 256, 9);
	expect_caught(test, p + 8, REPORT_INTERIOR);
	expect_caught(test, l + GO_PAGE_SIZE, REPORT_INTERIOR);
	expect_caught(test, k, REPORT_NOT_OBJECT);
	expect_caught(test, &on_stack, REPORT_NOT_OBJECT);
	expect_caught(test, (void *)0x1000, REPORT_NOT_OBJECT);
	expect_caught(test, (void *)-4096L, REPORT_NOT_OBJECT);
	KUNIT_EXPECT_EQ(test, check_pattern(p, 256, 9), 0UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), 256UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(k), 0UL);
	goalloc_free(p);
	goalloc_free(l);
	kfree(k);
}

static long free_on_cpu(void *p)
{
	goalloc_free(p);
	return 0;
}

/* A double free from a CPU that does not cache the span is caught too. */
static void remote_double_free_caught(struct kunit *test)
{
	unsigned long doubles = report_count(REPORT_DOUBLE_FREE);
	u64 invalid = stats_now().invalid_frees;
	void *p, *q;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	p = goalloc_alloc(128, GFP_KERNEL);
	q = goalloc_alloc(128, GFP_KERNEL);	/* keeps the span non-empty */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	run_on_cpu(cpumask_next(0, cpu_online_mask), free_on_cpu, p);
	expect_reports_begin();
	run_on_cpu(cpumask_next(0, cpu_online_mask), free_on_cpu, p);
	run_on_cpu(0, free_on_cpu, p);
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, stats_now().invalid_frees, invalid + 2);
	KUNIT_EXPECT_EQ(test, report_count(REPORT_DOUBLE_FREE), doubles + 2);
	goalloc_free(q);
}

/* A realloc of a pointer that is no live object: NULL, reported, nothing changed. */
static void bad_realloc_caught(struct kunit *test)
{
	unsigned long bad = report_count(REPORT_BAD_REALLOC);
	struct goalloc_stats before = stats_now();
	void *k = kmalloc(64, GFP_KERNEL);
	void *p = goalloc_alloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_free(p);
	expect_reports_begin();
	KUNIT_EXPECT_NULL(test, goalloc_realloc(k, 100, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_realloc(p, 100, GFP_KERNEL));
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, report_count(REPORT_BAD_REALLOC), bad + 2);
	KUNIT_EXPECT_EQ(test, stats_now().invalid_frees, before.invalid_frees + 2);
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, before.heap_objects);
	kfree(k);
}

/*
 * A bulk free of a batch that mixes classes, spans, a tiny and a large
 * object, NULL and ZERO_SIZE_PTR with an interior, a foreign and two
 * repeated pointers: every object is freed once, and each bad pointer is
 * reported with its kind, whether or not it lies in the span of the
 * pointer before it.
 */
static void bulk_free_of_a_mixed_batch(struct kunit *test)
{
	static const enum report_kind kinds[] = {
		REPORT_DOUBLE_FREE, REPORT_INTERIOR, REPORT_NOT_OBJECT
	};
	static const unsigned long more[] = { 2, 1, 1 };	/* reports of each kind */
	u64 invalid = stat_now(invalid_frees), live = stat_now(heap_objects);
	void *k = kmalloc(64, GFP_KERNEL);
	void *a = goalloc_alloc(64, GFP_KERNEL);
	void *b = goalloc_alloc(64, GFP_KERNEL);
	void *c = goalloc_alloc(1000, GFP_KERNEL);
	void *t = goalloc_alloc_noscan(4, GFP_KERNEL);
	void *l = goalloc_alloc(100000, GFP_KERNEL);
	void *batch[] = { a, (u8 *)c + 8, c, b, a, t, NULL, l, k, ZERO_SIZE_PTR, b };
	void *objects[] = { a, b, c, t, l };
	unsigned long n[ARRAY_SIZE(kinds)];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, k);
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		KUNIT_ASSERT_NOT_NULL(test, objects[i]);
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		n[i] = report_count(kinds[i]);
	expect_reports_begin();
	goalloc_free_bulk(ARRAY_SIZE(batch), batch);
	expect_reports_end();
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		KUNIT_EXPECT_EQ_MSG(test, report_count(kinds[i]), n[i] + more[i], "kind %d", kinds[i]);
	KUNIT_EXPECT_EQ(test, stat_now(invalid_frees), invalid + 4);
	KUNIT_EXPECT_EQ(test, stat_now(heap_objects), live);
	for (i = 0; i < ARRAY_SIZE(objects); i++)	/* each freed */
		KUNIT_EXPECT_EQ_MSG(test, goalloc_usable_size(objects[i]), 0UL, "object %u", i);
	kfree(k);
}

static struct kunit_case invalid_cases[] = {
	KUNIT_CASE(double_free_caught),
	KUNIT_CASE(tiny_double_and_interior_free_caught),
	KUNIT_CASE(tiny_free_racing_span_setup_caught),
	KUNIT_CASE(free_racing_span_carving_caught),
	KUNIT_CASE(bad_pointers_caught),
	KUNIT_CASE(remote_double_free_caught),
	KUNIT_CASE(bad_realloc_caught),
	KUNIT_CASE(bulk_free_of_a_mixed_batch),
	{}
};

static struct kunit_suite invalid_suite = {
	.name = "goalloc-invalid",
	.test_cases = invalid_cases,
};

/* === stats === */

struct mix {
	void *small[10], *tiny[5], *large[2];
};

static long alloc_mix(void *arg)
{
	struct mix *m = arg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(m->small); i++)
		m->small[i] = goalloc_alloc(100 * i + 1, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(m->tiny); i++)
		m->tiny[i] = goalloc_alloc_noscan(3, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(m->large); i++)
		m->large[i] = goalloc_alloc(40000 * (i + 1), GFP_KERNEL);
	return 0;
}

/* allocs - frees = live objects; live bytes = class sizes + large pages. */
static void stats_add_up(struct kunit *test)
{
	struct goalloc_stats a, b;
	struct mix m;
	u64 bytes = 0;
	unsigned int i;

	goalloc_flush();
	a = stats_now();
	KUNIT_EXPECT_EQ(test, a.mallocs - a.frees, a.heap_objects);
	run_on_cpu(0, alloc_mix, &m);
	for (i = 0; i < ARRAY_SIZE(m.small); i++) {
		KUNIT_ASSERT_NOT_NULL(test, m.small[i]);
		bytes += class_to_size[size_to_class(100 * i + 1)];
	}
	for (i = 0; i < ARRAY_SIZE(m.tiny); i++)
		KUNIT_ASSERT_NOT_NULL(test, m.tiny[i]);
	bytes += TINY_SIZE;	/* 5 x 3 bytes share one fresh block */
	for (i = 0; i < ARRAY_SIZE(m.large); i++) {
		KUNIT_ASSERT_NOT_NULL(test, m.large[i]);
		bytes += goalloc_usable_size(m.large[i]);
	}
	b = stats_now();
	KUNIT_EXPECT_EQ(test, b.heap_objects - a.heap_objects, 17ULL);
	KUNIT_EXPECT_EQ(test, b.mallocs - a.mallocs, 17ULL);
	KUNIT_EXPECT_EQ(test, b.tiny_allocs - a.tiny_allocs, 5ULL);
	KUNIT_EXPECT_EQ(test, b.large_allocs - a.large_allocs, 2ULL);
	KUNIT_EXPECT_EQ(test, b.heap_alloc - a.heap_alloc, bytes);
	KUNIT_EXPECT_EQ(test, b.mallocs - b.frees, b.heap_objects);
	KUNIT_EXPECT_GE(test, b.heap_inuse, b.heap_alloc);
	KUNIT_EXPECT_EQ(test, b.heap_inuse + b.heap_idle, b.heap_sys);
	for (i = 0; i < ARRAY_SIZE(m.small); i++)
		goalloc_free(m.small[i]);
	for (i = 0; i < ARRAY_SIZE(m.tiny); i++)
		goalloc_free(m.tiny[i]);
	for (i = 0; i < ARRAY_SIZE(m.large); i++)
		goalloc_free(m.large[i]);
	goalloc_flush();
	b = stats_now();
	KUNIT_EXPECT_EQ(test, b.heap_objects, a.heap_objects);
	KUNIT_EXPECT_EQ(test, b.heap_alloc, a.heap_alloc);
	KUNIT_EXPECT_EQ(test, b.frees - a.frees, 17ULL);
}

static struct kunit_case stats_cases[] = {
	KUNIT_CASE(stats_add_up),
	{}
};

static struct kunit_suite stats_suite = {
	.name = "goalloc-stats",
	.test_cases = stats_cases,
};

kunit_test_suites(&api_suite, &large_suite, &tiny_suite, &invalid_suite, &stats_suite);
