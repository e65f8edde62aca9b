// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-remote: objects freed by a CPU other than the one that allocated.
 * goalloc-irq: hard-irq allocations racing process context on one CPU.
 * goalloc-hotplug: an offlined CPU's cache is flushed.
 * goalloc-stress: every CPU allocating, freeing and swapping objects.
 */
#include <linux/cpu.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/completion.h>
#include "goalloc_test.h"

static unsigned int second_cpu(void)
{
	return cpumask_next(cpumask_first(cpu_online_mask), cpu_online_mask);
}

/* === remote frees === */

#define REMOTE_N 1000

struct remote_ctx {
	void *objs[REMOTE_N];
	size_t bad;
};

static long remote_alloc(void *arg)
{
	struct remote_ctx *r = arg;
	unsigned int i;

	for (i = 0; i < REMOTE_N; i++) {
		r->objs[i] = goalloc_alloc(128, GFP_KERNEL);
		if (!r->objs[i])
			return -ENOMEM;
		fill_pattern(r->objs[i], 128, i);
	}
	return 0;
}

static long remote_free(void *arg)
{
	struct remote_ctx *r = arg;
	unsigned int i;

	for (i = 0; i < REMOTE_N; i++) {
		r->bad += check_pattern(r->objs[i], 128, i);
		goalloc_free(r->objs[i]);
	}
	return 0;
}

/* Objects allocated on one CPU and freed on another come back for reuse. */
static void remote_frees_are_reused(struct kunit *test)
{
	struct remote_ctx *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int spc = make_spc(size_to_class(128), false);
	struct goalloc_class_stats cs;
	unsigned long drains;
	u64 live, spans;

	KUNIT_ASSERT_NOT_NULL(test, r);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	goalloc_flush();
	live = stats_now().heap_objects;
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, remote_alloc, r), 0L);
	spans = stats_now().spans_inuse;
	drains = cpu_stat_sum(GS_FREE_SLOW);
	KUNIT_ASSERT_EQ(test, run_on_cpu(second_cpu(), remote_free, r), 0L);
	KUNIT_EXPECT_EQ(test, r->bad, 0UL);
	/* the freeing CPU's stack overflowed a batch at a time into mcentral */
	KUNIT_EXPECT_GE(test, cpu_stat_sum(GS_FREE_SLOW) - drains,
			(unsigned long)(REMOTE_N - objstack_cap(spc)) / objstack_batch(spc));
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live);
	/*
	 * The same CPU allocates again, from what the other freed: no more
	 * spans than the first time but for what each CPU's stack may keep
	 * (empty spans went back to the heap meanwhile, so the heap may have
	 * to carve some again, and with a small first chunk grow for them).
	 */
	KUNIT_ASSERT_EQ(test, goalloc_get_class_stats(size_to_class(128), &cs), 0);
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, remote_alloc, r), 0L);
	KUNIT_EXPECT_LE(test, stats_now().spans_inuse,
			spans + 2 * DIV_ROUND_UP(objstack_cap(spc), cs.objects));
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, remote_free, r), 0L);
	KUNIT_EXPECT_EQ(test, r->bad, 0UL);
}

/*
 * One CPU allocates 64-byte objects as fast as it can and hands them over
 * a ring to another, which frees them: the objects cycle between the two
 * CPUs' stacks through mcentral, and their live bytes are set and cleared
 * from both CPUs at once, in the same words.  No free may be taken for a
 * double free, and none lost.
 */
#define RING_OBJS	256

struct ring_ctx {
	void *ring[RING_OBJS];
	unsigned int head, tail;	/* producer writes head, consumer tail */
	unsigned int n;
	atomic_t failures;
	struct completion done[2];
};

static int ring_producer(void *arg)
{
	struct ring_ctx *r = arg;
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		void *p = goalloc_alloc(64, GFP_KERNEL);

		if (!p) {
			atomic_inc(&r->failures);
			p = ZERO_SIZE_PTR;
		}
		/* the consumer is done with the slot this overwrites */
		while (r->head - smp_load_acquire(&r->tail) >= RING_OBJS)
			cpu_relax();
		r->ring[r->head % RING_OBJS] = p;
		smp_store_release(&r->head, r->head + 1);	/* pairs with the consumer */
	}
	complete(&r->done[0]);
	return 0;
}

static int ring_consumer(void *arg)
{
	struct ring_ctx *r = arg;
	unsigned int i;
	void *p;

	for (i = 0; i < r->n; i++) {
		/* pairs with the producer's release of head */
		while (smp_load_acquire(&r->head) == r->tail)
			cpu_relax();
		p = r->ring[r->tail % RING_OBJS];
		smp_store_release(&r->tail, r->tail + 1);	/* pairs with the producer */
		goalloc_free(p);
	}
	complete(&r->done[1]);
	return 0;
}

static void remote_frees_racing_refills_are_not_double_frees(struct kunit *test)
{
	struct ring_ctx *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	u64 invalid = stats_now().invalid_frees, live = stats_now().heap_objects;
	struct task_struct *tp, *tc;

	KUNIT_ASSERT_NOT_NULL(test, r);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	r->n = 100000;
	init_completion(&r->done[0]);
	init_completion(&r->done[1]);
	tp = kthread_create(ring_producer, r, "goalloc-ring-p");
	KUNIT_ASSERT_FALSE(test, IS_ERR(tp));
	tc = kthread_create(ring_consumer, r, "goalloc-ring-c");
	if (IS_ERR(tc)) {
		kthread_stop(tp);
		KUNIT_FAIL(test, "kthread_create");
		return;
	}
	kthread_bind(tp, cpumask_first(cpu_online_mask));
	kthread_bind(tc, second_cpu());
	wake_up_process(tp);
	wake_up_process(tc);
	wait_for_completion(&r->done[0]);
	wait_for_completion(&r->done[1]);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->failures), 0);
	KUNIT_EXPECT_EQ(test, stat_now(invalid_frees), invalid);
	KUNIT_EXPECT_EQ(test, stat_now(heap_objects), live);
}

static struct kunit_case remote_cases[] = {
	KUNIT_CASE(remote_frees_are_reused),
	KUNIT_CASE_SLOW(remote_frees_racing_refills_are_not_double_frees),
	{}
};

static struct kunit_suite remote_suite = {
	.name = "goalloc-remote",
	.test_cases = remote_cases,
};

/* === hard-irq context === */

#define IRQ_RING 16

struct irq_ctx {
	struct hrtimer timer;
	void *ring[IRQ_RING];
	size_t ring_size[IRQ_RING];
	unsigned int next;
	unsigned long allocs, failures, bad, in_hardirq;
	bool stop;
};

static enum hrtimer_restart irq_alloc_free(struct hrtimer *t)
{
	struct irq_ctx *x = container_of(t, struct irq_ctx, timer);
	unsigned int i = x->next++ % IRQ_RING;
	size_t size = 8 + (x->next * 37) % 3000;

	x->in_hardirq += !!in_hardirq();
	if (x->ring[i]) {
		x->bad += check_pattern(x->ring[i], x->ring_size[i], i);
		goalloc_free(x->ring[i]);
	}
	x->ring[i] = x->next & 1 ? goalloc_alloc(size, GFP_ATOMIC) :
				   goalloc_alloc_noscan(size % 24 + 1, GFP_ATOMIC);
	x->ring_size[i] = x->next & 1 ? size : size % 24 + 1;
	if (x->ring[i]) {
		fill_pattern(x->ring[i], x->ring_size[i], i);
		x->allocs++;
	} else {
		x->failures++;
	}
	if (READ_ONCE(x->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(200 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static long irq_race(void *arg)
{
	struct irq_ctx *x = arg;
	unsigned long bad = 0, n;
	void *p[8];
	unsigned int i;

	hrtimer_init(&x->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	x->timer.function = irq_alloc_free;
	hrtimer_start(&x->timer, ns_to_ktime(200 * NSEC_PER_USEC), HRTIMER_MODE_REL_PINNED_HARD);
	for (n = 0; n < 500 || x->allocs < 200; n++) {
		for (i = 0; i < ARRAY_SIZE(p); i++) {
			p[i] = i & 1 ? goalloc_alloc_noscan(i + 1, GFP_KERNEL) :
				       goalloc_alloc(16 << i, GFP_KERNEL);
			if (!p[i])
				return -ENOMEM;
			fill_pattern(p[i], i & 1 ? i + 1 : 16 << i, n + i);
		}
		for (i = 0; i < ARRAY_SIZE(p); i++) {
			bad += check_pattern(p[i], i & 1 ? i + 1 : 16 << i, n + i);
			goalloc_free(p[i]);
		}
		if (n > 100000)
			break;
	}
	WRITE_ONCE(x->stop, true);
	hrtimer_cancel(&x->timer);
	for (i = 0; i < IRQ_RING; i++) {
		if (!x->ring[i])
			continue;
		x->bad += check_pattern(x->ring[i], x->ring_size[i], i);
		goalloc_free(x->ring[i]);
	}
	x->bad += bad;
	return 0;
}

static void hardirq_allocs_race_process_context(struct kunit *test)
{
	struct irq_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	u64 live = stats_now().heap_objects;

	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, irq_race, x), 0L);
	KUNIT_EXPECT_GE(test, x->allocs, 200UL);
	KUNIT_EXPECT_EQ(test, x->in_hardirq, x->allocs + x->failures);
	KUNIT_EXPECT_EQ(test, x->failures, 0UL);
	KUNIT_EXPECT_EQ(test, x->bad, 0UL);
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live);
}

static struct kunit_case irq_cases[] = {
	KUNIT_CASE_SLOW(hardirq_allocs_race_process_context),
	{}
};

static struct kunit_suite irq_suite = {
	.name = "goalloc-irq",
	.test_cases = irq_cases,
};

/* === CPU hotplug === */

struct hp_ctx {
	void *objs[64];
};

static long hp_alloc(void *arg)
{
	struct hp_ctx *h = arg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h->objs); i++) {
		h->objs[i] = i & 1 ? goalloc_alloc_noscan(i % 15 + 1, GFP_KERNEL) :
				     goalloc_alloc(i * 50 + 8, GFP_KERNEL);
		if (!h->objs[i])
			return -ENOMEM;
		fill_pattern(h->objs[i], goalloc_usable_size(h->objs[i]), i);
	}
	return 0;
}

static void offline_cpu_cache_is_flushed(struct kunit *test)
{
	struct hp_ctx *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	unsigned int cpu, spc, i;
	struct mcache *c;
	unsigned int cached = 0;

	KUNIT_ASSERT_NOT_NULL(test, h);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	cpu = cpumask_last(cpu_online_mask);
	c = mcache_of(cpu);
	KUNIT_ASSERT_EQ(test, run_on_cpu(cpu, hp_alloc, h), 0L);
	for (spc = 0; spc < NUM_SPAN_CLASSES; spc++)
		cached += objstack_count(&c->stack[spc], spc);
	KUNIT_EXPECT_GT(test, cached, 0U);
	KUNIT_EXPECT_NE(test, c->tiny, 0UL);

	KUNIT_ASSERT_EQ(test, remove_cpu(cpu), 0);
	for (spc = 0; spc < NUM_SPAN_CLASSES; spc++)
		KUNIT_EXPECT_EQ(test, objstack_count(&c->stack[spc], spc), 0);
	KUNIT_EXPECT_EQ(test, c->tiny, 0UL);
	KUNIT_EXPECT_PTR_EQ(test, c->tinyspan, NULL);
	for (i = 0; i < ARRAY_SIZE(h->objs); i++) {
		KUNIT_EXPECT_EQ(test, check_pattern(h->objs[i], goalloc_usable_size(h->objs[i]), i),
				0UL);
		goalloc_free(h->objs[i]);
	}
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
	KUNIT_EXPECT_EQ(test, run_on_cpu(cpu, hp_alloc, h), 0L);
	for (i = 0; i < ARRAY_SIZE(h->objs); i++)
		goalloc_free(h->objs[i]);
}

static struct kunit_case hotplug_cases[] = {
	KUNIT_CASE(offline_cpu_cache_is_flushed),
	{}
};

static struct kunit_suite hotplug_suite = {
	.name = "goalloc-hotplug",
	.test_cases = hotplug_cases,
};

/* === randomized multi-CPU stress === */

static unsigned int stress_ops = 20000;
module_param(stress_ops, uint, 0444);
MODULE_PARM_DESC(stress_ops, "operations per CPU in goalloc-stress, in rounds of 20000");

#define STRESS_LOCAL	128
#define STRESS_SWAP	64

struct obj {
	u8 *p;
	u32 size;
	u8 seed;
};

struct stress_shared {
	spinlock_t lock;
	struct obj swap[STRESS_SWAP];	/* handed between CPUs: remote frees */
	atomic_long_t bad, ops, failures;
	atomic_t running;
	unsigned int ops_per_thread;
	unsigned long seed;		/* the round: another sequence each */
	struct completion done;
};

static size_t stress_size(struct rnd_state *r)
{
	u32 x = prandom_u32_state(r) % 100;

	if (x < 60)
		return prandom_u32_state(r) % 256 + 1;
	if (x < 85)
		return prandom_u32_state(r) % 4096 + 1;
	if (x < 98)
		return prandom_u32_state(r) % 32768 + 1;
	return prandom_u32_state(r) % 300000 + 32769;
}

static void obj_check_free(struct stress_shared *sh, struct obj *o)
{
	if (!o->p)
		return;
	atomic_long_add(check_pattern(o->p, o->size, o->seed), &sh->bad);
	goalloc_free(o->p);
	o->p = NULL;
}

static bool obj_alloc(struct stress_shared *sh, struct obj *o, struct rnd_state *r)
{
	o->size = stress_size(r);
	o->seed = prandom_u32_state(r);
	o->p = prandom_u32_state(r) & 1 ? goalloc_alloc(o->size, GFP_KERNEL) :
					  goalloc_alloc_noscan(o->size, GFP_KERNEL);
	if (!o->p) {
		atomic_long_inc(&sh->failures);
		return false;
	}
	fill_pattern(o->p, o->size, o->seed);
	return true;
}

static void stress_one_op(struct stress_shared *sh, struct obj *local, struct rnd_state *r)
{
	struct obj *o = &local[prandom_u32_state(r) % STRESS_LOCAL], tmp;
	unsigned int op = prandom_u32_state(r) % 100, i;
	void *bulk[16];
	u8 *q;

	if (op < 45) {
		obj_check_free(sh, o);
		obj_alloc(sh, o, r);
	} else if (op < 70) {
		obj_check_free(sh, o);
	} else if (op < 85) {
		/* swap with the shared table: whatever comes back was made elsewhere */
		i = prandom_u32_state(r) % STRESS_SWAP;
		spin_lock(&sh->lock);
		tmp = sh->swap[i];
		sh->swap[i] = *o;
		spin_unlock(&sh->lock);
		*o = tmp;
		obj_check_free(sh, o);
	} else if (op < 93) {
		if (!o->p)
			return;
		atomic_long_add(check_pattern(o->p, o->size, o->seed), &sh->bad);
		i = stress_size(r);
		q = goalloc_realloc(o->p, i, GFP_KERNEL);
		if (!q) {
			atomic_long_inc(&sh->failures);
			return;
		}
		atomic_long_add(check_pattern(q, min_t(u32, i, o->size), o->seed), &sh->bad);
		o->p = q;
		o->size = i;
		fill_pattern(q, i, o->seed);
	} else {
		i = prandom_u32_state(r) % 2048 + 1;
		if (goalloc_alloc_bulk(i, GFP_KERNEL, ARRAY_SIZE(bulk), bulk) != ARRAY_SIZE(bulk)) {
			atomic_long_inc(&sh->failures);
			return;
		}
		for (op = 0; op < ARRAY_SIZE(bulk); op++)
			fill_pattern(bulk[op], i, op);
		for (op = 0; op < ARRAY_SIZE(bulk); op++)
			atomic_long_add(check_pattern(bulk[op], i, op), &sh->bad);
		goalloc_free_bulk(ARRAY_SIZE(bulk), bulk);
	}
}

struct stress_thread {
	struct stress_shared *sh;
	unsigned int cpu;
};

static int stress_thread_fn(void *arg)
{
	struct stress_thread *t = arg;
	struct stress_shared *sh = t->sh;
	struct obj *local = kcalloc(STRESS_LOCAL, sizeof(*local), GFP_KERNEL);
	struct rnd_state r;
	unsigned int n, i;

	prandom_seed_state(&r, 0x90a110c + t->cpu + (sh->seed << 16));
	if (local) {
		for (n = 0; n < sh->ops_per_thread; n++) {
			stress_one_op(sh, local, &r);
			if (!(n % 256))
				cond_resched();
		}
		atomic_long_add(n, &sh->ops);
		for (i = 0; i < STRESS_LOCAL; i++)
			obj_check_free(sh, &local[i]);
		kfree(local);
	} else {
		atomic_long_inc(&sh->failures);
	}
	if (atomic_dec_and_test(&sh->running))
		complete(&sh->done);
	return 0;
}

/*
 * A long soak runs as rounds of at most STRESS_ROUND_OPS operations per CPU,
 * each a case of its own: KUnit gives every case 300 s, whatever it does, so
 * a soak of any length stays within it.
 */
#define STRESS_ROUND_OPS	20000

static unsigned int stress_rounds(void)
{
	return max(DIV_ROUND_UP(stress_ops, STRESS_ROUND_OPS), 1U);
}

static const void *stress_gen_params(const void *prev, char *desc)
{
	unsigned long round = prev ? (unsigned long)prev : 0;

	if (round >= stress_rounds())
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "round %lu of %u", round + 1, stress_rounds());
	return (const void *)(round + 1);
}

/* One thread per online CPU, bound to it, doing random operations. */
static void every_cpu_random_ops_keep_contents(struct kunit *test)
{
	struct stress_shared *sh = kunit_kzalloc(test, sizeof(*sh), GFP_KERNEL);
	u64 live = stat_now(heap_objects), invalid = stat_now(invalid_frees);
	unsigned long round = (unsigned long)test->param_value;
	struct stress_thread *t;
	unsigned int cpu, i, n = 0;
	ktime_t start = ktime_get();

	KUNIT_ASSERT_NOT_NULL(test, sh);
	t = kunit_kcalloc(test, nr_cpu_ids, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	spin_lock_init(&sh->lock);
	init_completion(&sh->done);
	sh->ops_per_thread = min(stress_ops - (round - 1) * STRESS_ROUND_OPS, STRESS_ROUND_OPS);
	sh->seed = round;
	cpus_read_lock();
	atomic_set(&sh->running, num_online_cpus());
	for_each_online_cpu(cpu) {
		struct task_struct *k;

		t[cpu].sh = sh;
		t[cpu].cpu = cpu;
		k = kthread_create(stress_thread_fn, &t[cpu], "goalloc-stress/%u", cpu);
		if (IS_ERR(k)) {
			atomic_long_inc(&sh->failures);
			if (atomic_dec_and_test(&sh->running))
				complete(&sh->done);
			continue;
		}
		kthread_bind(k, cpu);
		wake_up_process(k);
		n++;
	}
	cpus_read_unlock();
	wait_for_completion(&sh->done);
	for (i = 0; i < STRESS_SWAP; i++)
		obj_check_free(sh, &sh->swap[i]);
	kunit_info(test, "goalloc-soak: round %lu of %u: %u CPUs, %ld operations in %lld ms\n",
		   round, stress_rounds(), n, atomic_long_read(&sh->ops),
		   ktime_ms_delta(ktime_get(), start));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&sh->ops), (long)n * sh->ops_per_thread);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&sh->bad), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&sh->failures), 0L);
	KUNIT_EXPECT_EQ(test, stat_now(heap_objects), live);
	KUNIT_EXPECT_EQ(test, stat_now(invalid_frees), invalid);
	goalloc_flush();
	KUNIT_EXPECT_EQ(test, stat_now(heap_sys), 0ULL);
}

static struct kunit_case stress_cases[] = {
	KUNIT_CASE_PARAM_ATTR(every_cpu_random_ops_keep_contents, stress_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite stress_suite = {
	.name = "goalloc-stress",
	.test_cases = stress_cases,
};

kunit_test_suites(&remote_suite, &irq_suite, &hotplug_suite, &stress_suite);
