// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-mheap: the page heap's best fit, split, coalescing, giving free
 * runs and whole chunks back to the buddy allocator (the scavenger), and
 * failing cleanly when it cannot grow (fault injection).
 */
#include "goalloc_test.h"

static struct mspan *heap_alloc(struct kunit *test, unsigned int npages)
{
	struct mspan *s = mheap_alloc(npages, 1, NUMA_NO_NODE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->npages, npages);
	KUNIT_EXPECT_EQ(test, (u8)s->state, (u8)MSPAN_INUSE);
	return s;
}

#define PG(n)	((unsigned long)(n) * GO_PAGE_SIZE)

/* An empty heap is all this test sees: every earlier test freed its objects. */
static void heap_starts_empty_after_flush(struct kunit *test)
{
	struct goalloc_stats st;

	goalloc_flush();
	st = stats_now();
	KUNIT_EXPECT_EQ(test, st.heap_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, st.heap_sys, 0ULL);
	KUNIT_EXPECT_EQ(test, st.chunks, 0ULL);
}

static void best_fit_split_and_coalesce(struct kunit *test)
{
	struct mspan *a, *b, *c, *d, *e, *x, *y;
	unsigned long base, runs[10], largest, npages;
	struct goalloc_stats st;

	goalloc_flush();
	KUNIT_ASSERT_EQ(test, stats_now().heap_sys, 0ULL);
	a = heap_alloc(test, 1);
	npages = a->chunk->npages;
	KUNIT_ASSERT_GE(test, npages, 16UL);	/* 11 pages taken, then a tail */
	base = a->base;
	/* one free run: each allocation splits it from the front */
	b = heap_alloc(test, 3);
	c = heap_alloc(test, 1);
	d = heap_alloc(test, 5);
	e = heap_alloc(test, 1);
	KUNIT_EXPECT_EQ(test, b->base, base + PG(1));
	KUNIT_EXPECT_EQ(test, c->base, base + PG(4));
	KUNIT_EXPECT_EQ(test, d->base, base + PG(5));
	KUNIT_EXPECT_EQ(test, e->base, base + PG(10));
	mheap_free_span(b);	/* hole of 3 at page 1 */
	mheap_free_span(d);	/* hole of 5 at page 5 */
	/* best fit: 3 pages take the 3-page hole, 4 pages the 5-page hole */
	x = heap_alloc(test, 3);
	KUNIT_EXPECT_EQ(test, x->base, base + PG(1));
	y = heap_alloc(test, 4);
	KUNIT_EXPECT_EQ(test, y->base, base + PG(5));
	mheap_free_runs(runs, ARRAY_SIZE(runs), &largest);
	KUNIT_EXPECT_EQ(test, runs[0], 1UL);	/* the 1 page left of the 5-page hole */
	KUNIT_EXPECT_EQ(test, largest, npages - 11);

	/* free everything in an order that merges left, right and both */
	mheap_free_span(a);
	mheap_free_span(c);
	mheap_free_span(x);	/* merges a and c */
	mheap_free_span(e);	/* merges the 1-page run and the tail */
	mheap_free_span(y);	/* merges both sides: the chunk is one run */
	mheap_free_runs(runs, ARRAY_SIZE(runs), &largest);
	KUNIT_EXPECT_EQ(test, largest, npages);
	st = stats_now();
	KUNIT_EXPECT_EQ(test, st.heap_idle, st.heap_sys);
	KUNIT_EXPECT_EQ(test, st.spans_inuse, 0ULL);
}

/* A chunk that is one free run goes back to the buddy allocator. */
static void free_chunks_go_back_to_buddy(struct kunit *test)
{
	struct goalloc_stats before, after;
	unsigned long chunk_pages;
	struct mspan *s;

	goalloc_flush();
	before = stats_now();
	s = heap_alloc(test, 2);
	KUNIT_EXPECT_EQ(test, stats_now().chunks, before.chunks + 1);
	chunk_pages = s->chunk->npages;
	mheap_free_span(s);
	KUNIT_EXPECT_EQ(test, mheap_scavenge(ULONG_MAX), chunk_pages);
	after = stats_now();
	KUNIT_EXPECT_EQ(test, after.chunks, before.chunks);
	KUNIT_EXPECT_EQ(test, after.heap_sys, before.heap_sys);
	KUNIT_EXPECT_GT(test, after.heap_released, before.heap_released);
}

/*
 * A free run inside a chunk that still holds spans goes back alone: the
 * chunk stays, the run is a hole no lookup finds and no allocation reuses,
 * its neighbours do not merge across it, and the chunk leaves when the
 * rest goes back.
 */
static void free_runs_inside_chunks_go_back(struct kunit *test)
{
	u64 chunks, released;
	struct mspan *a, *b, *c, *d;
	unsigned long hole, held;
	char *map;

	goalloc_flush();
	chunks = stat_now(chunks);
	released = stat_now(heap_released);
	a = heap_alloc(test, 1);
	b = heap_alloc(test, 8);
	c = heap_alloc(test, 1);
	KUNIT_ASSERT_PTR_EQ(test, b->chunk, a->chunk);
	KUNIT_ASSERT_PTR_EQ(test, c->chunk, a->chunk);
	KUNIT_ASSERT_EQ(test, b->base, a->base + PG(1));
	KUNIT_ASSERT_EQ(test, c->base, b->base + PG(8));
	hole = b->base;
	memset((void *)a->base, 0x11, PG(1));
	memset((void *)c->base, 0x33, PG(1));
	mheap_free_span(b);

	/* the 8-page run is the longest that fits in 9 pages: it goes back */
	KUNIT_EXPECT_EQ(test, mheap_scavenge_within(9), 8UL);
	KUNIT_EXPECT_EQ(test, stat_now(chunks), chunks + 1);
	KUNIT_EXPECT_EQ(test, stat_now(heap_released), released + PG(8));
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), (u64)PG(a->chunk->npages - 8));
	KUNIT_EXPECT_NULL(test, mheap_span_of(hole));
	KUNIT_EXPECT_NULL(test, mheap_span_of(hole + PG(7)));
	/* nothing fits in 3 pages now: the chunk's tail run is longer */
	KUNIT_EXPECT_EQ(test, mheap_scavenge_within(3), 0UL);
	/* debugfs heap_map's picture of it (the only chunk) */
	map = kunit_kzalloc(test, CHUNK_MAX_PAGES + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, map);
	KUNIT_ASSERT_EQ(test, mheap_chunk_map(0, map), a->chunk->npages);
	KUNIT_EXPECT_EQ(test, strncmp(map, "L________L...", 13), 0);
	KUNIT_EXPECT_EQ(test, mheap_chunk_map(1, map), 0U);

	/* a and c do not merge across the hole; allocations avoid it */
	mheap_free_span(a);
	mheap_free_span(c);
	d = heap_alloc(test, 8);
	KUNIT_EXPECT_TRUE(test, d->base + PG(8) <= hole || d->base >= hole + PG(8));
	memset((void *)d->base, 0x44, PG(8));
	mheap_free_span(d);
	KUNIT_EXPECT_EQ(test, stat_now(heap_idle), stat_now(heap_sys));

	/* the rest goes back, and the chunk with it */
	held = stat_now(heap_sys);
	KUNIT_EXPECT_EQ(test, mheap_scavenge(ULONG_MAX), held / GO_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), 0ULL);
	KUNIT_EXPECT_EQ(test, stat_now(chunks), chunks);
}

/*
 * The background scavenger's pass (malloc_scavenge()): once the CPU has
 * been idle for a pass its caches go back (their arrays too, and the
 * transfer caches' once every CPU is idle), and free runs go back until the
 * heap holds about its pages in use plus retain_extra_percent; the live
 * objects keep their contents.
 */
static void scavenger_pass_keeps_the_goal(struct kunit *test)
{
	const unsigned int n = 8192, keep = 64;	/* 2 MiB of 256 B objects, 1/64 kept */
	unsigned int i, pass, cpu, spc, arrays = 0;
	unsigned long largest, runs[10];
	u64 sys, inuse, peak;
	int node;
	u8 **p;

	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_flush();
	for (i = 0; i < n; i++) {
		p[i] = goalloc_alloc(256, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		memset(p[i], i & 0xff, 256);
	}
	for (i = 0; i < n; i++) {
		if (i % keep) {
			goalloc_free(p[i]);
			p[i] = NULL;
		}
	}
	peak = stat_now(heap_sys);
	/* a few passes: the first sees this CPU busy, the next ones idle */
	for (pass = 0; pass < 6; pass++)
		malloc_scavenge();
	/* the idle CPUs' stacks and the transfer caches gave their arrays back */
	for_each_online_cpu(cpu)
		for (spc = 0; spc < NUM_SPAN_CLASSES; spc++)
			arrays += objstack_has_entries(&mcache_of(cpu)->stack[spc]);
	for_each_node(node)
		for (spc = 0; spc < NUM_SPAN_CLASSES; spc++)
			arrays += !!mcentral_of(node, spc)->transfer;
	KUNIT_EXPECT_EQ(test, arrays, 0U);
	sys = stat_now(heap_sys);
	inuse = sys - stat_now(heap_idle);
	mheap_free_runs(runs, ARRAY_SIZE(runs), &largest);
	/* every other page keeps an object: at most about half goes back */
	KUNIT_EXPECT_LT(test, sys, peak * 3 / 5);
	/* above the goal by less than a free run that would have fitted */
	KUNIT_EXPECT_LE(test, sys, inuse + inuse * mheap_retain_extra_percent / 100 +
			(u64)largest * GO_PAGE_SIZE);
	for (i = 0; i < n; i += keep) {
		KUNIT_EXPECT_PTR_EQ(test, memchr_inv(p[i], i & 0xff, 256), NULL);
		goalloc_free(p[i]);
	}
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), 0ULL);
}

/* A lookup of any page of an in-use span finds it; free pages find nothing. */
static void span_lookup_covers_every_page(struct kunit *test)
{
	struct mspan *s = heap_alloc(test, 4);
	unsigned long i, end = s->base + PG(4);

	for (i = s->base; i < end; i += PAGE_SIZE)
		KUNIT_EXPECT_PTR_EQ(test, mheap_span_of(i), s);
	KUNIT_EXPECT_PTR_EQ(test, mheap_span_of(end - 1), s);
	KUNIT_EXPECT_NULL(test, mheap_span_of(end));	/* free run after it */
	mheap_free_span(s);
	KUNIT_EXPECT_NULL(test, mheap_span_of(s->base));
	goalloc_flush();
}

/*
 * The arenas name goalloc's pages only: a pointer anywhere else (the stack,
 * another allocator's memory, code, the edges of the address space) finds
 * no span, and is no object.
 */
static void arena_lookup_finds_only_goalloc_pages(struct kunit *test)
{
	void *p = goalloc_alloc(64, GFP_KERNEL), *other = kmalloc(64, GFP_KERNEL);
	unsigned long local, foreign[] = {
		1, (unsigned long)ZERO_SIZE_PTR, (unsigned long)&local, (unsigned long)other,
		(unsigned long)&goalloc_alloc_noscan, (unsigned long)&mheap, ULONG_MAX,
		ULONG_MAX - GO_PAGE_SIZE, 1UL << 47, (1UL << 47) - 1,
	};
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_NOT_NULL(test, mheap_page_span((unsigned long)p));
	for (i = 0; i < ARRAY_SIZE(foreign); i++) {
		KUNIT_EXPECT_TRUE_MSG(test, !mheap_page_span(foreign[i]), "pointer %u", i);
		KUNIT_EXPECT_EQ_MSG(test, goalloc_usable_size((void *)foreign[i]), (size_t)0,
				    "pointer %u", i);
	}
	kfree(other);
	goalloc_free(p);
}

/*
 * Chunks smaller than an arena share it: each names its own pages there,
 * and their free runs never merge across a chunk's end, even where the
 * buddy allocator placed them side by side.  Given back, a chunk's pages
 * name nothing.
 */
static void chunks_in_one_arena_keep_apart(struct kunit *test)
{
	unsigned long old_limit = READ_ONCE(mheap_memory_limit), runs[10], largest;
	const unsigned long mib = 1UL << 20;
	struct mspan *a, *b;
	struct mchunk *ca, *cb;
	unsigned long abase, bbase;

	goalloc_flush();
	KUNIT_ASSERT_EQ(test, stat_now(heap_sys), 0ULL);
	WRITE_ONCE(mheap_memory_limit, mib);		/* one 1 MiB chunk: a */
	a = heap_alloc(test, mib / GO_PAGE_SIZE);
	WRITE_ONCE(mheap_memory_limit, 2 * mib);	/* and another: b */
	b = heap_alloc(test, mib / GO_PAGE_SIZE);
	WRITE_ONCE(mheap_memory_limit, old_limit);
	ca = a->chunk;
	cb = b->chunk;
	abase = a->base;
	bbase = b->base;
	KUNIT_ASSERT_TRUE(test, ca != cb);
	kunit_info(test, "chunks %s\n",
		   platform_arena_index(abase, ARENA_SHIFT) ==
		   platform_arena_index(bbase, ARENA_SHIFT) ? "share an arena" : "lie apart");
	KUNIT_EXPECT_PTR_EQ(test, mheap_page_span(abase + mib - 1), a);
	KUNIT_EXPECT_PTR_EQ(test, mheap_page_span(bbase), b);
	KUNIT_EXPECT_PTR_EQ(test, ca->spans[0], a);	/* its part of its arena's */
	KUNIT_EXPECT_PTR_EQ(test, cb->spans[mib / GO_PAGE_SIZE - 1], b);
	mheap_free_span(a);
	mheap_free_span(b);
	mheap_free_runs(runs, ARRAY_SIZE(runs), &largest);
	KUNIT_EXPECT_EQ(test, largest, mib / GO_PAGE_SIZE);	/* two runs, not one */
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), 0ULL);
	KUNIT_EXPECT_NULL(test, mheap_page_span(abase));
	KUNIT_EXPECT_NULL(test, mheap_page_span(bbase + mib - 1));
}

/*
 * arena[] grows (memory hotplug) into a longer copy: every arena stays
 * known, a live object is found as before, and meta_sys counts it.
 */
static void arena_index_grows_keeping_every_arena(struct kunit *test)
{
	void *p = goalloc_alloc(64, GFP_KERNEL);
	unsigned long n = READ_ONCE(mheap_arenas.n), i;
	struct heap_arena **old = READ_ONCE(mheap_arenas.arena);
	u64 meta = stat_now(meta_sys);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, mheap_arenas_grow(n + 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(mheap_arenas.n), n + 1);
	/* the old array is kept: meta_sys counts both */
	KUNIT_EXPECT_GE(test, stat_now(meta_sys), meta + (n + 1) * sizeof(old[0]));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(mheap_arenas.arena) != old);
	for (i = 0; i < n; i++)
		if (mheap_arenas.arena[i] != old[i])
			break;
	KUNIT_EXPECT_EQ(test, i, n);
	KUNIT_EXPECT_PTR_EQ(test, mheap_arenas.arena[n], &mheap_no_arena);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), (size_t)64);
	KUNIT_EXPECT_EQ(test, mheap_arenas_grow(n, GFP_KERNEL), 0);	/* never shorter */
	KUNIT_EXPECT_EQ(test, READ_ONCE(mheap_arenas.n), n + 1);
	goalloc_free(p);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), (size_t)0);
}

#ifdef CONFIG_FAULT_INJECTION
/* Fail every @interval-th heap growth from now on (0: stop failing). */
static void inject_grow_failures(unsigned long interval)
{
	mheap_fail_grow.verbose = 0;	/* no stack dumps: they read as splats */
	mheap_fail_grow.probability = interval ? 100 : 0;
	mheap_fail_grow.interval = interval ?: 1;
	atomic_set(&mheap_fail_grow.times, interval ? -1 : 0);
}

/* When the heap cannot grow, every call fails cleanly and nothing leaks. */
static void injected_grow_failures_fail_cleanly(struct kunit *test)
{
	struct goalloc_stats before, after;
	void *bulk[4], *p, *q;
	unsigned long grow_failures;

	goalloc_flush();
	before = stats_now();
	KUNIT_ASSERT_EQ(test, before.heap_sys, 0ULL);	/* so every call must grow */
	grow_failures = mheap.grow_failures;
	inject_grow_failures(1);
	KUNIT_EXPECT_NULL(test, goalloc_alloc(64, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_alloc_noscan(3, GFP_ATOMIC));
	KUNIT_EXPECT_NULL(test, goalloc_zalloc(20000, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_alloc(100000, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_realloc(NULL, 500, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, goalloc_alloc_bulk(128, GFP_KERNEL, ARRAY_SIZE(bulk), bulk), 0);
	inject_grow_failures(0);
	kunit_info(test, "%lu heap growths failed on purpose\n", mheap.grow_failures - grow_failures);
	after = stats_now();
	KUNIT_EXPECT_EQ(test, after.mallocs, before.mallocs);
	KUNIT_EXPECT_EQ(test, after.heap_objects, before.heap_objects);
	KUNIT_EXPECT_EQ(test, after.heap_sys, 0ULL);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees);
	/* and allocation recovers when injection stops */
	p = goalloc_alloc(64, GFP_KERNEL);
	q = goalloc_alloc(100000, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, q);
	goalloc_free(p);
	goalloc_free(q);
}

/*
 * Every second growth fails (8 MB of objects need several): what is
 * returned is sound, what is freed is freed.
 */
static void sometimes_failing_growth_loses_nothing(struct kunit *test)
{
	unsigned int n = 600, i, failed = 0;
	void **p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	unsigned long grow_failures;
	u64 live = stats_now().heap_objects;
	size_t bad = 0;

	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_flush();
	grow_failures = mheap.grow_failures;
	inject_grow_failures(2);
	for (i = 0; i < n; i++) {
		size_t size = i % 7 ? 16 << (i % 11) : 40000 + i * 100;

		p[i] = goalloc_alloc(size, GFP_KERNEL);
		if (!p[i]) {
			failed++;
			continue;
		}
		fill_pattern(p[i], size, i);
	}
	inject_grow_failures(0);
	kunit_info(test, "%lu heap growths failed on purpose, %u of %u allocations with them\n",
		   mheap.grow_failures - grow_failures, failed, n);
	KUNIT_EXPECT_GT(test, failed, 0U);
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live + n - failed);
	for (i = 0; i < n; i++) {
		if (!p[i])
			continue;
		bad += check_pattern(p[i], i % 7 ? 16 << (i % 11) : 40000 + i * 100, i);
		goalloc_free(p[i]);
	}
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live);
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, stats_now().heap_sys, 0ULL);
}
#endif

#define MIB	(1UL << 20)
#define FIRST_CHUNK	(1UL << (CHUNK_FIRST_ORDER + PAGE_SHIFT))	/* an empty heap's */
#define MIN_CHUNK	(1UL << (CHUNK_MIN_ORDER + PAGE_SHIFT))	/* once it holds 1 MiB */

/*
 * The memory limit (Go's GOMEMLIMIT, module parameter memory_limit) holds:
 * a growth that does not fit is refused and counted, a smaller chunk is
 * taken when only that fits, free runs and chunks go back first to make
 * room, and a change takes effect at once.  An empty heap grows by its
 * first chunk, FIRST_CHUNK.
 */
static void memory_limit_holds(struct kunit *test)
{
	unsigned int old_retain = mheap_retain_extra_percent;
	unsigned long old_limit = mheap_memory_limit;
	struct mspan *s, *t, *t2, *t3, *u;
	u64 failures, released;
	void *p, *big;

	goalloc_flush();
	KUNIT_ASSERT_EQ(test, stat_now(heap_sys), 0ULL);
	failures = stat_now(limit_failures);
	/* only the limit gives memory back here: growths keep their free runs */
	WRITE_ONCE(mheap_retain_extra_percent, 100000);

	WRITE_ONCE(mheap_memory_limit, GO_PAGE_SIZE / 2);	/* not one page */
	p = goalloc_alloc(64, GFP_KERNEL);
	KUNIT_EXPECT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, stat_now(limit_failures), failures + 1);
	KUNIT_EXPECT_EQ(test, stat_now(memory_limit), GO_PAGE_SIZE / 2);
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), 0ULL);
	goalloc_free(p);

	WRITE_ONCE(mheap_memory_limit, MIB);	/* room for 1 MiB only */
	p = goalloc_alloc(64, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), (u64)FIRST_CHUNK);
	big = goalloc_alloc(2 * MIB, GFP_KERNEL);
	KUNIT_EXPECT_NULL(test, big);
	KUNIT_EXPECT_EQ(test, stat_now(limit_failures), failures + 2);
	/* the chunk's free runs went back to make room: p's page is left */
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), (u64)GO_PAGE_SIZE);

	WRITE_ONCE(mheap_memory_limit, 0);	/* lifted: at once */
	big = goalloc_alloc(2 * MIB, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, big);
	goalloc_free(big);
	goalloc_free(p);
	goalloc_flush();
	KUNIT_ASSERT_EQ(test, stat_now(heap_sys), 0ULL);

	/* at the limit, a free chunk goes back to make room for a new one */
	WRITE_ONCE(mheap_memory_limit, MIB);
	s = mheap_alloc(1, 1, NUMA_NO_NODE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), (u64)FIRST_CHUNK);
	mheap_free_span(s);			/* a free chunk */
	released = stat_now(heap_released);
	failures = stat_now(limit_failures);
	WRITE_ONCE(mheap_memory_limit, 2 * MIB);
	t = mheap_alloc(200, 1, NUMA_NO_NODE, GFP_KERNEL);	/* a 2 MiB chunk */
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), (u64)2 * MIB);
	KUNIT_EXPECT_EQ(test, stat_now(heap_released), released + FIRST_CHUNK);
	KUNIT_EXPECT_EQ(test, stat_now(limit_failures), failures);

	/*
	 * An 8 MiB heap (t's chunk, and 4 MiB and 2 MiB ones) whose chunks
	 * have no 60 free pages would grow by 1 MiB, but only a MIN_CHUNK
	 * fits under the limit, and serves them.
	 */
	WRITE_ONCE(mheap_memory_limit, 8 * MIB);
	t2 = mheap_alloc(CHUNK_MAX_PAGES, 1, NUMA_NO_NODE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t2);
	t3 = mheap_alloc(200, 1, NUMA_NO_NODE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t3);
	KUNIT_ASSERT_EQ(test, stat_now(heap_sys), (u64)8 * MIB);
	WRITE_ONCE(mheap_memory_limit, 8 * MIB + MIN_CHUNK);
	u = mheap_alloc(60, 1, NUMA_NO_NODE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, u);
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), (u64)8 * MIB + MIN_CHUNK);
	KUNIT_EXPECT_EQ(test, stat_now(limit_failures), failures);
	mheap_free_span(u);
	mheap_free_span(t3);
	mheap_free_span(t2);
	mheap_free_span(t);
	WRITE_ONCE(mheap_memory_limit, old_limit);
	WRITE_ONCE(mheap_retain_extra_percent, old_retain);
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), 0ULL);
}

/*
 * Before the heap grows, whole free chunks go back down to the scavenger's
 * goal (Go's heap-growth scavenger): a 100-page span fits in neither a free
 * 64-page chunk nor the 15 free pages of a chunk that holds one page; with
 * one page in use, the free chunk goes back before the heap takes a 1 MiB
 * chunk for it, and the run inside the chunk in use stays (no hole).  With
 * a goal above what the heap holds, both stay.
 */
static void growth_gives_free_chunks_back_first(struct kunit *test)
{
	unsigned int old_retain = mheap_retain_extra_percent, retain;
	struct mspan *a, *b, *d;
	u64 released;

	for (retain = 10; retain <= 100000; retain += 99990) {
		WRITE_ONCE(mheap_retain_extra_percent, retain);
		goalloc_flush();
		KUNIT_ASSERT_EQ(test, stat_now(heap_sys), 0ULL);
		a = heap_alloc(test, 1);
		b = heap_alloc(test, MIN_CHUNK / GO_PAGE_SIZE);	/* a chunk of its own */
		KUNIT_ASSERT_EQ(test, stat_now(heap_sys), (u64)FIRST_CHUNK + MIN_CHUNK);
		KUNIT_ASSERT_TRUE(test, b->chunk != a->chunk);
		mheap_free_span(b);
		released = stat_now(heap_released);
		d = heap_alloc(test, 100);
		if (retain == 10) {
			KUNIT_EXPECT_EQ(test, stat_now(heap_released), released + MIN_CHUNK);
			KUNIT_EXPECT_EQ(test, stat_now(heap_sys), (u64)FIRST_CHUNK + MIB);
			KUNIT_EXPECT_EQ(test, a->chunk->released_pages, 0U);
		} else {
			KUNIT_EXPECT_EQ(test, stat_now(heap_released), released);
			KUNIT_EXPECT_EQ(test, stat_now(heap_sys), (u64)FIRST_CHUNK + MIN_CHUNK + MIB);
		}
		mheap_free_span(a);
		mheap_free_span(d);
	}
	WRITE_ONCE(mheap_retain_extra_percent, old_retain);
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), 0ULL);
}

/*
 * A small heap stays small: one object takes FIRST_CHUNK, the heap doubles
 * up to two MIN_CHUNKs, and then each growth adds an eighth of what it
 * holds, from MIN_CHUNK up to 4 MiB.
 */
static void heap_doubles_then_grows_by_an_eighth(struct kunit *test)
{
	const unsigned int n = (16 * MIB) / GO_PAGE_SIZE;
	u64 sys = 0, now, want;
	struct mspan **s;
	unsigned int i;
	void *p;

	s = kunit_kcalloc(test, n, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	goalloc_flush();
	KUNIT_ASSERT_EQ(test, stat_now(heap_sys), 0ULL);
	p = goalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), (u64)FIRST_CHUNK);
	goalloc_free(p);
	goalloc_flush();

	for (i = 0; i < n; i++) {
		s[i] = mheap_alloc(1, 1, NUMA_NO_NODE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s[i]);
		now = stat_now(heap_sys);
		if (now == sys)
			continue;
		if (sys < 2 * MIN_CHUNK)
			want = sys ? max(1ULL << ilog2(sys), (u64)FIRST_CHUNK) : FIRST_CHUNK;
		else
			want = max(1ULL << ilog2(sys / 8), (u64)MIN_CHUNK);
		KUNIT_EXPECT_EQ_MSG(test, now - sys, min_t(u64, want, CHUNK_MAX_PAGES * GO_PAGE_SIZE),
				    "growth at %llu bytes", sys);
		sys = now;
	}
	KUNIT_EXPECT_GE(test, sys, 16ULL * MIB);
	for (i = 0; i < n; i++)
		mheap_free_span(s[i]);
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), 0ULL);
}

static struct kunit_case mheap_cases[] = {
	KUNIT_CASE(heap_starts_empty_after_flush),
	KUNIT_CASE(best_fit_split_and_coalesce),
	KUNIT_CASE(free_chunks_go_back_to_buddy),
	KUNIT_CASE(span_lookup_covers_every_page),
	KUNIT_CASE(arena_lookup_finds_only_goalloc_pages),
	KUNIT_CASE(chunks_in_one_arena_keep_apart),
	KUNIT_CASE(arena_index_grows_keeping_every_arena),
	KUNIT_CASE(free_runs_inside_chunks_go_back),
	KUNIT_CASE(scavenger_pass_keeps_the_goal),
	KUNIT_CASE(memory_limit_holds),
	KUNIT_CASE(heap_doubles_then_grows_by_an_eighth),
	KUNIT_CASE(growth_gives_free_chunks_back_first),
#ifdef CONFIG_FAULT_INJECTION
	KUNIT_CASE(injected_grow_failures_fail_cleanly),
	KUNIT_CASE(sometimes_failing_growth_loses_nothing),
#endif
	{}
};

static struct kunit_suite mheap_suite = {
	.name = "goalloc-mheap",
	.test_cases = mheap_cases,
};

kunit_test_suites(&mheap_suite);
