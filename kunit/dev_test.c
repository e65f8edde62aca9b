// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-dev: the handle table behind /dev/goalloc (the ioctl layer around
 * it is tested from user space by tools/goalloc_test).
 */
#include <uapi/goalloc.h>
#include "../goalloc_mod.h"
#include "goalloc_test.h"

static struct goalloc_file *open_file(struct kunit *test)
{
	struct goalloc_file *f = goalloc_file_open();

	KUNIT_ASSERT_NOT_NULL(test, f);
	return f;
}

/* Handles are small ids from 1, never the objects' addresses. */
static void handles_are_ids_not_addresses(struct kunit *test)
{
	struct goalloc_file *f = open_file(test);
	u64 h[3], usable;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h); i++) {
		KUNIT_ASSERT_EQ(test, goalloc_file_alloc(f, 100 + i, 0, &h[i], &usable), 0);
		KUNIT_EXPECT_EQ(test, h[i], (u64)i + 1);
		KUNIT_EXPECT_GE(test, usable, 100ULL + i);
	}
	KUNIT_ASSERT_EQ(test, goalloc_file_alloc(f, 5, GOALLOC_F_NOSCAN, &h[0], &usable), 0);
	KUNIT_EXPECT_EQ(test, usable, 5ULL);
	KUNIT_EXPECT_LT(test, h[0], 1ULL << 32);
	goalloc_file_close(f);
}

static void unknown_and_freed_handles_are_enoent(struct kunit *test)
{
	struct goalloc_file *f = open_file(test);
	u64 h, usable;

	KUNIT_EXPECT_EQ(test, goalloc_file_free(f, 1), -ENOENT);
	KUNIT_ASSERT_EQ(test, goalloc_file_alloc(f, 64, 0, &h, &usable), 0);
	KUNIT_EXPECT_EQ(test, goalloc_file_free(f, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, goalloc_file_free(f, h + 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, goalloc_file_free(f, h | 1ULL << 40), -ENOENT);
	KUNIT_EXPECT_EQ(test, goalloc_file_free(f, h), 0);
	KUNIT_EXPECT_EQ(test, goalloc_file_free(f, h), -ENOENT);
	goalloc_file_close(f);
}

static void bad_sizes_and_flags_are_einval(struct kunit *test)
{
	struct goalloc_file *f = open_file(test);
	u64 live = stats_now().heap_objects, h, usable;

	KUNIT_EXPECT_EQ(test, goalloc_file_alloc(f, 0, 0, &h, &usable), -EINVAL);
	KUNIT_EXPECT_EQ(test, goalloc_file_alloc(f, GOALLOC_MAX_SIZE + 1, 0, &h, &usable), -EINVAL);
	KUNIT_EXPECT_EQ(test, goalloc_file_alloc(f, U64_MAX, 0, &h, &usable), -EINVAL);
	KUNIT_EXPECT_EQ(test, goalloc_file_alloc(f, 8, 1U << 9, &h, &usable), -EINVAL);
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live);
	goalloc_file_close(f);
}

static void close_frees_every_object(struct kunit *test)
{
	struct goalloc_file *f = open_file(test);
	u64 live = stats_now().heap_objects, h, usable;
	unsigned int i;

	for (i = 0; i < 300; i++)
		KUNIT_ASSERT_EQ(test, goalloc_file_alloc(f, 1 + i * 97, i & 1 ? GOALLOC_F_NOSCAN : 0,
							 &h, &usable), 0);
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live + 300);
	goalloc_file_close(f);
	KUNIT_EXPECT_EQ(test, stats_now().heap_objects, live);
}

static struct kunit_case dev_cases[] = {
	KUNIT_CASE(handles_are_ids_not_addresses),
	KUNIT_CASE(unknown_and_freed_handles_are_enoent),
	KUNIT_CASE(bad_sizes_and_flags_are_einval),
	KUNIT_CASE(close_frees_every_object),
	{}
};

static struct kunit_suite dev_suite = {
	.name = "goalloc-dev",
	.test_cases = dev_cases,
};

kunit_test_suites(&dev_suite);
