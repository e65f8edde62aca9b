/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The platform under the core: the kernel.  See malloc.c for the overview.
 *
 * The core (goalloc/) is written against a small subset of the kernel API:
 * lists, rbtrees, bitops, atomics, spinlocks, local locks, per-CPU
 * variables, WARN_ONCE, GFP flags.  Everything below that, which only the
 * kernel has (struct page, the buddy allocator, kmemleak, init_on_alloc,
 * CPU hotplug, workqueues), is reached through the platform_* calls here.
 *
 * tools/testing/goalloc builds the same core sources in user space: its own
 * platform.h, force-included with -include, defines GOALLOC_PLATFORM_H and
 * provides that subset and the platform_* calls over mmap and pthreads, so
 * this file is then skipped.
 */
#ifndef GOALLOC_PLATFORM_H
#define GOALLOC_PLATFORM_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/local_lock.h>
#include <linux/percpu.h>
#include <linux/bitops.h>
#include <linux/atomic.h>
#include <asm/local.h>
#include <linux/cache.h>
#include <linux/gfp.h>
#include <linux/bug.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/kmemleak.h>
#include <linux/vmstat.h>
#include <linux/string.h>
#include <linux/export.h>
#include <linux/jump_label.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/math64.h>
#include <kunit/visibility.h>
#include "trace.h"

/* Whether the core checks its invariants as it goes (mcentral_check()). */
#define PLATFORM_CHECK_INVARIANTS	(IS_ENABLED(CONFIG_KASAN) || IS_ENABLED(CONFIG_DEBUG_VM))

/* === Pages === */

/*
 * 2^@order contiguous pages from the buddy allocator, on @node if it has
 * memory (else the nearest that does): their address, or 0.
 */
static inline unsigned long platform_alloc_pages(int node, gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages_node(node, gfp, order);

	return page ? (unsigned long)page_address(page) : 0;
}

/* The NUMA node of the memory at @addr (a page platform_alloc_pages() gave). */
static inline int platform_page_node(unsigned long addr)
{
	return page_to_nid(virt_to_page((void *)addr));
}

static inline void platform_free_pages(unsigned long addr, unsigned int order)
{
	free_pages(addr, order);
}

/* Make the order-@order block at @addr single pages, each freed alone. */
static inline void platform_split_pages(unsigned long addr, unsigned int order)
{
	split_page(virt_to_page((void *)addr), order);
}

/* Free @nr pages from @addr of a block platform_split_pages() split. */
static inline void platform_free_page_range(unsigned long addr, unsigned long nr)
{
	free_pages_exact((void *)addr, nr << PAGE_SHIFT);
}

/*
 * @pages pages from @addr on became idle memory goalloc can give back at
 * once (negative: no longer): /proc/meminfo counts them in KReclaimable,
 * as it counts other kernel caches the shrinkers empty.
 */
static inline void platform_reclaimable(unsigned long addr, long pages)
{
	mod_node_page_state(page_pgdat(virt_to_page((void *)addr)), NR_KERNEL_MISC_RECLAIMABLE,
			    pages);
}

/*
 * The index of @addr's piece of the direct map, of 2^@shift bytes each:
 * goalloc's memory all lies in the direct map, which starts aligned to
 * 1 GiB at least, and a pointer outside it (user, vmalloc, module or
 * kernel image address) has an index past all of it.
 */
static __always_inline unsigned long platform_arena_index(unsigned long addr, unsigned int shift)
{
	return (addr - PAGE_OFFSET) >> shift;
}

/* The pieces of 2^@shift bytes the direct map has now (hotplug adds more). */
static inline unsigned long platform_arena_count(unsigned int shift)
{
	return DIV_ROUND_UP((unsigned long)high_memory - PAGE_OFFSET, 1UL << shift);
}

/*
 * === KASAN (generic) ===
 *
 * Pages from the buddy allocator are all accessible to KASAN; goalloc marks
 * its objects itself, as SLUB does: an allocated object's bytes accessible,
 * the rest of its slot a red zone, a free slot freed memory.  It writes the
 * shadow bytes itself, one per 8-byte granule, as mm/kasan does (with the
 * uninstrumented __memset); the granule holding an object's end says how
 * many of its bytes are the object's.  @p and @room are granule-aligned:
 * slots, spans and tiny blocks, never tiny objects.
 */
#ifdef CONFIG_KASAN_GENERIC
#include <linux/kasan.h>
#define GOALLOC_KASAN_GRANULE	(1UL << KASAN_SHADOW_SCALE_SHIFT)
#define GOALLOC_KASAN_FREE	0xFB	/* KASAN_SLAB_FREE: "slab-use-after-free" */
#define GOALLOC_KASAN_REDZONE	0xFC	/* KASAN_SLAB_REDZONE: "slab-out-of-bounds" */

static inline void platform_kasan_shadow(void *p, size_t size, u8 value)
{
	__memset(kasan_mem_to_shadow(p), value, size / GOALLOC_KASAN_GRANULE);
}

/* The first @size of the @room bytes at @p accessible, the rest a red zone. */
static inline void platform_kasan_alloc(void *p, size_t size, size_t room)
{
	size_t full = round_down(size, GOALLOC_KASAN_GRANULE);

	platform_kasan_shadow(p, full, 0);
	if (size > full)
		*(u8 *)kasan_mem_to_shadow(p + full) = size - full;
	size = round_up(size, GOALLOC_KASAN_GRANULE);
	if (room > size)
		platform_kasan_shadow(p + size, room - size, GOALLOC_KASAN_REDZONE);
}

/* The @room bytes at @p are free memory. */
static inline void platform_kasan_free(void *p, size_t room)
{
	platform_kasan_shadow(p, room, GOALLOC_KASAN_FREE);
}
#else
static inline void platform_kasan_alloc(void *p, size_t size, size_t room) { }
static inline void platform_kasan_free(void *p, size_t room) { }
#endif

/*
 * === Debug mode's own bytes ===
 *
 * Red zones, poison and tracks (debug.c) are red zones or freed memory to
 * KASAN: debug mode reads and writes them with the uninstrumented string
 * functions.  Call sites are kept in the stack depot.
 */
static inline void platform_debug_fill(void *p, int c, size_t n)
{
	__memset(p, c, n);
}

static inline void platform_debug_copy(void *dst, const void *src, size_t n)
{
	__memcpy(dst, src, n);
}

void platform_stack_init(void);
u32 platform_stack_save(void);		/* this stack's handle, or 0 */
void platform_stack_print(u32 handle);
unsigned int platform_stack_fetch(u32 handle, unsigned long **entries);

static inline u32 platform_random_u32(void)
{
	return get_random_u32();
}

/* === CPUs === */

/*
 * Run @fn on every online CPU, in process context there, and wait; then
 * run @offline(cpu) on this CPU for every possible CPU that is offline
 * (@offline may be NULL).  CPUs stay as they are meanwhile.  May sleep.
 */
void platform_each_cpu(void (*fn)(void), void (*offline)(unsigned int cpu));

/* Call @dead(cpu) after a CPU went offline.  Returns 0 or an errno. */
int platform_cpu_dead_register(int (*dead)(unsigned int cpu));
void platform_cpu_dead_unregister(void);

#endif /* GOALLOC_PLATFORM_H */
