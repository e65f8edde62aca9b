// SPDX-License-Identifier: GPL-2.0
/*
 * Size classes.  See malloc.c for the overview.
 *
 * The table is Go's (src/internal/runtime/gc/sizeclasses.go, reproduced in
 * kunit/go_sizeclasses.csv, which the goalloc-sizeclasses KUnit suite
 * checks it against), listed once in include/goalloc.h as
 * GOALLOC_SIZE_CLASSES(), where goalloc_alloc() folds constant sizes to
 * their class.  size_to_class8/128 are built from it at load, the way
 * Go's mksizeclasses.go builds them at generation time.
 */
#include "malloc.h"

#define CLASS_SIZE(size, npages)	size,
#define CLASS_NPAGES(size, npages)	npages,
#define CLASS_NELEMS(size, npages)	(npages) * GO_PAGE_SIZE / (size),

/* Object size of each class; class 0 is "large". */
const u16 class_to_size[SIZE_CLASS_MASK + 1] = { 0, GOALLOC_SIZE_CLASSES(CLASS_SIZE) };
EXPORT_SYMBOL_IF_KUNIT(class_to_size);
static_assert(ARRAY_SIZE(((u16[]){ GOALLOC_SIZE_CLASSES(CLASS_SIZE) })) == NUM_SIZE_CLASSES - 1);

/* Go pages per span of each class. */
const u8 class_to_allocnpages[NUM_SIZE_CLASSES] = { 0, GOALLOC_SIZE_CLASSES(CLASS_NPAGES) };
EXPORT_SYMBOL_IF_KUNIT(class_to_allocnpages);

/* Objects a CPU's stack holds: OBJSTACK_BYTES of them, within bounds. */
#define OBJSTACK_CAP(size)	(OBJSTACK_BYTES / (size) < OBJSTACK_MIN ? OBJSTACK_MIN :	\
				 OBJSTACK_BYTES / (size) > OBJSTACK_MAX ? OBJSTACK_MAX :	\
				 OBJSTACK_BYTES / (size))
#define CLASS_OBJSTACK_CAP(size, npages)	OBJSTACK_CAP(size),
/* class 0 (no size, never used) gets the least */
const u16 class_to_objstack_cap[NUM_SIZE_CLASSES] = {
	OBJSTACK_MIN, GOALLOC_SIZE_CLASSES(CLASS_OBJSTACK_CAP)
};
EXPORT_SYMBOL_IF_KUNIT(class_to_objstack_cap);

/* Objects per span of each class. */
const u16 class_to_nelems[NUM_SIZE_CLASSES] = { 0, GOALLOC_SIZE_CLASSES(CLASS_NELEMS) };
EXPORT_SYMBOL_IF_KUNIT(class_to_nelems);

u32 class_to_divmagic[NUM_SIZE_CLASSES] __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(class_to_divmagic);
u64 class_to_divinv[NUM_SIZE_CLASSES] __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(class_to_divinv);
u8 class_to_divshift[NUM_SIZE_CLASSES] __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(class_to_divshift);
u8 size_to_class8[SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1] __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(size_to_class8);
u8 size_to_class128[(MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1] __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(size_to_class128);

/* Build the lookup tables: the smallest class that holds each size step. */
void sizeclasses_init(void)
{
	unsigned int c, i;

	for (c = 1; c < NUM_SIZE_CLASSES; c++) {
		u64 odd = class_to_size[c] >> __ffs(class_to_size[c]), inv = odd;

		class_to_divmagic[c] = U32_MAX / class_to_size[c] + 1;
		/* Newton's iteration doubles the bits right: 3, then 6 ... 96 */
		for (i = 0; i < 5; i++)
			inv *= 2 - odd * inv;
		class_to_divinv[c] = inv;
		class_to_divshift[c] = __ffs(class_to_size[c]);
	}

	c = 1;
	for (i = 0; i < ARRAY_SIZE(size_to_class8); i++) {
		while (class_to_size[c] < i * SMALL_SIZE_DIV)
			c++;
		size_to_class8[i] = c;
	}
	for (i = 0; i < ARRAY_SIZE(size_to_class128); i++) {
		while (class_to_size[c] < SMALL_SIZE_MAX + i * LARGE_SIZE_DIV)
			c++;
		size_to_class128[i] = c;
	}
}
