// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-kasan: KASAN sees goalloc's objects, not just its pages.  Each
 * case makes a bad access on purpose and expects KASAN to report it.
 *
 * A module of its own, loaded last (scripts/vm/kunit.sh): a KASAN report
 * taints the kernel, which turns lockdep off for the rest of the boot.  The
 * console lines between the "expecting" and "end of expected" markers are
 * the expected report, which scripts/vm-run.sh does not count as a splat;
 * boot with kasan_multi_shot so that every case gets its report.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <goalloc.h>

/*
 * Whether KASAN reported a bad access in @fn(@p).  KASAN fails the KUnit
 * test running in the current task when it reports (outside its own
 * suite), so @fn runs under a stand-in test whose status tells.
 */
static bool kasan_reports(void (*fn)(u8 *p), u8 *p)
{
	struct kunit *saved = current->kunit_test;
	struct kunit stand_in = { .status = KUNIT_SUCCESS };

	pr_info("goalloc-kasan: expecting a KASAN report\n");
	current->kunit_test = &stand_in;
	fn(p);
	current->kunit_test = saved;
	pr_info("goalloc-kasan: end of expected KASAN report\n");
	return READ_ONCE(stand_in.status) == KUNIT_FAILURE;
}

static u8 sink;

static void read_byte(u8 *p)
{
	WRITE_ONCE(sink, READ_ONCE(*p));
}

static void write_byte(u8 *p)
{
	WRITE_ONCE(*p, 1);
}

static void read_past_requested_size_reported(struct kunit *test)
{
	u8 *p = goalloc_alloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_FALSE(test, kasan_reports(read_byte, p + 99));
	KUNIT_EXPECT_TRUE(test, kasan_reports(read_byte, p + 100));	/* same granule */
	KUNIT_EXPECT_TRUE(test, kasan_reports(write_byte, p + 104));	/* rest of the slot */
	goalloc_free(p);
}

static void use_after_free_reported(struct kunit *test)
{
	u8 *p = goalloc_alloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_free(p);
	KUNIT_EXPECT_TRUE(test, kasan_reports(read_byte, p));
}

static void large_object_past_end_and_after_free_reported(struct kunit *test)
{
	u8 *p = goalloc_alloc(40000, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_FALSE(test, kasan_reports(write_byte, p + 39999));
	KUNIT_EXPECT_TRUE(test, kasan_reports(read_byte, p + 40000));
	goalloc_free(p);
	KUNIT_EXPECT_TRUE(test, kasan_reports(read_byte, p + 8192));
}

/* goalloc_usable_size() makes the whole slot usable, as ksize() does. */
static void usable_size_is_usable(struct kunit *test)
{
	u8 *p = goalloc_alloc(100, GFP_KERNEL);
	size_t n;

	KUNIT_ASSERT_NOT_NULL(test, p);
	n = goalloc_usable_size(p);
	KUNIT_EXPECT_EQ(test, n, 112UL);
	KUNIT_EXPECT_FALSE(test, kasan_reports(write_byte, p + n - 1));
	/* and realloc within the slot marks the new end */
	KUNIT_EXPECT_PTR_EQ(test, goalloc_realloc(p, 50, GFP_KERNEL), (void *)p);
	KUNIT_EXPECT_TRUE(test, kasan_reports(read_byte, p + 50));
	goalloc_free(p);
}

/* A tiny block is checked as a whole: once all its objects are freed. */
static void freed_tiny_block_reported(struct kunit *test)
{
	u8 *p = goalloc_alloc_noscan(8, GFP_KERNEL);
	u8 *filler[2];

	KUNIT_ASSERT_NOT_NULL(test, p);
	/* move this CPU's tiny allocator on to another block */
	filler[0] = goalloc_alloc_noscan(8, GFP_KERNEL);
	filler[1] = goalloc_alloc_noscan(8, GFP_KERNEL);
	goalloc_free(filler[0]);
	goalloc_free(filler[1]);
	goalloc_flush();		/* retires every CPU's tiny block */
	KUNIT_EXPECT_FALSE(test, kasan_reports(read_byte, p));
	goalloc_free(p);
	KUNIT_EXPECT_TRUE(test, kasan_reports(read_byte, p));
}

static struct kunit_case kasan_cases[] = {
	KUNIT_CASE(read_past_requested_size_reported),
	KUNIT_CASE(use_after_free_reported),
	KUNIT_CASE(large_object_past_end_and_after_free_reported),
	KUNIT_CASE(usable_size_is_usable),
	KUNIT_CASE(freed_tiny_block_reported),
	{}
};

static struct kunit_suite kasan_suite = {
	.name = "goalloc-kasan",
	.test_cases = kasan_cases,
};

kunit_test_suites(&kasan_suite);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goalloc: KASAN sees goalloc's objects");
