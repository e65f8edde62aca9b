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
 * @refills: mcache refills since load.
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

void *goalloc_alloc(size_t size, gfp_t flags) __alloc_size(1) __must_check;
void *goalloc_alloc_noscan(size_t size, gfp_t flags) __alloc_size(1) __must_check;
void *goalloc_zalloc(size_t size, gfp_t flags) __alloc_size(1) __must_check;
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
