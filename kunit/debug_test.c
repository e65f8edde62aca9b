// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-debug: debug mode (debug=1) catches red zone overruns, writes
 * after free and frees of quarantined objects, reports each once, and
 * never hands a quarantined object out again; clean use reports nothing.
 *
 * A module of its own (goalloc_debug_test.ko), run against goalloc.ko
 * loaded with debug=1 (scripts/vm/kunit.sh); in user space, the runner's
 * GL_DEBUG=1.  The corruptions are written with platform_debug_fill(), as
 * a bug in a kernel without KASAN would write them: unseen.  Each report is
 * bracketed by markers, so scripts/vm-run.sh does not count it as a splat.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/hrtimer.h>
#include <linux/delay.h>
#include "goalloc_test.h"

/* Debug mode is on: the usable size is exactly the requested size. */
static int debug_suite_init(struct kunit *test)
{
	void *p = goalloc_alloc(1, GFP_KERNEL);
	size_t n = goalloc_usable_size(p);

	goalloc_free(p);
	KUNIT_ASSERT_EQ_MSG(test, n, 1, "load goalloc with debug=1");
	return 0;
}

/* Object sizes: small ones around class edges, and large ones. */
static const size_t debug_sizes[] = { 1, 8, 20, 100, 1000, 5000, 32768, 40000, 100000 };

static void size_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes", *size);
}
KUNIT_ARRAY_PARAM(debug_size, debug_sizes, size_desc);

/* Sizes whose debug objects are small: slots that come back to a CPU. */
static const size_t small_sizes[] = { 1, 20, 100, 1000, 5000, 20000 };
KUNIT_ARRAY_PARAM(small_size, small_sizes, size_desc);

/* None of @n new objects of @size is @p; they are freed again. */
static void expect_not_reused(struct kunit *test, const void *p, size_t size, unsigned int n)
{
	void **objs = kunit_kzalloc(test, n * sizeof(void *), GFP_KERNEL);
	unsigned int i, reused = 0;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		objs[i] = goalloc_alloc(size, GFP_KERNEL);
		reused += objs[i] == p;
	}
	for (i = 0; i < n; i++)
		goalloc_free(objs[i]);
	KUNIT_EXPECT_EQ_MSG(test, reused, 0, "a quarantined object was handed out again");
}

/*
 * Free @p after a corruption at @off: one report of @kind, @p quarantined
 * (still counted live), and a second free of it refused as invalid.
 */
static void expect_free_caught(struct kunit *test, void *p, size_t size, size_t off,
			       enum report_kind kind)
{
	struct goalloc_stats before = stats_now(), after;
	unsigned long n = report_count(kind), q = report_count(REPORT_QUARANTINED);

	platform_debug_fill(p + off, 0x41, 1);
	expect_reports_begin();
	goalloc_free(p);
	expect_reports_end();
	after = stats_now();
	KUNIT_EXPECT_EQ(test, after.debug_reports, before.debug_reports + 1);
	KUNIT_EXPECT_EQ(test, report_count(kind), n + 1);
	KUNIT_EXPECT_EQ(test, after.quarantined, before.quarantined + 1);
	KUNIT_EXPECT_EQ(test, after.heap_objects, before.heap_objects);

	expect_reports_begin();
	goalloc_free(p);
	expect_reports_end();
	after = stats_now();
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees + 1);
	KUNIT_EXPECT_EQ(test, report_count(REPORT_QUARANTINED), q + 1);
	KUNIT_EXPECT_EQ(test, after.debug_reports, before.debug_reports + 1);
	expect_not_reused(test, p, size, debug_obj_size(size) > MAX_SMALL_SIZE ? 4 : 256);
}

/* One byte written just past the requested size is found on free. */
static void red_zone_overrun_reported_and_quarantined(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	u8 *p = goalloc_alloc(size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), size);
	memset(p, 0x5a, size);			/* the object itself: no report */
	expect_free_caught(test, p, size, size, REPORT_REDZONE);
}

/* A write past the red zone, into the track at the slot's end: found too. */
static void track_overrun_reported(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	u8 *p = goalloc_alloc(size, GFP_KERNEL);
	struct mspan *s = span_of(p);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, s);
	expect_free_caught(test, p, size, mspan_obj_room(s) - DEBUG_TRACK_SIZE, REPORT_TRACK);
}

#define UAF_TRIES	512

struct uaf_arg {
	size_t size;
	void **objs;		/* UAF_TRIES of them */
	u64 reports;		/* debug_reports it added */
	unsigned long uaf;	/* of them, writes after free */
	unsigned int reused;	/* allocations that returned the freed object */
};

/* On one CPU: free, write into the freed object, allocate until it is found. */
static long write_after_free_on_cpu(void *data)
{
	struct uaf_arg *a = data;
	u64 reports = stats_now().debug_reports;
	unsigned long uaf = report_count(REPORT_WRITE_AFTER_FREE);
	void *p, **objs = a->objs;
	unsigned int i, n;

	p = goalloc_alloc(a->size, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	goalloc_free(p);
	platform_debug_fill(p + a->size / 2, 0x41, 1);
	expect_reports_begin();
	for (n = 0; n < UAF_TRIES && stats_now().debug_reports == reports; n++) {
		objs[n] = goalloc_alloc(a->size, GFP_KERNEL);
		a->reused += objs[n] == p;
	}
	expect_reports_end();
	a->reports = stats_now().debug_reports - reports;
	a->uaf = report_count(REPORT_WRITE_AFTER_FREE) - uaf;
	for (i = 0; i < n; i++)
		goalloc_free(objs[i]);
	return 0;
}

/*
 * The poison of a freed small object is checked when its slot comes back
 * (a large object's pages are checked only on free).
 */
static void write_after_free_reported(struct kunit *test)
{
	struct uaf_arg a = { .size = *(const size_t *)test->param_value };
	u64 quarantined = stats_now().quarantined;

	a.objs = kunit_kzalloc(test, UAF_TRIES * sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a.objs);
	KUNIT_ASSERT_EQ(test, run_on_cpu(0, write_after_free_on_cpu, &a), 0);
	KUNIT_EXPECT_EQ(test, a.reports, 1);
	KUNIT_EXPECT_EQ(test, a.uaf, 1);
	KUNIT_EXPECT_EQ(test, a.reused, 0);
	KUNIT_EXPECT_EQ(test, stats_now().quarantined, quarantined + 1);
}

/* Clean use of every API call: no report, exact usable sizes, contents kept. */
static void clean_use_reports_nothing(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	struct goalloc_stats before = stats_now(), after;
	void *bulk[8];
	u8 *p, *q, *z;

	p = goalloc_alloc_noscan(size, GFP_KERNEL);
	z = goalloc_zalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(z, 0, size), NULL);
	fill_pattern(p, size, 3);
	q = goalloc_realloc(p, size * 2, GFP_KERNEL);		/* grows: moves */
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, check_pattern(q, size, 3), 0);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(q), size * 2);
	p = goalloc_realloc(q, size, GFP_KERNEL);		/* shrinks: moves */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, check_pattern(p, size, 3), 0);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), size);
	KUNIT_ASSERT_EQ(test, goalloc_alloc_bulk(size, GFP_KERNEL, ARRAY_SIZE(bulk), bulk),
			ARRAY_SIZE(bulk));
	memset(bulk[7], 0xff, size);
	goalloc_free_bulk(ARRAY_SIZE(bulk), bulk);
	goalloc_free(p);
	goalloc_free(z);
	after = stats_now();
	KUNIT_EXPECT_EQ(test, after.debug_reports, before.debug_reports);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees);
	KUNIT_EXPECT_EQ(test, after.heap_objects, before.heap_objects);
}

/* A double free is still a double free: refused, not a corruption. */
static void double_free_is_not_a_corruption(struct kunit *test)
{
	struct goalloc_stats before = stats_now(), after;
	unsigned long doubles = report_count(REPORT_DOUBLE_FREE);
	void *p = goalloc_alloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_free(p);
	expect_reports_begin();
	goalloc_free(p);
	expect_reports_end();
	after = stats_now();
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees + 1);
	KUNIT_EXPECT_EQ(test, report_count(REPORT_DOUBLE_FREE), doubles + 1);
	KUNIT_EXPECT_EQ(test, after.debug_reports, before.debug_reports);
	KUNIT_EXPECT_EQ(test, after.quarantined, before.quarantined);
}

#ifdef CONFIG_HIGH_RES_TIMERS		/* the kernel's: user space has no hard irqs */
struct irq_corruption {
	struct hrtimer timer;
	void *p;		/* the object corrupted and freed in the irq */
	bool done;
};

static enum hrtimer_restart corrupt_and_free_in_irq(struct hrtimer *t)
{
	struct irq_corruption *x = container_of(t, struct irq_corruption, timer);
	void *q = goalloc_alloc(100, GFP_ATOMIC);

	x->p = goalloc_alloc(100, GFP_ATOMIC);
	if (x->p) {
		platform_debug_fill(x->p + 100, 0x41, 1);
		goalloc_free(x->p);
	}
	goalloc_free(q);
	WRITE_ONCE(x->done, true);
	return HRTIMER_NORESTART;
}

/* Checks, a report and the quarantine in hard-irq context, under lockdep. */
static void report_from_hard_irq(struct kunit *test)
{
	struct irq_corruption *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	struct goalloc_stats before = stats_now(), after;
	unsigned long redzones = report_count(REPORT_REDZONE);
	unsigned int ms;

	KUNIT_ASSERT_NOT_NULL(test, x);
	hrtimer_init(&x->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	x->timer.function = corrupt_and_free_in_irq;
	expect_reports_begin();
	hrtimer_start(&x->timer, ns_to_ktime(100 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	for (ms = 0; ms < 10000 && !READ_ONCE(x->done); ms += 20)
		msleep(20);
	hrtimer_cancel(&x->timer);
	expect_reports_end();
	after = stats_now();
	KUNIT_ASSERT_TRUE(test, READ_ONCE(x->done));
	KUNIT_ASSERT_NOT_NULL(test, x->p);
	KUNIT_EXPECT_EQ(test, after.debug_reports, before.debug_reports + 1);
	KUNIT_EXPECT_EQ(test, report_count(REPORT_REDZONE), redzones + 1);
	KUNIT_EXPECT_EQ(test, after.quarantined, before.quarantined + 1);
	KUNIT_EXPECT_EQ(test, after.heap_objects, before.heap_objects + 1);
}
#endif

static struct kunit_case debug_cases[] = {
	KUNIT_CASE_PARAM(red_zone_overrun_reported_and_quarantined, debug_size_gen_params),
	KUNIT_CASE_PARAM(track_overrun_reported, debug_size_gen_params),
	KUNIT_CASE_PARAM(write_after_free_reported, small_size_gen_params),
	KUNIT_CASE_PARAM(clean_use_reports_nothing, debug_size_gen_params),
	KUNIT_CASE(double_free_is_not_a_corruption),
#ifdef CONFIG_HIGH_RES_TIMERS
	KUNIT_CASE(report_from_hard_irq),
#endif
	{}
};

static struct kunit_suite debug_suite = {
	.name = "goalloc-debug",
	.init = debug_suite_init,
	.test_cases = debug_cases,
};
kunit_test_suites(&debug_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suite for goalloc's debug mode");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
