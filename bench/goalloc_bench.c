// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: goalloc against kmalloc and kmem_cache, side by side in
 * one boot.
 *
 * Loading the module runs every row for each allocator, repeats each
 * measurement (module parameter "reps") and prints the median ns per
 * operation and the ratios goalloc/kmalloc and goalloc/kmem_cache (a cache
 * of the row's size, where the row has one size).  Rows:
 *   pair SIZE        alloc + free of one object, repeated
 *   burst SIZE       alloc N objects, then free N
 *   bulk SIZE        goalloc_alloc_bulk/free_bulk vs a kmalloc loop +
 *                    kfree_bulk and kmem_cache_alloc_bulk/free_bulk
 *   prodcons SIZE    CPU A allocates, CPU B frees (remote frees)
 *   replay TRACE     a recorded trace with random lifetimes (ns per
 *                    allocation, its free included): kernel-mix, and
 *                    kernel-6.12 and kernel-6.12-steady, captured from
 *                    this kernel's own kmem:kmalloc/kmem:kfree events
 *                    (scripts/capture-trace.sh): its boot and a workload
 *                    that builds up, and a workload alone whose objects
 *                    come and go
 *   memory TRACE     not a time: the KiB each allocator holds from the page
 *                    allocator at the trace's peak of live bytes, from an
 *                    emptied start, and their ratio to those live bytes;
 *                    kmem_cache is a new cache of its own for each of
 *                    kmalloc's sizes (bucket_sizes[]), which starts with
 *                    no slab, where kmalloc's caches start with the free
 *                    objects of the kernel's other users' slabs
 * Every allocator is called directly (the loops are specialised per
 * allocator: no function pointer between the loop and the call), with the
 * same GFP flags, so with init_on_alloc (Debian's default) all of them zero
 * every object.
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

enum which { GOALLOC, KMALLOC, KCACHE, NR_WHICH };

static const char *const which_name[NR_WHICH] = { "goalloc", "kmalloc", "kmem_cache" };

/* Direct calls: @w is a constant in every specialised loop. */
static __always_inline void *b_alloc(enum which w, struct kmem_cache *kc, size_t size,
				     bool noscan)
{
	switch (w) {
	case GOALLOC:
		return noscan ? goalloc_alloc_noscan(size, GFP_KERNEL) : goalloc_alloc(size, GFP_KERNEL);
	case KMALLOC:
		return kmalloc(size, GFP_KERNEL);
	default:
		return kmem_cache_alloc(kc, GFP_KERNEL);
	}
}

static __always_inline void b_free(enum which w, struct kmem_cache *kc, void *p)
{
	switch (w) {
	case GOALLOC:
		goalloc_free(p);
		break;
	case KMALLOC:
		kfree(p);
		break;
	default:
		kmem_cache_free(kc, p);
	}
}

/* fn(w, ...) with @w a constant in each call: one specialised copy each */
#define BY_WHICH(w, fn, ...)							\
	((w) == GOALLOC ? fn(GOALLOC, __VA_ARGS__) :				\
	 (w) == KMALLOC ? fn(KMALLOC, __VA_ARGS__) : fn(KCACHE, __VA_ARGS__))

/* A row's loop NAME, specialised for each allocator from __NAME(w, ...). */
#define SPECIALISE(name)								\
static noinline u64 name(enum which w, struct kmem_cache *kc, size_t size, unsigned int n) \
{											\
	return BY_WHICH(w, __##name, kc, size, n);					\
}

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
static __always_inline u64 __run_pair(enum which w, struct kmem_cache *kc, size_t size,
				      unsigned int n)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = b_alloc(w, kc, size, false);

		if (unlikely(!p))
			return U64_MAX;
		WRITE_ONCE(*(char *)p, 1);	/* touch it, as a user would */
		b_free(w, kc, p);
	}
	return (ktime_get_ns() - t0) / n;
}
SPECIALISE(run_pair)

/* ns per object for N allocations followed by N frees */
static __always_inline u64 __run_burst(enum which w, struct kmem_cache *kc, size_t size,
				       unsigned int n)
{
	unsigned int rounds = max(1U, n / BURST), r, i;
	u64 t0 = ktime_get_ns();

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < BURST; i++) {
			burst_buf[i] = b_alloc(w, kc, size, false);
			if (unlikely(!burst_buf[i]))
				return U64_MAX;
		}
		for (i = 0; i < BURST; i++)
			b_free(w, kc, burst_buf[i]);
	}
	return (ktime_get_ns() - t0) / (rounds * BURST);
}
SPECIALISE(run_burst)

/* ns per object with the bulk calls (kmalloc has no bulk allocation) */
static __always_inline u64 __run_bulk(enum which w, struct kmem_cache *kc, size_t size,
				      unsigned int n)
{
	unsigned int rounds = max(1U, n / BURST), r, i;
	u64 t0 = ktime_get_ns();

	for (r = 0; r < rounds; r++) {
		switch (w) {
		case GOALLOC:
			if (goalloc_alloc_bulk(size, GFP_KERNEL, BURST, burst_buf) != BURST)
				return U64_MAX;
			goalloc_free_bulk(BURST, burst_buf);
			break;
		case KMALLOC:
			for (i = 0; i < BURST; i++) {
				burst_buf[i] = kmalloc(size, GFP_KERNEL);
				if (unlikely(!burst_buf[i]))
					return U64_MAX;
			}
			kfree_bulk(BURST, burst_buf);
			break;
		default:
			if (kmem_cache_alloc_bulk(kc, GFP_KERNEL, BURST, burst_buf) != BURST)
				return U64_MAX;
			kmem_cache_free_bulk(kc, BURST, burst_buf);
		}
	}
	return (ktime_get_ns() - t0) / (rounds * BURST);
}
SPECIALISE(run_bulk)

/* === producer/consumer on two CPUs: a single-producer ring === */

#define RING	1024

struct pc_ctx {
	enum which w;
	struct kmem_cache *kc;
	size_t size;
	unsigned int n;
	void *ring[RING];
	unsigned int head, tail;	/* producer writes head, consumer tail */
	struct completion done;
	atomic_t running;
	bool failed;
};

static __always_inline void __producer(enum which w, struct pc_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++) {
		void *p = b_alloc(w, c->kc, c->size, false);

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
}

static __always_inline void __consumer(enum which w, struct pc_ctx *c)
{
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
			b_free(w, c->kc, p);
	}
}

static int producer(void *arg)
{
	struct pc_ctx *c = arg;

	BY_WHICH(c->w, __producer, c);
	if (atomic_dec_and_test(&c->running))
		complete(&c->done);
	return 0;
}

static int consumer(void *arg)
{
	struct pc_ctx *c = arg;

	BY_WHICH(c->w, __consumer, c);
	if (atomic_dec_and_test(&c->running))
		complete(&c->done);
	return 0;
}

static u64 run_prodcons(enum which w, struct kmem_cache *kc, size_t size, unsigned int n)
{
	struct pc_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	struct task_struct *tp, *tc;
	u64 t0, ns;

	if (!c || num_online_cpus() < 2) {
		kfree(c);
		return U64_MAX;
	}
	c->w = w;
	c->kc = kc;
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

static u64 run_lookup(enum which w, struct kmem_cache *kc, size_t size, unsigned int n)
{
	void *p = w == GOALLOC ? goalloc_alloc(size, GFP_KERNEL) : kmalloc(size, GFP_KERNEL);
	u64 t0 = ktime_get_ns(), sum = 0;
	unsigned int i;

	if (!p)
		return U64_MAX;
	for (i = 0; i < n; i++)
		sum += w == GOALLOC ? goalloc_usable_size(p) : ksize(p);
	t0 = (ktime_get_ns() - t0) / n;
	if (w == GOALLOC)
		goalloc_free(p);
	else
		kfree(p);
	return sum ? t0 : 0;
}

static __always_inline u64 __run_alloc_only(enum which w, struct kmem_cache *kc, size_t size,
					    unsigned int n)
{
	unsigned int rounds = max(1U, n / BURST), r, i;
	u64 t = 0, t0;

	for (r = 0; r < rounds; r++) {
		t0 = ktime_get_ns();
		for (i = 0; i < BURST; i++)
			burst_buf[i] = b_alloc(w, kc, size, false);
		t += ktime_get_ns() - t0;
		for (i = 0; i < BURST; i++)
			b_free(w, kc, burst_buf[i]);
	}
	return t / (rounds * BURST);
}
SPECIALISE(run_alloc_only)

/* === Replays of recorded traces (bench/trace_*.h, made from tools/traces/) === */

struct trace_op {
	u32 id;
	u32 size;		/* 0: free; TRACE_NOSCAN: pointer-free */
};

#define TRACE_NOSCAN	(1U << 31)

static const struct trace_op trace_kernel_mix[] = {
#include "trace_kernel_mix.h"
};

static const struct trace_op trace_kernel_612[] = {
#include "trace_kernel_612.h"
};

static const struct trace_op trace_kernel_612_steady[] = {
#include "trace_kernel_612_steady.h"
};

static const struct {
	const char *name;
	const struct trace_op *ops;
	unsigned int nops;
} traces[] = {
	{ "kernel-mix", trace_kernel_mix, ARRAY_SIZE(trace_kernel_mix) },
	{ "kernel-6.12", trace_kernel_612, ARRAY_SIZE(trace_kernel_612) },
	{ "kernel-6.12-steady", trace_kernel_612_steady, ARRAY_SIZE(trace_kernel_612_steady) },
};

static void **trace_ptr;	/* by id: the live object, or NULL */
static unsigned int trace_ids;

/*
 * ns per allocation (its free included) replaying trace @size (an index in
 * traces[]); what the trace leaves live is freed at the end, in the time.
 */
static __always_inline u64 __run_replay(enum which w, struct kmem_cache *kc, size_t size,
					unsigned int n)
{
	const struct trace_op *o = traces[size].ops, *end = o + traces[size].nops;
	unsigned int nallocs = 0, i;
	u64 t0 = ktime_get_ns();

	for (; o < end; o++) {
		if (o->size) {
			u32 bytes = o->size & ~TRACE_NOSCAN;
			void *p = b_alloc(w, kc, bytes, o->size & TRACE_NOSCAN);

			if (unlikely(!p))
				return U64_MAX;
			WRITE_ONCE(*(char *)p, 1);
			trace_ptr[o->id] = p;
			nallocs++;
		} else if (trace_ptr[o->id]) {
			b_free(w, kc, trace_ptr[o->id]);
			trace_ptr[o->id] = NULL;
		}
	}
	for (i = 0; i < trace_ids; i++) {
		if (trace_ptr[i]) {
			b_free(w, kc, trace_ptr[i]);
			trace_ptr[i] = NULL;
		}
	}
	return (ktime_get_ns() - t0) / max(nallocs, 1U);
}
SPECIALISE(run_replay)

static int trace_init(void)
{
	unsigned int t, i;

	for (t = 0; t < ARRAY_SIZE(traces); t++)
		for (i = 0; i < traces[t].nops; i++)
			trace_ids = max(trace_ids, traces[t].ops[i].id + 1);
	trace_ptr = kvcalloc(trace_ids, sizeof(*trace_ptr), GFP_KERNEL);
	return trace_ptr ? 0 : -ENOMEM;
}

/* === Memory at each trace's peak of live bytes === */

/*
 * The memory rows' kmem_cache column: kmalloc's sizes up to
 * KMALLOC_MAX_CACHE_SIZE on x86-64, each a new cache that merges with no
 * other (kmalloc's would), so that it starts with no slab as goalloc's
 * heap starts with no chunk.  Larger objects go to kmalloc, that is to the
 * page allocator, in both columns.  6.1 has no SLAB_NO_MERGE, but never
 * merges a cache with SLAB_NOLEAKTRACE (kmemleak leaves its objects out).
 */
#ifndef SLAB_NO_MERGE
#define SLAB_NO_MERGE	SLAB_NOLEAKTRACE
#endif
static const unsigned int bucket_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192
};
static const char *const bucket_names[] = {
	"goalloc_bench-8", "goalloc_bench-16", "goalloc_bench-32", "goalloc_bench-64",
	"goalloc_bench-96", "goalloc_bench-128", "goalloc_bench-192", "goalloc_bench-256",
	"goalloc_bench-512", "goalloc_bench-1k", "goalloc_bench-2k", "goalloc_bench-4k",
	"goalloc_bench-8k",
};
static_assert(ARRAY_SIZE(bucket_names) == ARRAY_SIZE(bucket_sizes));
static struct kmem_cache *buckets[ARRAY_SIZE(bucket_sizes)];

/* The new cache kmalloc(@size) would have taken its object from, or NULL. */
static struct kmem_cache *bucket_of(size_t size)
{
	size_t room = kmalloc_size_roundup(size);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bucket_sizes); i++)
		if (bucket_sizes[i] == room)
			return buckets[i];
	return NULL;
}

static void buckets_destroy(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(buckets); i++) {
		kmem_cache_destroy(buckets[i]);
		buckets[i] = NULL;
	}
}

static int buckets_create(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(buckets); i++) {
		buckets[i] = kmem_cache_create(bucket_names[i], bucket_sizes[i], 0,
					       SLAB_NO_MERGE, NULL);
		if (!buckets[i]) {
			buckets_destroy();
			return -ENOMEM;
		}
	}
	return 0;
}

/* An object of @size for the memory rows: @w's, the new caches' for KCACHE. */
static void *mem_alloc(enum which w, size_t size, bool noscan)
{
	struct kmem_cache *kc = w == KCACHE ? bucket_of(size) : NULL;

	if (kc)
		return kmem_cache_alloc(kc, GFP_KERNEL);
	return b_alloc(w == GOALLOC ? GOALLOC : KMALLOC, NULL, size, noscan);
}

/* Free @p from mem_alloc(@w): kfree() takes any cache's object. */
static void mem_free(enum which w, void *p)
{
	b_free(w == GOALLOC ? GOALLOC : KMALLOC, NULL, p);
}

/*
 * Pages of slab and large kmalloc memory (NR_SLAB_UNRECLAIMABLE_B), with
 * every CPU's pending delta folded in: global_node_page_state_pages()
 * alone may be off by some tens of pages per CPU.
 */
static long slab_pages(void)
{
	long x = 0;
	int nid, cpu;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		x += atomic_long_read(&pgdat->vm_stat[NR_SLAB_UNRECLAIMABLE_B]);
		for_each_online_cpu(cpu)
			x += READ_ONCE(per_cpu_ptr(pgdat->per_cpu_nodestats, cpu)->
				       vm_node_stat_diff[NR_SLAB_UNRECLAIMABLE_B]);
	}
	return x;
}

/*
 * Bytes @w holds from the page allocator: goalloc's heap and metadata, or
 * the slabs and large kmalloc allocations (with whatever else the kernel
 * allocates meanwhile from slab, which in this quiet boot is little).
 */
static long held_bytes(enum which w)
{
	struct goalloc_stats st;

	if (w != GOALLOC)
		return slab_pages() << PAGE_SHIFT;
	goalloc_get_stats(&st);
	return st.heap_sys + st.meta_sys;
}

/* Give back what @w holds but does not use, so that both start empty. */
static void empty(enum which w)
{
	unsigned int t, i;

	if (w == GOALLOC) {
		goalloc_flush();
		return;
	}
	for (i = 0; i < ARRAY_SIZE(buckets); i++)
		if (buckets[i])
			kmem_cache_shrink(buckets[i]);
	for (t = 0; t < NR_KMALLOC_TYPES; t++)
		for (i = 0; i < ARRAY_SIZE(kmalloc_caches[t]); i++)
			if (kmalloc_caches[t][i])
				kmem_cache_shrink(kmalloc_caches[t][i]);
}

/*
 * The op of trace @t after which most bytes (requested sizes) are live,
 * and those bytes in *@live; NULL if there is no memory to find it.
 */
static const struct trace_op *trace_peak(unsigned int t, unsigned long *live)
{
	const struct trace_op *o = traces[t].ops, *end = o + traces[t].nops, *peak = o;
	unsigned long bytes = 0;
	u32 *size;

	*live = 0;
	size = kvcalloc(trace_ids, sizeof(*size), GFP_KERNEL);
	if (!size)
		return NULL;
	for (; o < end; o++) {
		if (o->size) {
			size[o->id] = o->size & ~TRACE_NOSCAN;
			bytes += size[o->id];
		} else {
			bytes -= size[o->id];
			size[o->id] = 0;
		}
		if (bytes > *live) {
			*live = bytes;
			peak = o;
		}
	}
	kvfree(size);
	return peak;
}

/*
 * Replay trace @t up to @peak, its peak of live bytes, and return the
 * bytes @w took from the page allocator since an emptied start; -1 if an
 * allocation failed.  Everything is freed after.
 */
static long replay_peak(enum which w, unsigned int t, const struct trace_op *peak)
{
	const struct trace_op *o;
	long base, grown = -1;
	unsigned int i;

	empty(w);
	base = held_bytes(w);
	for (o = traces[t].ops; o <= peak; o++) {
		if (o->size) {
			trace_ptr[o->id] = mem_alloc(w, o->size & ~TRACE_NOSCAN,
						     o->size & TRACE_NOSCAN);
			if (!trace_ptr[o->id])
				break;
		} else if (trace_ptr[o->id]) {
			mem_free(w, trace_ptr[o->id]);
			trace_ptr[o->id] = NULL;
		}
	}
	if (o > peak)
		grown = held_bytes(w) - base;
	for (i = 0; i < trace_ids; i++) {
		if (trace_ptr[i]) {
			mem_free(w, trace_ptr[i]);
			trace_ptr[i] = NULL;
		}
	}
	empty(w);
	return grown;
}

struct row {
	const char *kind;
	size_t size;		/* bytes, or for replay an index in traces[] */
	u64 (*run)(enum which w, struct kmem_cache *kc, size_t size, unsigned int n);
	unsigned int div;	/* fewer iterations for slow rows */
	bool cache;		/* has a kmem_cache column */
};

static const struct row rows[] = {
	{ "lookup", 64, run_lookup, 1, false },
	{ "alloconly", 64, run_alloc_only, 1, true },
	{ "pair", 8, run_pair, 1, true },
	{ "pair", 16, run_pair, 1, true },
	{ "pair", 32, run_pair, 1, true },
	{ "pair", 64, run_pair, 1, true },
	{ "pair", 128, run_pair, 1, true },
	{ "pair", 256, run_pair, 1, true },
	{ "pair", 512, run_pair, 1, true },
	{ "pair", 1024, run_pair, 1, true },
	{ "pair", 2048, run_pair, 1, true },
	{ "pair", 4096, run_pair, 1, true },
	{ "pair", 8192, run_pair, 2, true },
	{ "pair", 16384, run_pair, 4, true },
	{ "pair", 32768, run_pair, 8, true },
	{ "pair", 65536, run_pair, 16, false },
	{ "pair", 262144, run_pair, 64, false },
	{ "burst", 64, run_burst, 1, true },
	{ "burst", 1024, run_burst, 1, true },
	{ "bulk", 64, run_bulk, 1, true },
	{ "bulk", 1024, run_bulk, 1, true },
	{ "prodcons", 64, run_prodcons, 1, true },
	{ "prodcons", 1024, run_prodcons, 1, true },
	{ "replay", 0, run_replay, 1, false },
	{ "replay", 1, run_replay, 1, false },
	{ "replay", 2, run_replay, 1, false },
};

/* "1.23" for @a / @b, or "-" */
static const char *ratio(char *buf, u64 a, u64 b)
{
	if (a == U64_MAX || b == U64_MAX || !b)
		return "-";
	snprintf(buf, 24, "%llu.%02llu", a / b, (a * 100 / b) % 100);
	return buf;
}

static void bench_row(const struct row *row, unsigned int nreps)
{
	static u64 v[NR_WHICH][MAX_REPS];	/* one row at a time, at load */
	u64 m[NR_WHICH];
	unsigned int ops = max(64U, iters / row->div), i, w, nw = row->cache ? NR_WHICH : KCACHE;
	struct kmem_cache *kc = NULL;
	char size[24], rk[24], rc[24], ns[NR_WHICH][24];

	if (row->cache) {
		kc = kmem_cache_create("goalloc_bench", row->size, 0, 0, NULL);
		if (!kc)
			nw = KCACHE;
	}
	/* alternate the allocators so drift hits them alike */
	for (i = 0; i < nreps; i++) {
		for (w = 0; w < nw; w++)
			v[w][i] = row->run(w, kc, row->size, ops);
		cond_resched();
	}
	for (w = 0; w < NR_WHICH; w++) {
		m[w] = w < nw ? median(v[w], nreps) : U64_MAX;
		if (m[w] == U64_MAX)
			strscpy(ns[w], "-", sizeof(ns[w]));
		else
			snprintf(ns[w], sizeof(ns[w]), "%llu", m[w]);
	}
	kmem_cache_destroy(kc);
	if (row->run == run_replay)
		strscpy(size, traces[row->size].name, sizeof(size));
	else
		snprintf(size, sizeof(size), "%zu", row->size);
	pr_info("goalloc-bench: %-10s %18s %8s %8s %10s %8s %8s\n", row->kind, size,
		ns[GOALLOC], ns[KMALLOC], ns[KCACHE], ratio(rk, m[GOALLOC], m[KMALLOC]),
		ratio(rc, m[GOALLOC], m[KCACHE]));
}

/* "1.23" for @a / @b, as ratio(), where @a and @b are bytes or -1 */
static const char *ratio_held(char *buf, long a, long b)
{
	return ratio(buf, a < 0 ? U64_MAX : a, b < 0 ? U64_MAX : b);
}

/* KiB of @bytes, or -1 */
static long kib(long bytes)
{
	return bytes < 0 ? -1 : bytes >> 10;
}

/*
 * For each trace, the memory goalloc, kmalloc and new caches of kmalloc's
 * sizes hold at its peak, each from an emptied start, against the bytes
 * live then.
 */
static void bench_memory(void)
{
	char rl[NR_WHICH][24], rk[24], rc[24];
	const struct trace_op *peak;
	long held[NR_WHICH];
	unsigned long live;
	unsigned int t, w;
	bool caches = !buckets_create();

	pr_info("goalloc-bench: memory: KiB held at each trace's peak of live bytes, from an emptied start (goalloc: heap_sys + meta_sys; kmalloc, kmem_cache: slab and large kmalloc pages)\n");
	pr_info("goalloc-bench: %-10s %18s %8s %8s %8s %10s %8s %8s %8s %9s %8s\n", "memory",
		"trace", "live", which_name[GOALLOC], which_name[KMALLOC], which_name[KCACHE],
		"g/live", "k/live", "c/live", "g/kmalloc", "g/cache");
	for (t = 0; t < ARRAY_SIZE(traces); t++) {
		peak = trace_peak(t, &live);
		for (w = 0; w < NR_WHICH; w++) {
			held[w] = peak && (w != KCACHE || caches) ? replay_peak(w, t, peak) : -1;
			ratio_held(rl[w], held[w], live);
		}
		pr_info("goalloc-bench: %-10s %18s %8lu %8ld %8ld %10ld %8s %8s %8s %9s %8s\n",
			"memory", traces[t].name, live >> 10, kib(held[GOALLOC]), kib(held[KMALLOC]),
			kib(held[KCACHE]), rl[GOALLOC], rl[KMALLOC], rl[KCACHE],
			ratio_held(rk, held[GOALLOC], held[KMALLOC]),
			ratio_held(rc, held[GOALLOC], held[KCACHE]));
	}
	if (caches)
		buckets_destroy();
}

static int __init goalloc_bench_init(void)
{
	unsigned int r, n = clamp_t(unsigned int, reps, 1, MAX_REPS);

	if (trace_init())
		return -ENOMEM;
	pr_info("goalloc-bench: %u reps x %u ops, init_on_alloc=%d, %u CPUs; ns per operation, medians\n",
		n, iters, want_init_on_alloc(GFP_KERNEL), num_online_cpus());
	pr_info("goalloc-bench: %-10s %18s %8s %8s %10s %8s %8s\n", "row", "size",
		which_name[GOALLOC], which_name[KMALLOC], which_name[KCACHE], "g/kmalloc",
		"g/cache");
	for (r = 0; r < ARRAY_SIZE(rows); r++)
		bench_row(&rows[r], n);
	bench_memory();
	kvfree(trace_ptr);
	goalloc_flush();
	return 0;
}

/* Nothing stays: unloading lets goalloc go, and the benchmark run again. */
static void __exit goalloc_bench_exit(void)
{
}

module_init(goalloc_bench_init);
module_exit(goalloc_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goalloc vs kmalloc and kmem_cache benchmark");
