// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-numa: objects of goalloc_alloc_node() lie on their node, CPUs
 * cache only objects of their own node, and frees go back to the node.
 * With one node the same cases run and check the same things of it; make
 * check runs them with two and four nodes (numa=fake, QEMU's -numa).
 */
#include "goalloc_test.h"

static const size_t node_sizes[] = { 8, 64, 192, 1024, 4096, 16384, 32768, 40000, 262144 };
#define PER_SIZE	48

struct node_ctx {
	void *p[ARRAY_SIZE(node_sizes)][PER_SIZE];
	int node;
	unsigned int misplaced, bad_bytes;
};

/*
 * This CPU's stacks' objects that lie on another node, counted with
 * interrupts off: no flush frees the entries meanwhile (run_on_cpu()).
 */
static long foreign_here(void *unused)
{
	unsigned int cpu, spc, i;
	unsigned long flags;
	struct mcache *c;
	struct mspan *s;
	long bad = 0;

	local_irq_save(flags);
	cpu = smp_processor_id();
	c = mcache_of(cpu);
	for (spc = 0; spc < NUM_SPAN_CLASSES; spc++) {
		unsigned int n = objstack_count(&c->stack[spc], spc);
		struct objref *base;

		if (!n)
			continue;
		base = objstack_base(&c->stack[spc], spc);
		for (i = 0; i < n; i++) {
			s = objref_span(base[i]);
			bad += s && s->node != cpu_to_mem(cpu);
		}
	}
	local_irq_restore(flags);
	return bad;
}

/* Each CPU's stacks hold objects of its own node only: how many do not. */
static unsigned int foreign_cached(void)
{
	unsigned int cpu, bad = 0;

	for_each_online_cpu(cpu)
		bad += run_on_cpu(cpu, foreign_here, NULL);
	return bad;
}

static unsigned int per_size(size_t size)
{
	return size > MAX_SMALL_SIZE ? 4 : PER_SIZE;
}

static long alloc_on_node(void *arg)
{
	struct node_ctx *ctx = arg;
	unsigned int k, i;

	for (k = 0; k < ARRAY_SIZE(node_sizes); k++) {
		for (i = 0; i < per_size(node_sizes[k]); i++) {
			void *p = goalloc_alloc_node(node_sizes[k], GFP_KERNEL, ctx->node);

			if (!p)
				return -ENOMEM;
			ctx->p[k][i] = p;
			ctx->misplaced += platform_page_node((unsigned long)p) != ctx->node;
			fill_pattern(p, node_sizes[k], k + i);
		}
	}
	return 0;
}

static long free_all(void *arg)
{
	struct node_ctx *ctx = arg;
	unsigned int k, i;

	for (k = 0; k < ARRAY_SIZE(node_sizes); k++) {
		for (i = 0; i < per_size(node_sizes[k]); i++) {
			ctx->bad_bytes += check_pattern(ctx->p[k][i], node_sizes[k], k + i);
			goalloc_free(ctx->p[k][i]);
		}
	}
	return 0;
}

/* The online CPU after @cpu, round. */
static unsigned int next_cpu(unsigned int cpu)
{
	cpu = cpumask_next(cpu, cpu_online_mask);
	return cpu < nr_cpu_ids ? cpu : cpumask_first(cpu_online_mask);
}

/*
 * From every online CPU, objects of every size asked of every node with
 * memory lie on that node, keep their contents, and are freed from the
 * next CPU: none is lost, and no CPU caches an object of another node.
 */
static void node_objects_lie_on_their_node(struct kunit *test)
{
	struct node_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	unsigned long live = stat_now(heap_objects), remote = cpu_stat_sum(GS_NODE_FREE);
	unsigned int cpu, nodes = 0;
	int node;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	for_each_online_cpu(cpu) {
		for_each_node_state(node, N_MEMORY) {
			ctx->node = node;
			KUNIT_ASSERT_EQ(test, run_on_cpu(cpu, alloc_on_node, ctx), 0L);
			KUNIT_EXPECT_EQ_MSG(test, ctx->misplaced, 0U, "CPU %u, node %d", cpu, node);
			KUNIT_EXPECT_EQ(test, foreign_cached(), 0U);
			run_on_cpu(next_cpu(cpu), free_all, ctx);
			KUNIT_EXPECT_EQ(test, ctx->bad_bytes, 0U);
			KUNIT_EXPECT_EQ(test, foreign_cached(), 0U);
			KUNIT_EXPECT_EQ(test, stat_now(heap_objects), (u64)live);
			if (cpu_to_mem(next_cpu(cpu)) != node)
				remote++;	/* at least one small object went home */
			nodes++;
		}
	}
	KUNIT_EXPECT_GE(test, cpu_stat_sum(GS_NODE_FREE), remote);
	kunit_info(test, "%u nodes with memory, %u online CPUs, %lu frees to another node\n",
		   num_node_state(N_MEMORY), num_online_cpus(), cpu_stat_sum(GS_NODE_FREE));
	KUNIT_EXPECT_GT(test, nodes, 0U);
}

/*
 * A node that does not exist is a bad call: one warning, and the object
 * comes from this CPU's node, as NUMA_NO_NODE would.
 */
static void bad_node_warns_and_serves(struct kunit *test)
{
	int bad[] = { -5, nr_node_ids, nr_node_ids + 100, INT_MAX };
	unsigned int i;
	void *p;

	expect_reports_begin();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = goalloc_alloc_node(100, GFP_KERNEL, bad[i]);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), 112UL);
		goalloc_free(p);
	}
	expect_reports_end();
}

/* Every node's heap and mcentrals add up to the whole. */
static void node_figures_add_up(struct kunit *test)
{
	unsigned long sys, free, chunks, all_sys = 0, all_free = 0, all_chunks = 0;
	void *p = goalloc_alloc(1000, GFP_KERNEL);
	struct goalloc_stats st;
	int node;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for_each_node(node) {
		mheap_node_pages(node, &sys, &free, &chunks);
		KUNIT_EXPECT_LE(test, free, sys);
		all_sys += sys;
		all_free += free;
		all_chunks += chunks;
	}
	goalloc_get_stats(&st);
	KUNIT_EXPECT_EQ(test, (u64)all_sys * GO_PAGE_SIZE, st.heap_sys);
	KUNIT_EXPECT_EQ(test, (u64)all_free * GO_PAGE_SIZE, st.heap_idle);
	KUNIT_EXPECT_EQ(test, (u64)all_chunks, st.chunks);
	goalloc_free(p);
}

#ifdef GL_MAX_NODES	/* user space, where a node can be made full */
#define FULL_NODE_OBJS	200	/* of 64 bytes: 128 a span */

/* @n objects of @size bytes into @p, pointer-free if @noscan, on a CPU */
struct cpu_allocs {
	void **p;
	unsigned int n;
	size_t size;
	bool noscan;
};

static long allocs_on_cpu(void *arg)
{
	struct cpu_allocs *a = arg;
	unsigned int i;

	for (i = 0; i < a->n; i++) {
		a->p[i] = a->noscan ? goalloc_alloc_noscan(a->size, GFP_KERNEL) :
				      goalloc_alloc(a->size, GFP_KERNEL);
		if (!a->p[i])
			return -ENOMEM;
	}
	return 0;
}

/*
 * A CPU whose node is full gets objects of another node, caches none of
 * them, and takes them from that node's spans: not a new span per object.
 */
static void full_node_borrows_spans(struct kunit *test)
{
	void **p = kunit_kcalloc(test, FULL_NODE_OBJS, sizeof(*p), GFP_KERNEL);
	struct cpu_allocs a = { p, FULL_NODE_OBJS, 64, false };
	int node = cpu_to_mem(0);
	unsigned int i, elsewhere = 0;
	long spans;

	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_flush();
	spans = atomic_long_read(&mheap.inuse_spans);
	gl_node_full[node] = true;
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, allocs_on_cpu, &a), 0L);
	gl_node_full[node] = false;
	spans = atomic_long_read(&mheap.inuse_spans) - spans;
	for (i = 0; i < FULL_NODE_OBJS; i++)
		elsewhere += platform_page_node((unsigned long)p[i]) != node;
	KUNIT_EXPECT_EQ(test, foreign_cached(), 0U);
	if (gl_nr_nodes > 1) {
		KUNIT_EXPECT_EQ(test, elsewhere, FULL_NODE_OBJS);
		KUNIT_EXPECT_LE(test, spans, (long)DIV_ROUND_UP(FULL_NODE_OBJS, 128));
	}
	kunit_info(test, "%u of %u objects on other nodes, %ld spans\n", elsewhere,
		   FULL_NODE_OBJS, spans);
	for (i = 0; i < FULL_NODE_OBJS; i++)
		goalloc_free(p[i]);
}

/* 8-byte tiny objects, two a block: a tiny span's worth and one more */
#define TINY_SPAN_OBJS	(2 * (GO_PAGE_SIZE / TINY_SIZE) + 1)

/*
 * A CPU whose node is full, once through the tiny span it had to grow,
 * takes another node's partial tiny span before it grows another.
 */
static void full_node_borrows_tiny_spans(struct kunit *test)
{
	void **mine = kunit_kcalloc(test, TINY_SPAN_OBJS, sizeof(void *), GFP_KERNEL);
	void **theirs = kunit_kcalloc(test, TINY_SPAN_OBJS, sizeof(void *), GFP_KERNEL);
	struct cpu_allocs a = { mine, TINY_SPAN_OBJS, 8, true };
	struct cpu_allocs b = { theirs, TINY_SPAN_OBJS, 8, true };
	unsigned int cpu, i, other = 0;
	int node = cpu_to_mem(0);
	long spans;

	KUNIT_ASSERT_NOT_NULL(test, mine);
	KUNIT_ASSERT_NOT_NULL(test, theirs);
	for_each_online_cpu(cpu)
		if (!other && cpu_to_mem(cpu) != node)
			other = cpu;
	goalloc_flush();
	if (other) {
		/* a span of the other node, given back full, then half freed: partial */
		KUNIT_ASSERT_EQ(test, run_on_cpu(other, allocs_on_cpu, &b), 0L);
		for (i = 0; i < TINY_SPAN_OBJS / 2; i++)
			goalloc_free(theirs[i]);
	}
	spans = atomic_long_read(&mheap.inuse_spans);
	gl_node_full[node] = true;
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, allocs_on_cpu, &a), 0L);
	gl_node_full[node] = false;
	spans = atomic_long_read(&mheap.inuse_spans) - spans;
	if (other)	/* the one grown when the node was found full */
		KUNIT_EXPECT_EQ(test, spans, 1L);
	kunit_info(test, "%ld tiny spans grown for %u objects\n", spans,
		   (unsigned int)TINY_SPAN_OBJS);
	for (i = 0; i < TINY_SPAN_OBJS; i++) {
		goalloc_free(mine[i]);
		if (other && i >= TINY_SPAN_OBJS / 2)
			goalloc_free(theirs[i]);
	}
	goalloc_flush();
}
#endif

static struct kunit_case numa_cases[] = {
	KUNIT_CASE(node_objects_lie_on_their_node),
	KUNIT_CASE(bad_node_warns_and_serves),
	KUNIT_CASE(node_figures_add_up),
#ifdef GL_MAX_NODES
	KUNIT_CASE(full_node_borrows_spans),
	KUNIT_CASE(full_node_borrows_tiny_spans),
#endif
	{}
};

static struct kunit_suite numa_suite = {
	.name = "goalloc-numa",
	.test_cases = numa_cases,
};

kunit_test_suites(&numa_suite);
