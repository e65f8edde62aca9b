// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: goalloc against kmalloc, side by side in one boot.
 *
 * Loading the module runs every row for both allocators, repeats each
 * measurement (module parameter "reps") and prints the median ns per
 * operation and the ratio goalloc/kmalloc.  Rows:
 *   pair SIZE      alloc + free of one object, repeated
 *   burst SIZE     alloc N objects, then free N
 *   bulk SIZE      goalloc_alloc_bulk/free_bulk vs kmalloc loop + kfree_bulk
 *   prodcons SIZE  CPU A allocates, CPU B frees (remote frees)
 * Both allocators get the same GFP flags, so with init_on_alloc (Debian's
 * default) both zero every object.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <linux/sort.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <goalloc.h>

static unsigned int reps = 7;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions per row (median reported)");

static unsigned int iters = 20000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "operations per repetition");

#define MAX_REPS	31
#define BURST		512

struct allocator {
	const char *name;
	void *(*alloc)(size_t size, gfp_t gfp);
	void (*free)(const void *p);
};

static void *kmalloc_fn(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp);
}

static const struct allocator goalloc_a = { "goalloc", goalloc_alloc, goalloc_free };
static const struct allocator kmalloc_a = { "kmalloc", kmalloc_fn, kfree };

static void *burst_buf[BURST];

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	return v[n / 2];
}

/* ns per alloc+free pair */
static u64 run_pair(const struct allocator *a, size_t size, unsigned int n)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = a->alloc(size, GFP_KERNEL);

		if (unlikely(!p))
			return U64_MAX;
		WRITE_ONCE(*(char *)p, 1);	/* touch it, as a user would */
		a->free(p);
	}
	return (ktime_get_ns() - t0) / n;
}

/* ns per object for N allocations followed by N frees */
static u64 run_burst(const struct allocator *a, size_t size, unsigned int n)
{
	unsigned int rounds = max(1U, n / BURST), r, i;
	u64 t0 = ktime_get_ns();

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < BURST; i++) {
			burst_buf[i] = a->alloc(size, GFP_KERNEL);
			if (unlikely(!burst_buf[i]))
				return U64_MAX;
		}
		for (i = 0; i < BURST; i++)
			a->free(burst_buf[i]);
	}
	return (ktime_get_ns() - t0) / (rounds * BURST);
}

/* ns per object with the bulk calls (kmalloc has no bulk allocation) */
static u64 run_bulk(const struct allocator *a, size_t size, unsigned int n)
{
	unsigned int rounds = max(1U, n / BURST), r, i;
	u64 t0 = ktime_get_ns();

	for (r = 0; r < rounds; r++) {
		if (a == &goalloc_a) {
			if (goalloc_alloc_bulk(size, GFP_KERNEL, BURST, burst_buf) != BURST)
				return U64_MAX;
			goalloc_free_bulk(BURST, burst_buf);
			continue;
		}
		for (i = 0; i < BURST; i++) {
			burst_buf[i] = kmalloc(size, GFP_KERNEL);
			if (unlikely(!burst_buf[i]))
				return U64_MAX;
		}
		kfree_bulk(BURST, burst_buf);
	}
	return (ktime_get_ns() - t0) / (rounds * BURST);
}

/* === producer/consumer on two CPUs: a single-producer ring === */

#define RING	1024

struct pc_ctx {
	const struct allocator *a;
	size_t size;
	unsigned int n;
	void *ring[RING];
	unsigned int head, tail;	/* producer writes head, consumer tail */
	struct completion done;
	atomic_t running;
	bool failed;
};

static int producer(void *arg)
{
	struct pc_ctx *c = arg;
	unsigned int i;

	for (i = 0; i < c->n; i++) {
		void *p = c->a->alloc(c->size, GFP_KERNEL);

		if (!p) {
			c->failed = true;
			p = ZERO_SIZE_PTR;
		}
		/* acquire: the consumer is done with the slot we overwrite */
		while (c->head - smp_load_acquire(&c->tail) >= RING)
			cpu_relax();
		c->ring[c->head % RING] = p;
		/* release: the slot is written before the consumer sees it */
		smp_store_release(&c->head, c->head + 1);
	}
	if (atomic_dec_and_test(&c->running))
		complete(&c->done);
	return 0;
}

static int consumer(void *arg)
{
	struct pc_ctx *c = arg;
	unsigned int i;

	for (i = 0; i < c->n; i++) {
		void *p;

		/* acquire: pairs with the producer's release of head */
		while (smp_load_acquire(&c->head) == c->tail)
			cpu_relax();
		p = c->ring[c->tail % RING];
		/* release: the slot is read before the producer may reuse it */
		smp_store_release(&c->tail, c->tail + 1);
		if (p != ZERO_SIZE_PTR)
			c->a->free(p);
	}
	if (atomic_dec_and_test(&c->running))
		complete(&c->done);
	return 0;
}

static u64 run_prodcons(const struct allocator *a, size_t size, unsigned int n)
{
	struct pc_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	struct task_struct *tp, *tc;
	u64 t0, ns;

	if (!c || num_online_cpus() < 2) {
		kfree(c);
		return U64_MAX;
	}
	c->a = a;
	c->size = size;
	c->n = n;
	init_completion(&c->done);
	atomic_set(&c->running, 2);
	tp = kthread_create(producer, c, "bench-prod");
	tc = kthread_create(consumer, c, "bench-cons");
	if (IS_ERR(tp) || IS_ERR(tc)) {
		/* a created thread has not run: start it so it ends */
		if (!IS_ERR(tp))
			kthread_stop(tp);
		if (!IS_ERR(tc))
			kthread_stop(tc);
		kfree(c);
		return U64_MAX;
	}
	kthread_bind(tp, cpumask_first(cpu_online_mask));
	kthread_bind(tc, cpumask_next(cpumask_first(cpu_online_mask), cpu_online_mask));
	t0 = ktime_get_ns();
	wake_up_process(tp);
	wake_up_process(tc);
	wait_for_completion(&c->done);
	ns = (ktime_get_ns() - t0) / n;
	if (c->failed)
		ns = U64_MAX;
	kfree(c);
	return ns;
}

static u64 run_lookup(const struct allocator *a, size_t size, unsigned int n)
{
	void *p = a->alloc(size, GFP_KERNEL);
	u64 t0 = ktime_get_ns(), sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		sum += a == &goalloc_a ? goalloc_usable_size(p) : ksize(p);
	t0 = (ktime_get_ns() - t0) / n;
	a->free(p);
	return sum ? t0 : 0;
}

static u64 run_alloc_only(const struct allocator *a, size_t size, unsigned int n)
{
	unsigned int rounds = max(1U, n / BURST), r, i;
	u64 t = 0, t0;

	for (r = 0; r < rounds; r++) {
		t0 = ktime_get_ns();
		for (i = 0; i < BURST; i++)
			burst_buf[i] = a->alloc(size, GFP_KERNEL);
		t += ktime_get_ns() - t0;
		for (i = 0; i < BURST; i++)
			a->free(burst_buf[i]);
	}
	return t / (rounds * BURST);
}

struct row {
	const char *kind;
	size_t size;
	u64 (*run)(const struct allocator *a, size_t size, unsigned int n);
	unsigned int div;	/* fewer iterations for slow rows */
};

static const struct row rows[] = {
	{ "lookup", 64, run_lookup, 1 },
	{ "alloconly", 64, run_alloc_only, 1 },
	{ "pair", 8, run_pair, 1 },
	{ "pair", 16, run_pair, 1 },
	{ "pair", 32, run_pair, 1 },
	{ "pair", 64, run_pair, 1 },
	{ "pair", 128, run_pair, 1 },
	{ "pair", 256, run_pair, 1 },
	{ "pair", 512, run_pair, 1 },
	{ "pair", 1024, run_pair, 1 },
	{ "pair", 2048, run_pair, 1 },
	{ "pair", 4096, run_pair, 1 },
	{ "pair", 8192, run_pair, 2 },
	{ "pair", 16384, run_pair, 4 },
	{ "pair", 32768, run_pair, 8 },
	{ "pair", 65536, run_pair, 16 },
	{ "pair", 262144, run_pair, 64 },
	{ "burst", 64, run_burst, 1 },
	{ "burst", 1024, run_burst, 1 },
	{ "bulk", 64, run_bulk, 1 },
	{ "bulk", 1024, run_bulk, 1 },
	{ "prodcons", 64, run_prodcons, 1 },
	{ "prodcons", 1024, run_prodcons, 1 },
};

static int __init goalloc_bench_init(void)
{
	u64 g[MAX_REPS], k[MAX_REPS], gm, km;
	unsigned int r, i, n = min_t(unsigned int, reps, MAX_REPS);

	pr_info("goalloc-bench: %u reps x %u ops, init_on_alloc=%d, %u CPUs\n", n, iters,
		want_init_on_alloc(GFP_KERNEL), num_online_cpus());
	pr_info("goalloc-bench: %-10s %8s %14s %14s %8s\n", "row", "size", "goalloc ns/op",
		"kmalloc ns/op", "ratio");
	for (r = 0; r < ARRAY_SIZE(rows); r++) {
		unsigned int ops = max(64U, iters / rows[r].div);

		/* alternate the allocators so drift hits both alike */
		for (i = 0; i < n; i++) {
			g[i] = rows[r].run(&goalloc_a, rows[r].size, ops);
			k[i] = rows[r].run(&kmalloc_a, rows[r].size, ops);
			cond_resched();
		}
		gm = median(g, n);
		km = median(k, n);
		if (gm == U64_MAX || km == U64_MAX) {
			pr_info("goalloc-bench: %-10s %8zu   failed\n", rows[r].kind, rows[r].size);
			continue;
		}
		pr_info("goalloc-bench: %-10s %8zu %14llu %14llu %5llu.%02llu\n", rows[r].kind,
			rows[r].size, gm, km, gm / max(km, 1ULL),
			(gm * 100 / max(km, 1ULL)) % 100);
	}
	goalloc_flush();
	return 0;
}

module_init(goalloc_bench_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goalloc vs kmalloc benchmark");
