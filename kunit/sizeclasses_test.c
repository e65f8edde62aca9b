// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc-sizeclasses: goalloc's class table and size->class lookup against
 * Go's table (kunit/go_sizeclasses.csv, turned into a C fixture at build).
 */
#include "goalloc_test.h"

struct go_row {
	u32 cls, size, span_bytes, objects;
};

static const struct go_row go_table[] = {
#include "go_sizeclasses_fixture.h"
};

static void class_table_is_gos(struct kunit *test)
{
	unsigned int c;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(go_table), NUM_SIZE_CLASSES);
	for (c = 1; c < NUM_SIZE_CLASSES; c++) {
		KUNIT_EXPECT_EQ_MSG(test, go_table[c].cls, c, "row %u", c);
		KUNIT_EXPECT_EQ_MSG(test, class_to_size[c], go_table[c].size, "class %u", c);
		KUNIT_EXPECT_EQ_MSG(test, class_to_allocnpages[c] * GO_PAGE_SIZE,
				    go_table[c].span_bytes, "class %u", c);
		KUNIT_EXPECT_EQ_MSG(test, class_to_nelems[c], go_table[c].objects, "class %u", c);
	}
}

/*
 * Every size 1..32768 maps to the smallest Go class that holds it, through
 * the tables and through include/goalloc.h's goalloc_size_class().
 */
static void size_to_class_every_small_size(struct kunit *test)
{
	unsigned int size, want = 1;

	for (size = 1; size <= MAX_SMALL_SIZE; size++) {
		while (go_table[want].size < size)
			want++;
		KUNIT_ASSERT_EQ_MSG(test, size_to_class(size), want, "size %u", size);
		KUNIT_ASSERT_EQ_MSG(test, goalloc_size_class(size), want, "size %u", size);
	}
}

/* The multiply-shift index is exact for every object of every class. */
static void object_index_exact_in_every_class(struct kunit *test)
{
	struct mspan *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int c, i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->base = 0x100000;
	for (c = 1; c < NUM_SIZE_CLASSES; c++) {
		s->elemsize = class_to_size[c];
		s->divmagic = class_to_divmagic[c];
		KUNIT_EXPECT_LE(test, class_to_nelems[c] * class_to_size[c],
				class_to_allocnpages[c] * GO_PAGE_SIZE);
		KUNIT_EXPECT_LE(test, class_to_nelems[c], MAX_OBJS_PER_SPAN);
		for (i = 0; i < class_to_nelems[c]; i++) {
			unsigned long a = mspan_obj_addr(s, i);

			KUNIT_ASSERT_EQ_MSG(test, mspan_obj_index(s, a), i, "class %u", c);
			/* the last byte of the object maps to it too */
			KUNIT_ASSERT_EQ_MSG(test, mspan_obj_index(s, a + s->elemsize - 1), i,
					    "class %u", c);
		}
	}
}

/*
 * The multiply-rotate test finds every object start of every class, with
 * its index, and nothing else: not a byte inside an object, not the end of
 * the span, not an address below it.
 */
static void object_start_exact_in_every_class(struct kunit *test)
{
	struct mspan *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int c, idx;
	long off;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->base = 0x100000;
	for (c = 1; c < NUM_SIZE_CLASSES; c++) {
		unsigned long span = class_to_allocnpages[c] * GO_PAGE_SIZE;

		s->elemsize = class_to_size[c];
		s->nelems = class_to_nelems[c];
		s->divinv = class_to_divinv[c];
		s->divshift = class_to_divshift[c];
		for (off = -(long)s->elemsize; off < (long)span + s->elemsize; off++) {
			bool start = off >= 0 && off % s->elemsize == 0 &&
				     off / s->elemsize < s->nelems;

			KUNIT_ASSERT_EQ_MSG(test, mspan_obj_start(s, s->base + off, &idx), start,
					    "class %u offset %ld", c, off);
			if (start)
				KUNIT_ASSERT_EQ_MSG(test, idx, off / s->elemsize, "class %u", c);
		}
		/* far away, both ways */
		KUNIT_ASSERT_FALSE(test, mspan_obj_start(s, s->base - 64 * s->elemsize, &idx));
		KUNIT_ASSERT_FALSE(test, mspan_obj_start(s, s->base + 4096 * s->elemsize, &idx));
	}
}

static struct kunit_case sizeclasses_cases[] = {
	KUNIT_CASE(class_table_is_gos),
	KUNIT_CASE(size_to_class_every_small_size),
	KUNIT_CASE(object_index_exact_in_every_class),
	KUNIT_CASE(object_start_exact_in_every_class),
	{}
};

static struct kunit_suite sizeclasses_suite = {
	.name = "goalloc-sizeclasses",
	.test_cases = sizeclasses_cases,
};

kunit_test_suites(&sizeclasses_suite);
