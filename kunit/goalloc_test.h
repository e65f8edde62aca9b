/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by goalloc's KUnit suites. */
#ifndef GOALLOC_TEST_H
#define GOALLOC_TEST_H

#include <kunit/test.h>
#include <linux/workqueue.h>
#include "../goalloc/malloc.h"

/* Run @fn(@arg) in process context on @cpu, and return what it returns. */
#define run_on_cpu(cpu, fn, arg)	work_on_cpu(cpu, fn, arg)

static inline struct mspan *span_of(const void *p)
{
	return mheap_span_of((unsigned long)p);
}

static inline struct goalloc_stats stats_now(void)
{
	struct goalloc_stats st;

	goalloc_get_stats(&st);
	return st;
}

/*
 * One statistic now, stat_now(heap_sys): a whole struct goalloc_stats on
 * the caller's stack per look makes large frames under KASAN.
 */
static noinline __maybe_unused u64 stat_at(size_t offset)
{
	struct goalloc_stats st;

	goalloc_get_stats(&st);
	return *(u64 *)((char *)&st + offset);
}
#define stat_now(field)	stat_at(offsetof(struct goalloc_stats, field))

static inline u64 class_live(unsigned int cls)
{
	struct goalloc_class_stats cs;

	goalloc_get_class_stats(cls, &cs);
	return cs.live;
}

static inline unsigned long cpu_stat_sum(enum cpu_stat item)
{
	unsigned long v = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		v += READ_ONCE(mcache_of(cpu)->stat[item]);
	return v;
}

/* Fill @p with a pattern derived from @seed; check it.  Returns bad bytes. */
static inline void fill_pattern(void *p, size_t n, u8 seed)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = seed + i * 7;
}

static inline size_t check_pattern(const void *p, size_t n, u8 seed)
{
	const u8 *b = p;
	size_t i, bad = 0;

	for (i = 0; i < n; i++)
		bad += b[i] != (u8)(seed + i * 7);
	return bad;
}

/*
 * Reports in the scope of these are provoked on purpose: vm-run.sh skips
 * the console lines between the two markers, and the user-space platform
 * does not count the warnings in between (test_expect_reports()).
 */
#ifndef test_expect_reports
static inline void test_expect_reports(int delta)
{
}
#endif

static inline void expect_reports_begin(void)
{
	pr_info("goalloc-test: expecting a goalloc report\n");
	test_expect_reports(1);
}

static inline void expect_reports_end(void)
{
	test_expect_reports(-1);
	pr_info("goalloc-test: end of expected goalloc report\n");
}

#endif
