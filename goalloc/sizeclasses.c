// SPDX-License-Identifier: GPL-2.0
/*
 * Size classes.  See malloc.c for the overview.
 *
 * The table is Go's (src/internal/runtime/gc/sizeclasses.go, reproduced in
 * kunit/go_sizeclasses.csv, which the goalloc-sizeclasses KUnit suite
 * checks it against).  size_to_class8/128 are built from it at load, the way
 * Go's mksizeclasses.go builds them at generation time.
 */
#include "malloc.h"

/* Object size of each class; class 0 is "large". */
const u16 class_to_size[NUM_SIZE_CLASSES] = {
	0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208,
	224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704,
	768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072,
	3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
	10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760,
	24576, 27264, 28672, 32768
};
EXPORT_SYMBOL_IF_KUNIT(class_to_size);

/* Go pages per span of each class. */
const u8 class_to_allocnpages[NUM_SIZE_CLASSES] = {
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 1, 3, 2, 3, 1, 3, 2, 3,
	4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4
};
EXPORT_SYMBOL_IF_KUNIT(class_to_allocnpages);

/* Objects per span of each class. */
const u16 class_to_nelems[NUM_SIZE_CLASSES] = {
	0, 1024, 512, 341, 256, 170, 128, 102, 85, 73, 64, 56, 51, 46, 42, 39,
	36, 34, 32, 28, 25, 23, 21, 19, 18, 17, 16, 14, 12, 11, 10, 9, 8, 7, 6,
	11, 5, 9, 4, 7, 3, 8, 5, 7, 2, 5, 3, 4, 5, 6, 7, 1, 6, 5, 4, 3, 2, 3,
	4, 1, 4, 3, 2, 3, 1, 3, 2, 1
};
EXPORT_SYMBOL_IF_KUNIT(class_to_nelems);

u32 class_to_divmagic[NUM_SIZE_CLASSES] __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(class_to_divmagic);
u8 size_to_class8[SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1] __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(size_to_class8);
u8 size_to_class128[(MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1] __ro_after_init;
EXPORT_SYMBOL_IF_KUNIT(size_to_class128);

/* Build the lookup tables: the smallest class that holds each size step. */
void sizeclasses_init(void)
{
	unsigned int c, i;

	for (c = 1; c < NUM_SIZE_CLASSES; c++)
		class_to_divmagic[c] = U32_MAX / class_to_size[c] + 1;

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
