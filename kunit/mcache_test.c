// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-mcache: per-CPU stacks refilled in batches, and flush.
 * goalloc-mcentral: spans moving between full, partial and empty.
 */
#include "goalloc_test.h"

#define OBJ_SIZE	256		/* class 18: 32 objects per span */

struct refill_ctx {
	void *objs[200];
	unsigned long refills;
	unsigned int held, batch;
};

static long refill_on_cpu(void *arg)
{
	struct refill_ctx *ctx = arg;
	struct mcache *c = mcache_of(smp_processor_id());
	unsigned int cls = size_to_class(OBJ_SIZE), i;
	struct mcentral *mc = mcentral_of(numa_mem_id(), make_spc(cls, false));
	unsigned long before = READ_ONCE(mc->refills);

	for (i = 0; i < ARRAY_SIZE(ctx->objs); i++) {
		ctx->objs[i] = goalloc_alloc(OBJ_SIZE, GFP_KERNEL);
		if (!ctx->objs[i])
			return -ENOMEM;
	}
	ctx->refills = READ_ONCE(mc->refills) - before;
	ctx->held = objstack_count(&c->stack[make_spc(cls, false)], make_spc(cls, false));
	ctx->batch = objstack_batch(make_spc(cls, false));
	return 0;
}

/* Allocations refill the CPU's stack a batch at a time, not one by one. */
static void refill_takes_a_batch(struct kunit *test)
{
	struct refill_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	goalloc_flush();
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, refill_on_cpu, ctx), 0L);
	KUNIT_EXPECT_EQ(test, ctx->batch, 32U);
	KUNIT_EXPECT_EQ(test, ctx->refills, DIV_ROUND_UP(200UL, ctx->batch));
	/* what the last batch left over waits in the stack */
	KUNIT_EXPECT_EQ(test, ctx->held, ctx->refills * ctx->batch - 200);
	for (i = 0; i < ARRAY_SIZE(ctx->objs); i++)
		goalloc_free(ctx->objs[i]);
}

/* After a flush no CPU holds an object or a tiny block. */
static void flush_empties_every_cpu_cache(struct kunit *test)
{
	void *p = goalloc_alloc(100, GFP_KERNEL), *t = goalloc_alloc_noscan(3, GFP_KERNEL);
	unsigned int cpu, spc;
	int node;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, t);
	goalloc_flush();
	for_each_online_cpu(cpu) {
		struct mcache *c = mcache_of(cpu);

		for (spc = 0; spc < NUM_SPAN_CLASSES; spc++) {
			KUNIT_EXPECT_EQ(test, objstack_count(&c->stack[spc], spc), 0U);
			/* and gave its entries back */
			KUNIT_EXPECT_FALSE(test, objstack_has_entries(&c->stack[spc]));
		}
		KUNIT_EXPECT_EQ(test, c->tiny, 0UL);
		KUNIT_EXPECT_PTR_EQ(test, c->tinyspan, NULL);
	}
	for_each_node(node) {
		for (spc = 0; spc < NUM_CENTRALS; spc++) {
			KUNIT_EXPECT_EQ(test, mcentral_of(node, spc)->ntransfer, 0U);
			KUNIT_EXPECT_PTR_EQ(test, mcentral_of(node, spc)->transfer, NULL);
		}
	}
	/* the live objects survived the flush */
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), 112UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t), 3UL);
	goalloc_free(p);
	goalloc_free(t);
}

struct busy_ctx {
	unsigned int held[2], tiny_next[2];
	unsigned long tiny[2];
	size_t usable[3];
	u64 live[2];
	int bulk;
	bool popped;
};

static long busy_on_cpu(void *arg)
{
	struct busy_ctx *ctx = arg;
	unsigned int spc = make_spc(size_to_class(OBJ_SIZE), false), i;
	void *p, *t, *b[8], *keep_tiny;
	struct goalloc_stats st;
	struct mcache *c;

	p = goalloc_alloc(OBJ_SIZE, GFP_KERNEL);	/* something in the stack */
	keep_tiny = goalloc_alloc_noscan(3, GFP_KERNEL);	/* and a tiny block */
	if (!p || !keep_tiny)
		return -ENOMEM;
	goalloc_free(p);
	preempt_disable();
	c = mcache_of(smp_processor_id());
	ctx->held[0] = objstack_count(&c->stack[spc], spc);
	ctx->tiny_next[0] = c->tinynext;
	ctx->tiny[0] = c->tiny;
	goalloc_get_stats(&st);
	ctx->live[0] = st.heap_objects;
	WRITE_ONCE(c->busy, true);	/* as an interrupt in a fast path finds it */
	p = goalloc_alloc(OBJ_SIZE, GFP_ATOMIC);
	ctx->popped = ctx->held[0] && (unsigned long)p == c->stack[spc].top[-1].addr;
	t = goalloc_alloc_noscan(3, GFP_ATOMIC);
	ctx->bulk = goalloc_alloc_bulk(OBJ_SIZE, GFP_ATOMIC, ARRAY_SIZE(b), b);
	ctx->usable[0] = goalloc_usable_size(p);
	ctx->usable[1] = goalloc_usable_size(t);
	ctx->usable[2] = ctx->bulk ? goalloc_usable_size(b[ARRAY_SIZE(b) - 1]) : 0;
	goalloc_free(p);
	goalloc_free(t);
	if (ctx->bulk)
		goalloc_free_bulk(ARRAY_SIZE(b), b);
	goalloc_get_stats(&st);
	ctx->live[1] = st.heap_objects;
	ctx->held[1] = objstack_count(&c->stack[spc], spc);
	ctx->tiny_next[1] = c->tinynext;
	ctx->tiny[1] = c->tiny;
	WRITE_ONCE(c->busy, false);
	preempt_enable();
	goalloc_free(keep_tiny);
	for (i = 0; i < 2; i++)		/* the stack still works */
		goalloc_free(goalloc_alloc(OBJ_SIZE, GFP_KERNEL));
	return 0;
}

/*
 * An interrupt that comes in the middle of a fast path finds the CPU's
 * mcache busy: what it allocates and frees, small, tiny and in bulk, goes
 * through mcentral, and the CPU's stacks and tiny block stay as they were.
 */
static void busy_cpu_cache_is_left_alone(struct kunit *test)
{
	struct busy_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, busy_on_cpu, ctx), 0L);
	KUNIT_EXPECT_EQ(test, ctx->usable[0], (size_t)OBJ_SIZE);
	KUNIT_EXPECT_FALSE(test, ctx->popped);	/* not the stack's top object */
	KUNIT_EXPECT_EQ(test, ctx->usable[1], (size_t)8);	/* the 8-byte class, not a block */
	KUNIT_EXPECT_EQ(test, ctx->bulk, 8);
	KUNIT_EXPECT_EQ(test, ctx->usable[2], (size_t)OBJ_SIZE);
	KUNIT_EXPECT_EQ(test, ctx->held[1], ctx->held[0]);
	KUNIT_EXPECT_EQ(test, ctx->tiny_next[1], ctx->tiny_next[0]);
	KUNIT_EXPECT_EQ(test, ctx->tiny[1], ctx->tiny[0]);
	KUNIT_EXPECT_EQ(test, ctx->live[1], ctx->live[0]);	/* every count kept */
}

static long batch_on_cpu(void *arg)
{
	struct refill_ctx *ctx = arg;
	unsigned int spc = make_spc(size_to_class(OBJ_SIZE), false), i;
	struct objstack *st = &mcache_of(smp_processor_id())->stack[spc];

	ctx->batch = objstack_batch(spc);
	for (i = 0; i < ctx->batch; i++) {
		ctx->objs[i] = goalloc_alloc(OBJ_SIZE, GFP_KERNEL);
		if (!ctx->objs[i])
			return -ENOMEM;
	}
	/* the first refill's batch, all handed out: an array and no object */
	ctx->held = objstack_has_entries(st) ? objstack_count(st, spc) : UINT_MAX;
	return 0;
}

/*
 * A CPU that stays idle gives its stacks' arrays back to the background
 * scavenger, also when they hold no object.
 */
static void idle_cpu_gives_its_arrays_back(struct kunit *test)
{
	struct refill_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	unsigned int spc = make_spc(size_to_class(OBJ_SIZE), false), i, pass;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	goalloc_flush();
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, batch_on_cpu, ctx), 0L);
	KUNIT_EXPECT_EQ(test, ctx->held, 0U);
	/* the first pass sees CPU 0 busy, the next ones idle */
	for (pass = 0; pass < 4; pass++)
		malloc_scavenge();
	KUNIT_EXPECT_FALSE(test, objstack_has_entries(&mcache_of(0)->stack[spc]));
	for (i = 0; i < ctx->batch; i++)
		goalloc_free(ctx->objs[i]);
}

#ifdef CONFIG_FAULT_INJECTION
/* Make the arrays of CPU stacks and transfer caches fail to allocate, or stop. */
static void inject_cache_failures(bool on)
{
	mcentral_fail_cache.verbose = 0;	/* no stack dumps: they read as splats */
	mcentral_fail_cache.probability = on ? 100 : 0;
	mcentral_fail_cache.interval = 1;
	atomic_set(&mcentral_fail_cache.times, on ? -1 : 0);
}

struct nocache_ctx {
	void *objs[300];		/* more than a stack holds */
	unsigned int bad, cached;
	bool entries, transfer;
};

/* Objects of the class waiting in CPU stacks and transfer caches. */
static unsigned int class_cached(unsigned int cls)
{
	struct goalloc_class_stats cs;

	return goalloc_get_class_stats(cls, &cs) ? UINT_MAX : cs.cached;
}

static long nocache_on_cpu(void *arg)
{
	struct nocache_ctx *ctx = arg;
	unsigned int cls = size_to_class(OBJ_SIZE), spc = make_spc(cls, false), i, j;
	void *b[8];

	for (i = 0; i < ARRAY_SIZE(ctx->objs); i++) {
		ctx->objs[i] = goalloc_alloc(OBJ_SIZE, GFP_KERNEL);
		if (!ctx->objs[i])
			return -ENOMEM;
		memset(ctx->objs[i], i, OBJ_SIZE);
	}
	for (i = 0; i < ARRAY_SIZE(ctx->objs); i++) {
		for (j = 0; j < OBJ_SIZE; j++)
			ctx->bad += ((u8 *)ctx->objs[i])[j] != (u8)i;
		goalloc_free(ctx->objs[i]);
	}
	if (goalloc_alloc_bulk(OBJ_SIZE, GFP_KERNEL, ARRAY_SIZE(b), b) != ARRAY_SIZE(b))
		return -ENOMEM;
	goalloc_free_bulk(ARRAY_SIZE(b), b);
	ctx->cached = class_cached(cls);
	ctx->entries = objstack_has_entries(&mcache_of(smp_processor_id())->stack[spc]);
	ctx->transfer = mcentral_of(numa_mem_id(), spc)->transfer;
	return 0;
}

static long pair_on_cpu(void *arg)
{
	struct nocache_ctx *ctx = arg;

	goalloc_free(goalloc_alloc(OBJ_SIZE, GFP_KERNEL));
	ctx->cached = class_cached(size_to_class(OBJ_SIZE));
	return 0;
}

/*
 * CPU stacks and transfer caches whose arrays cannot be had (they are
 * allocated without sleeping, where objects come and go): objects come
 * from their spans and go back one at a time, and none is lost or kept.
 */
static void caches_without_arrays_pass_objects_through(struct kunit *test)
{
	struct nocache_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	u64 live = stat_now(heap_objects), invalid = stat_now(invalid_frees);
	long ret;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	goalloc_flush();
	inject_cache_failures(true);
	ret = run_on_cpu(0, nocache_on_cpu, ctx);
	inject_cache_failures(false);
	KUNIT_ASSERT_EQ(test, ret, 0L);
	KUNIT_EXPECT_EQ(test, ctx->bad, 0U);
	KUNIT_EXPECT_EQ(test, ctx->cached, 0U);
	KUNIT_EXPECT_FALSE(test, ctx->entries);
	KUNIT_EXPECT_FALSE(test, ctx->transfer);
	KUNIT_EXPECT_EQ(test, stat_now(heap_objects), live);
	KUNIT_EXPECT_EQ(test, stat_now(invalid_frees), invalid);
	/* once arrays can be had, a free waits in the CPU's stack again */
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, pair_on_cpu, ctx), 0L);
	KUNIT_EXPECT_GE(test, ctx->cached, 1U);
}
#endif

static struct kunit_case mcache_cases[] = {
	KUNIT_CASE(refill_takes_a_batch),
	KUNIT_CASE(flush_empties_every_cpu_cache),
	KUNIT_CASE(busy_cpu_cache_is_left_alone),
	KUNIT_CASE(idle_cpu_gives_its_arrays_back),
#ifdef CONFIG_FAULT_INJECTION
	KUNIT_CASE(caches_without_arrays_pass_objects_through),
#endif
	{}
};

static struct kunit_suite mcache_suite = {
	.name = "goalloc-mcache",
	.test_cases = mcache_cases,
};

/* === mcentral === */

struct three {
	void *a, *b, *c;
};

static long alloc_three_4k(void *arg)
{
	struct three *t = arg;

	t->a = goalloc_alloc(4096, GFP_KERNEL);
	t->b = goalloc_alloc(4096, GFP_KERNEL);
	t->c = goalloc_alloc(4096, GFP_KERNEL);
	return t->a && t->b && t->c ? 0 : -ENOMEM;
}

static long free_one(void *p)
{
	goalloc_free(p);
	return 0;
}

/*
 * Spans are full once their objects are handed out; freed objects wait in
 * the CPU's stack and the transfer cache until a flush takes them back to
 * their spans, which then go partial, then empty, then back to the heap.
 */
static void span_moves_full_partial_empty(struct kunit *test)
{
	long inuse_before;
	struct mspan *s;
	struct three t;

	goalloc_flush();
	inuse_before = atomic_long_read(&mheap.inuse_spans);
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, alloc_three_4k, &t), 0L);
	s = span_of(t.c);
	KUNIT_ASSERT_NOT_NULL(test, s);
	/* class 44 has 2 objects per span: a and b fill one span */
	KUNIT_ASSERT_PTR_EQ(test, span_of(t.b), span_of(t.a));
	KUNIT_EXPECT_PTR_NE(test, s, span_of(t.a));
	KUNIT_EXPECT_EQ(test, span_of(t.a)->on_list, (u8)MC_FULL);
	/* c's neighbour went to CPU 0's stack with it: both spans are full */
	KUNIT_EXPECT_EQ(test, s->on_list, (u8)MC_FULL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mheap.inuse_spans), inuse_before + 2);
	run_on_cpu(0, free_one, t.a);
	run_on_cpu(0, free_one, t.b);
	/* a, b and c's neighbour back in their spans: a's span is empty and goes */
	goalloc_flush();
	KUNIT_EXPECT_PTR_EQ(test, span_of(t.a), NULL);
	KUNIT_EXPECT_EQ(test, s->on_list, (u8)MC_PARTIAL);
	KUNIT_EXPECT_EQ(test, s->nfree, 1U);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mheap.inuse_spans), inuse_before + 1);
	goalloc_free(t.c);
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mheap.inuse_spans), inuse_before);
}

static long alloc_one(void *arg)
{
	void **p = arg;

	*p = goalloc_alloc(8192, GFP_KERNEL);
	return *p ? 0 : -ENOMEM;
}

/* Beyond the reserve, empty spans go back to the heap. */
static void empty_spans_beyond_reserve_go_to_heap(struct kunit *test)
{
	void *p[MCENTRAL_EMPTY_RESERVE + 3];
	long inuse_before;
	unsigned int i;

	goalloc_flush();
	inuse_before = atomic_long_read(&mheap.inuse_spans);
	/* class 51: one 8 KiB object per span, so each object is a span */
	for (i = 0; i < ARRAY_SIZE(p); i++)
		KUNIT_ASSERT_EQ(test, run_on_cpu(0, alloc_one, &p[i]), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mheap.inuse_spans),
			inuse_before + (long)ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		goalloc_free(p[i]);
	/* freed objects wait in CPU stacks and the transfer cache: spans stay */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mheap.inuse_spans),
			inuse_before + (long)ARRAY_SIZE(p));
	mcache_flush_all();
	mcentral_release_empty(MCENTRAL_EMPTY_RESERVE);
	KUNIT_EXPECT_EQ(test, mcentral_of(cpu_to_mem(0), make_spc(51, false))->nempty,
			(u32)MCENTRAL_EMPTY_RESERVE);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mheap.inuse_spans),
			inuse_before + MCENTRAL_EMPTY_RESERVE);
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&mheap.inuse_spans), inuse_before);
}

static struct kunit_case mcentral_cases[] = {
	KUNIT_CASE(span_moves_full_partial_empty),
	KUNIT_CASE(empty_spans_beyond_reserve_go_to_heap),
	{}
};

static struct kunit_suite mcentral_suite = {
	.name = "goalloc-mcentral",
	.test_cases = mcentral_cases,
};

kunit_test_suites(&mcache_suite, &mcentral_suite);
