/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc: the Go runtime's memory allocator as a kernel object allocator.
 *
 * The API mirrors kmalloc's.  Objects up to 32 KiB come from Go's size
 * classes, larger ones (up to GOALLOC_MAX_SIZE) are runs of whole pages.
 * Every function may be called from any context the GFP flags allow
 * (GFP_ATOMIC from hard-irq context included); frees may come from any CPU.
 *
 * __GFP_ACCOUNT is ignored: goalloc's spans are shared by every caller, so
 * no object is charged to a memory cgroup (bound goalloc with its
 * memory_limit module parameter instead).
 */
#ifndef _GOALLOC_H
#define _GOALLOC_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/slab.h>

/* Largest object goalloc serves: 4 MiB, as kmalloc on x86-64. */
#define GOALLOC_MAX_SIZE	(4UL << 20)

/* Size classes, as in Go: class 0 stands for large objects. */
#define GOALLOC_NUM_CLASSES	68

/* Largest object of a size class; larger ones are runs of whole pages. */
#define GOALLOC_MAX_SMALL_SIZE	32768

/*
 * GOALLOC_SIZE_CLASSES(X) - Go's size classes 1..67 in order, as
 * X(object size, 8 KiB pages per span): the table of Go's sizeclasses.go,
 * from which goalloc builds its own.
 */
#define GOALLOC_SIZE_CLASSES(X) \
	X(8, 1) X(16, 1) X(24, 1) X(32, 1) X(48, 1) X(64, 1) X(80, 1) X(96, 1) X(112, 1) \
	X(128, 1) X(144, 1) X(160, 1) X(176, 1) X(192, 1) X(208, 1) X(224, 1) X(240, 1) \
	X(256, 1) X(288, 1) X(320, 1) X(352, 1) X(384, 1) X(416, 1) X(448, 1) X(480, 1) \
	X(512, 1) X(576, 1) X(640, 1) X(704, 1) X(768, 1) X(896, 1) X(1024, 1) X(1152, 1) \
	X(1280, 1) X(1408, 2) X(1536, 1) X(1792, 2) X(2048, 1) X(2304, 2) X(2688, 1) \
	X(3072, 3) X(3200, 2) X(3456, 3) X(4096, 1) X(4864, 3) X(5376, 2) X(6144, 3) \
	X(6528, 4) X(6784, 5) X(6912, 6) X(8192, 1) X(9472, 7) X(9728, 6) X(10240, 5) \
	X(10880, 4) X(12288, 3) X(13568, 5) X(14336, 7) X(16384, 2) X(18432, 9) X(19072, 7) \
	X(20480, 5) X(21760, 8) X(24576, 3) X(27264, 10) X(28672, 7) X(32768, 4)

#define GOALLOC_CLASS_BELOW(csize, npages)	+ ((csize) < size)

/**
 * goalloc_size_class() - the size class of a small size.
 * @size: bytes, 1 to GOALLOC_MAX_SMALL_SIZE.
 *
 * The smallest class whose objects hold @size bytes: one plus the number of
 * classes too small.  For a constant @size the compiler folds it to a
 * constant, as kmalloc_index() does; goalloc_alloc() relies on that.
 *
 * Context: any.
 * Return: the class, 1 to GOALLOC_NUM_CLASSES - 1.
 */
static __always_inline unsigned int goalloc_size_class(size_t size)
{
	return 1 GOALLOC_SIZE_CLASSES(GOALLOC_CLASS_BELOW);
}

#include "uapi/goalloc.h"

#define GOALLOC_STATS_MEMBER(name, desc)	u64 name;

/*
 * struct goalloc_stats - a snapshot of the allocator, Go's MemStats: one
 * u64 per statistic of GOALLOC_STATS() (include/uapi/goalloc.h), where
 * each is described, in that order.
 */
struct goalloc_stats {
	GOALLOC_STATS(GOALLOC_STATS_MEMBER)
};

/**
 * struct goalloc_class_stats - one size class (both span classes).
 * @size: object size in bytes.
 * @span_bytes: bytes per span.
 * @objects: objects per span.
 * @live: live objects.
 * @partial: spans with some free objects (or all).
 * @full: spans with no free object.
 * @cached: free objects waiting in CPU and transfer caches.
 * @allocs: allocations since load.
 * @frees: frees since load.
 * @refills: calls for objects from the class's mcentrals since load.
 */
struct goalloc_class_stats {
	u32 size;
	u32 span_bytes;
	u32 objects;
	u32 partial;
	u32 full;
	u32 cached;
	u64 live;
	u64 allocs;
	u64 frees;
	u64 refills;
};

void *__goalloc_alloc(size_t size, gfp_t flags) __alloc_size(1) __must_check;
void *__goalloc_alloc_class(size_t size, gfp_t flags, unsigned int sizeclass) __alloc_size(1)
	__must_check;
void *goalloc_alloc_noscan(size_t size, gfp_t flags) __alloc_size(1) __must_check;
void *goalloc_alloc_node(size_t size, gfp_t flags, int node) __alloc_size(1) __must_check;
void *goalloc_realloc(const void *p, size_t new_size, gfp_t flags) __realloc_size(2)
	__must_check;
void goalloc_free(const void *p);
size_t goalloc_usable_size(const void *p);
size_t goalloc_size_roundup(size_t size);
int goalloc_alloc_bulk(size_t size, gfp_t flags, size_t nr, void **p) __must_check;
void goalloc_free_bulk(size_t nr, void **p);
void goalloc_get_stats(struct goalloc_stats *st);
int goalloc_get_class_stats(unsigned int sizeclass, struct goalloc_class_stats *cs);
void goalloc_flush(void);

/**
 * goalloc_alloc() - allocate an object, like kmalloc().
 * @size: bytes wanted; 0 returns ZERO_SIZE_PTR.
 * @flags: GFP flags: __GFP_ZERO zeroes, GFP_ATOMIC never sleeps.
 *
 * The object is at least 8-byte aligned, and naturally aligned when @size
 * is a power of two.  Objects over 32 KiB are runs of whole pages.  A
 * small @size known at compile time is resolved to its size class here,
 * so the allocator does not look it up (as kmalloc() does).
 *
 * Context: any context the GFP flags allow: GFP_ATOMIC (never sleeps) in
 * hard-irq context included; may sleep if @flags allow.
 * Return: the object, or NULL if memory ran out or @size exceeds
 * GOALLOC_MAX_SIZE.
 */
static __always_inline __alloc_size(1) __must_check void *goalloc_alloc(size_t size, gfp_t flags)
{
	if (__builtin_constant_p(size) && size && size <= GOALLOC_MAX_SMALL_SIZE)
		return __goalloc_alloc_class(size, flags, goalloc_size_class(size));
	return __goalloc_alloc(size, flags);
}

/**
 * goalloc_zalloc() - allocate a zeroed object, like kzalloc().
 * @size: bytes wanted.
 * @flags: GFP flags, as for goalloc_alloc().
 *
 * Context: as goalloc_alloc().
 * Return: the object, zeroed, or NULL.
 */
static __always_inline __alloc_size(1) __must_check void *goalloc_zalloc(size_t size, gfp_t flags)
{
	return goalloc_alloc(size, flags | __GFP_ZERO);
}

/**
 * goalloc_alloc_array() - allocate an array, like kmalloc_array().
 * @n: number of elements.
 * @size: bytes per element.
 * @flags: GFP flags, as for goalloc_alloc().
 *
 * Context: as goalloc_alloc().
 * Return: the array, or NULL if @n * @size overflows or memory ran out.
 */
static inline __alloc_size(1, 2) __must_check void *goalloc_alloc_array(size_t n, size_t size,
									gfp_t flags)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return goalloc_alloc(bytes, flags);
}

/**
 * goalloc_calloc() - allocate a zeroed array, like kcalloc().
 * @n: number of elements.
 * @size: bytes per element.
 * @flags: GFP flags, as for goalloc_alloc().
 *
 * Context: as goalloc_alloc().
 * Return: the zeroed array, or NULL if @n * @size overflows or memory ran out.
 */
static inline __alloc_size(1, 2) __must_check void *goalloc_calloc(size_t n, size_t size,
								   gfp_t flags)
{
	return goalloc_alloc_array(n, size, flags | __GFP_ZERO);
}

#ifdef DEFINE_FREE	/* linux/cleanup.h, which slab.h includes where it exists */
/* void *p __free(goalloc) = goalloc_alloc(...): freed when p goes out of scope. */
DEFINE_FREE(goalloc, void *, if (!IS_ERR_OR_NULL(_T)) goalloc_free(_T))
#endif

#endif /* _GOALLOC_H */
