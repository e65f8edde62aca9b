/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc private types.  See malloc.c for the overview and the lock order.
 *
 * Every type of the core, its size and its invariant, in one place (the
 * sizes are checked by static_assert where each type is defined):
 *
 *   struct mspan      384 B   a run of Go pages: one span class, or free.
 *                             nelems == nfree + live objects (live bytes)
 *                                       + objects in CPU and transfer caches
 *                             (mspan_invalid() checks the span's part)
 *   struct mchunk     40 B    one buddy allocation (Go's arena); spans[]
 *                             after it maps each Go page to its mspan
 *                             (8 B a page: 4 KiB for a 4 MiB chunk).
 *   struct mcache     < 4 KiB per CPU: a stack of free objects per span
 *                             class, the tiny block, counters; the
 *                             stacks' entries (struct objref, 16 B
 *                             each) in memory of their own.
 *   struct mcentral   128 B   per NUMA node and span class, cache-line
 *                             aligned (two lines without lock debugging):
 *                             partial, full and empty span lists of the
 *                             node's spans and a transfer cache of its free
 *                             objects, under one lock.
 *   struct mheap      one     chunks, and per node its free runs by length
 *                             (struct mheap_node).
 */
#ifndef GOALLOC_MALLOC_H
#define GOALLOC_MALLOC_H

#include "platform.h"

#include "../include/goalloc.h"

/* === Constants (Go's names in brackets) === */

#define GO_PAGE_SHIFT		13			/* [_PageShift] */
#define GO_PAGE_SIZE		(1UL << GO_PAGE_SHIFT)	/* 8 KiB logical page */
#define GO_PAGE_ORDER		(GO_PAGE_SHIFT - PAGE_SHIFT)
#define NUM_SIZE_CLASSES	68			/* [_NumSizeClasses] */
#define NUM_SPAN_CLASSES	(NUM_SIZE_CLASSES << 1)	/* [numSpanClasses] */
#define MAX_SMALL_SIZE		32768			/* [_MaxSmallSize] */
#define SMALL_SIZE_DIV		8			/* [smallSizeDiv] */
#define SMALL_SIZE_MAX		1024			/* [smallSizeMax] */
#define LARGE_SIZE_DIV		128			/* [largeSizeDiv] */
#define MAX_OBJS_PER_SPAN	1024			/* [maxObjsPerSpan] */
#define SPAN_BITMAP_LONGS	BITS_TO_LONGS(MAX_OBJS_PER_SPAN)
#define TINY_SIZE		16			/* [maxTinySize] */
/*
 * The largest tiny object.  Go puts every noscan object under 16 bytes in
 * a tiny block; one of 9 to 15 bytes leaves room for at most one of 7
 * bytes or less, so it takes a 16-byte slot of its own here (tiny.c).
 */
#define TINY_MAX_OBJECT		8
#define TINY_SIZE_CLASS		2			/* 16-byte blocks */
/*
 * mcentrals: one per span class, then one for tiny spans, which CPUs hold
 * whole (tiny.c); CPU stacks: one per span class.
 */
#define TINY_SPC		NUM_SPAN_CLASSES
#define NUM_CENTRALS		(NUM_SPAN_CLASSES + 1)

/*
 * Per-CPU object caches: a stack per span class of at most OBJSTACK_BYTES
 * of objects (between OBJSTACK_MIN and OBJSTACK_MAX of them), moved to and
 * from mcentral in batches of half a stack; each mcentral's transfer cache
 * holds TRANSFER_BATCHES such batches.
 */
#define OBJSTACK_BYTES		(16 << 10)
#define OBJSTACK_MIN		2
#define OBJSTACK_MAX		255	/* with its zero entry, 4 KiB */
#define TRANSFER_BATCHES	8
/*
 * Chunks (mheap_chunk_order()): a heap under 1 MiB doubles, from a first
 * chunk of 128 KiB, so that a small heap stays small; a larger one grows
 * by an eighth of itself, from 512 KiB to 4 MiB; never by more than the
 * buddy allocator readily gives.
 */
#define CHUNK_MAX_ORDER		(GOALLOC_MAX_BUDDY_ORDER < 10 ? GOALLOC_MAX_BUDDY_ORDER : 10)
#define CHUNK_MIN_ORDER		(CHUNK_MAX_ORDER - 3)
#define CHUNK_FIRST_ORDER	(CHUNK_MAX_ORDER - 5)
#define CHUNK_MAX_PAGES		(1U << (CHUNK_MAX_ORDER - GO_PAGE_ORDER))	/* Go pages */
/* Free runs shorter than this sit in exact lists, longer ones in a tree. */
#define HEAP_FREE_LISTS		128
/* Empty spans an mcentral keeps before it gives them back to the heap. */
#define MCENTRAL_EMPTY_RESERVE	2

static_assert(GOALLOC_MAX_SIZE <= (PAGE_SIZE << GOALLOC_MAX_BUDDY_ORDER));
static_assert(GO_PAGE_ORDER >= 0);
static_assert(GOALLOC_NUM_CLASSES == NUM_SIZE_CLASSES);
static_assert(GOALLOC_MAX_SMALL_SIZE == MAX_SMALL_SIZE);

/*
 * The GFP flags for goalloc's own metadata (descriptors, chunk and span
 * maps), from a caller's @gfp: on any node, zeroed as each asks.
 */
static inline gfp_t meta_gfp(gfp_t gfp)
{
	return gfp & ~(__GFP_ZERO | __GFP_THISNODE);
}

/* A span class is a size class and a noscan bit [spanClass]. */
static inline unsigned int make_spc(unsigned int sizeclass, bool noscan)
{
	return (sizeclass << 1) | noscan;
}

/* Size class of a span class, or of TINY_SPC (the mcentral of tiny spans). */
static inline unsigned int spc_sizeclass(unsigned int spc)
{
	return spc == TINY_SPC ? TINY_SIZE_CLASS : spc >> 1;
}

static inline bool spc_noscan(unsigned int spc)
{
	return spc & 1;
}

/* === Reports (report.c) === */

struct mspan;
struct debug_track;

/* What report_error() reports; each kind is a statistic (report_*). */
enum report_kind {
	/* bad calls: ignored, the first of each kind WARNs */
	REPORT_NOT_OBJECT,		/* free of a pointer goalloc did not hand out */
	REPORT_INTERIOR,		/* free of a pointer inside an object */
	REPORT_DOUBLE_FREE,		/* free of an object that is free */
	REPORT_QUARANTINED,		/* free of a quarantined object (debug mode) */
	REPORT_BAD_REALLOC,		/* realloc of a pointer that is no live object */
	/* corruptions found in debug mode: reported in full, object quarantined */
	REPORT_REDZONE,			/* red zone overwritten */
	REPORT_TRACK,			/* the track after the object overwritten */
	REPORT_WRITE_AFTER_FREE,	/* a free object written */
	REPORT_NR_KINDS,
};

static inline bool report_is_corruption(enum report_kind kind)
{
	return kind >= REPORT_REDZONE;
}

/* report_error()'s @off when no byte is named */
#define REPORT_NO_OFFSET	((size_t)-1)

void report_error(enum report_kind kind, unsigned long addr, const struct mspan *s,
		  const struct debug_track *t, size_t off);
unsigned long report_count(enum report_kind kind);
unsigned long report_total(bool corruption);

/* === The heap profile (profile.c): Go's mprof.go === */

/* A slot's live byte (struct mspan.live): */
#define MSPAN_LIVE		1	/* a live object */
#define MSPAN_LIVE_SAMPLED	2	/* a live object the heap profile sampled */

/* One bucket of the heap profile: a call site and stack, and its samples. */
struct profile_entry {
	unsigned long caller;		/* the call site: return address into the caller */
	u32 stack;			/* stack depot handle, 0 if none */
	u64 alloc_objects, alloc_bytes;	/* allocated (bytes requested) */
	u64 free_objects, free_bytes;	/* freed */
	u64 inuse_objects, inuse_bytes;	/* live: in profile_snapshot() only */
};

DECLARE_STATIC_KEY_FALSE(profile_key);
DECLARE_PER_CPU(long, profile_next);

/* Whether allocations are sampled (module parameter profile_rate > 0). */
static __always_inline bool profile_on(void)
{
	return static_branch_unlikely(&profile_key);
}

extern unsigned long profile_nrecords;

/* Whether any sample lives (a look without the lock, as on a free path). */
static __always_inline bool profile_records(void)
{
	/* racy: a free that races a sample being kept frees another object */
	return data_race(profile_nrecords) != 0;
}

void profile_set_rate(unsigned long rate);
unsigned long profile_get_rate(void);
bool profile_alloc(unsigned long addr, size_t size, unsigned long caller);
bool profile_free(unsigned long addr);
struct profile_entry *profile_snapshot(unsigned int *nr, unsigned long *dropped);
void profile_exit(void);

/* === Size classes (sizeclasses.c) === */

/*
 * class_to_size[] has room for every class a mask of SIZE_CLASS_MASK
 * yields, 0 past the last: __goalloc_alloc_class() checks a caller's class
 * with one load and one compare.
 */
#define SIZE_CLASS_MASK		127
static_assert(NUM_SIZE_CLASSES <= (SIZE_CLASS_MASK + 1));
extern const u16 class_to_size[SIZE_CLASS_MASK + 1];
extern const u16 class_to_objstack_cap[NUM_SIZE_CLASSES];
extern const u8 class_to_allocnpages[NUM_SIZE_CLASSES];
extern const u16 class_to_nelems[NUM_SIZE_CLASSES];
extern u32 class_to_divmagic[NUM_SIZE_CLASSES];
extern u64 class_to_divinv[NUM_SIZE_CLASSES];
extern u8 class_to_divshift[NUM_SIZE_CLASSES];
extern u8 size_to_class8[SMALL_SIZE_MAX / SMALL_SIZE_DIV + 1];
extern u8 size_to_class128[(MAX_SMALL_SIZE - SMALL_SIZE_MAX) / LARGE_SIZE_DIV + 1];

void sizeclasses_init(void);

/*
 * Size class of a small size (1..MAX_SMALL_SIZE, never 0), in constant
 * time.  On size - 1, which malloc_object() has at hand after its test.
 */
static __always_inline unsigned int size_to_class(size_t size)
{
	if (size - 1 < SMALL_SIZE_MAX - 8)
		return size_to_class8[(size - 1) / SMALL_SIZE_DIV + 1];
	return size_to_class128[DIV_ROUND_UP(size - SMALL_SIZE_MAX, LARGE_SIZE_DIV)];
}

/* Objects a CPU's stack for @spc holds at most: a table by class. */
static inline unsigned int objstack_cap(unsigned int spc)
{
	return class_to_objstack_cap[spc_sizeclass(spc)];
}

/* Objects moved at once between a CPU's stack for @spc and mcentral. */
static inline unsigned int objstack_batch(unsigned int spc)
{
	return objstack_cap(spc) / 2;
}

/* === mspan (mspan.c) === */

enum mspan_state {
	MSPAN_DEAD = 0,		/* descriptor not describing memory */
	MSPAN_FREE,		/* a free run in the heap */
	MSPAN_INUSE,		/* small-object span or large object */
};

/* Live bytes of a span with more than MSPAN_LIVE_INLINE objects. */
#define MSPAN_LIVE_INLINE	128
struct mspan_live {
	struct rcu_head rcu;
	u8 byte[];
};
extern u8 mspan_no_live[MAX_OBJS_PER_SPAN];

struct mspan {
	/* Identity: set when carved, stable while in use (read lock-free). */
	unsigned long base;		/* first byte */
	u32 npages;			/* length in Go pages */
	u8 spc;				/* span class; 0 for a large object */
	u8 divshift;			/* see divinv */
	u8 state;			/* enum mspan_state; heap lock */
	u8 tiny;			/* holds tiny blocks (noscan, class 2) */
	u32 elemsize;			/* object size (large: bytes requested) */
	u16 nelems;			/* objects in the span */
	u8 on_list;			/* enum mcentral_list; mcentral lock */
	u32 divmagic;			/* (off * divmagic) >> 32 == off / elemsize */
	/*
	 * nelems while the span is in use, small and not tiny, else 0:
	 * goalloc_free()'s fast path checks an object's index against it,
	 * which is also its one test of the span's kind and state.
	 */
	u16 fast_nelems;
	u16 node;			/* NUMA node of its memory: its chunk's */
	/* elemsize is odd << divshift; divinv is odd's inverse mod 2^64 */
	u64 divinv;
	/*
	 * One byte per slot, 1 = a live object: a plain store sets it on
	 * allocation, one xchg clears it on free (no lock, any CPU).  In the
	 * descriptor for spans of up to MSPAN_LIVE_INLINE objects and for a
	 * large object's, else in live_ext; mspan_no_live (all zero) once a
	 * small span is released, NULL in a descriptor never used.
	 * With the fields above, all a free's fast path reads: 48 bytes.
	 */
	u8 *live;
	struct mchunk *chunk;		/* the chunk this span lies in */

	/*
	 * The objects back in the span, under the mcentral lock.  Slots from
	 * freeindex on were never handed out (Go's freeindex): a new span
	 * costs what its first batch needs, not a bitmap of nelems bits.
	 * A tiny span has blocks, not objects, and counts those in use
	 * instead, with no lock (tiny.c).
	 */
	union {
		u32 freeindex;		/* slots >= freeindex: free, never used */
		atomic_t tiny_used;	/* tiny: blocks not free, + TINY_SPAN_HELD */
	};
	u32 nfree;			/* free slots in the span, both kinds */
	unsigned long freebits[SPAN_BITMAP_LONGS];	/* below freeindex: 1 = free */
	struct mspan_live *live_ext;	/* live bytes kept apart (see live) */
	u8 live_inline[MSPAN_LIVE_INLINE];
	struct tiny_mask *tinymask;	/* tiny spans: TINY_* bits per block (tiny.c) */

	struct list_head list;		/* mcentral list, or heap free list */
	struct rb_node rb;		/* heap: long free runs (heap lock) */
};
static_assert(sizeof(struct mspan) <= 384);
static_assert(NUM_SPAN_CLASSES <= 1 << 8 && MAX_OBJS_PER_SPAN <= U16_MAX);

/* Index of the object at @addr in @s (exact when addr is an object start). */
static __always_inline unsigned int mspan_obj_index(const struct mspan *s, unsigned long addr)
{
	return (u32)(((u64)(addr - s->base) * s->divmagic) >> 32);
}

static __always_inline unsigned long mspan_obj_addr(const struct mspan *s, unsigned int idx)
{
	return s->base + (unsigned long)idx * s->elemsize;
}

/*
 * The index of the object @addr starts in @s, as a divisibility test: with
 * elemsize = odd << divshift, an offset that is a multiple m of elemsize
 * gives ror64(offset * divinv, divshift) == m exactly, and any other offset
 * (one below the base too) a value above U64_MAX / elemsize, so above any
 * index (Granlund and Montgomery).  One multiply, no multiply back.
 */
static __always_inline u64 mspan_obj_quotient(const struct mspan *s, unsigned long addr)
{
	return ror64((u64)(addr - s->base) * s->divinv, s->divshift);
}

/*
 * Whether @addr starts one of the objects of @s; its index in *@idx.  Also
 * exact for an @addr outside @s: the quotient is then out of range.
 */
static __always_inline bool mspan_obj_start(const struct mspan *s, unsigned long addr,
					    unsigned int *idx)
{
	u64 q = mspan_obj_quotient(s, addr);

	*idx = q;
	return q < s->nelems;
}

/*
 * As mspan_obj_start(), and false unless @s is an in-use small span that
 * is not tiny (fast_nelems): goalloc_free()'s one test of @s.
 */
static __always_inline bool mspan_fast_obj_start(const struct mspan *s, unsigned long addr,
						 unsigned int *idx)
{
	u64 q = mspan_obj_quotient(s, addr);

	*idx = q;
	return q < READ_ONCE(s->fast_nelems);
}

/* Go pages of @s as bytes. */
static inline unsigned long mspan_bytes(const struct mspan *s)
{
	return (unsigned long)s->npages << GO_PAGE_SHIFT;
}

/* Bytes an object of @s may use: its slot, or a large object's pages. */
static inline size_t mspan_obj_room(const struct mspan *s)
{
	return s->spc ? s->elemsize : mspan_bytes(s);
}

/* Whether @s is in use and @addr lies in it (lock-free: see mheap_span_of()). */
static __always_inline bool mspan_inuse_at(const struct mspan *s, unsigned long addr)
{
	return READ_ONCE(s->state) == MSPAN_INUSE && addr - s->base < mspan_bytes(s);
}

/*
 * A free object on its way between a span and a CPU: its address and its
 * live byte, so that an allocation is a pop and one byte store.  What
 * needs the span (a drain back to it, a tiny block) looks it up,
 * objref_span().
 */
struct objref {
	unsigned long addr;
	u8 *live;		/* in its span's live bytes, stable while it is cached */
};

/* Object @idx of @s, whose live bytes are set up (mcentral_init_span()). */
static __always_inline struct objref mspan_objref(const struct mspan *s, unsigned int idx)
{
	return (struct objref){ .addr = mspan_obj_addr(s, idx), .live = &s->live[idx] };
}

/* The object @r is handed out: live from now on (a plain byte store). */
static __always_inline void *objref_set_live(struct objref r)
{
	WRITE_ONCE(*r.live, MSPAN_LIVE);
	return (void *)r.addr;
}

/*
 * A free of slot @idx of @s: live no more.  Returns what the live byte was:
 * MSPAN_LIVE, MSPAN_LIVE_SAMPLED, or 0, and nothing changed, if it was not
 * live (a double free), however many CPUs race to free it.  Preemption or
 * interrupts off (an RCU read side: a bad free racing the span's release
 * may still see live_ext, never freed memory).
 */
static __always_inline u8 mspan_clear_live(struct mspan *s, unsigned int idx)
{
	return xchg(&READ_ONCE(s->live)[idx], 0);
}

/*
 * As mspan_clear_live(), for object @r that a free found and checked, from
 * mspan_objref_at() in the same section with preemption off.
 */
static __always_inline u8 objref_clear_live(struct objref r)
{
	return xchg(r.live, 0);
}

/*
 * Object @idx of @s, at @addr, as a free finds it.  Preemption off, as for
 * mspan_clear_live(): the live bytes @s names now stay until it is on.
 */
static __always_inline struct objref mspan_objref_at(struct mspan *s, unsigned long addr,
						     unsigned int idx)
{
	return (struct objref){ .addr = addr, .live = &READ_ONCE(s->live)[idx] };
}

/* Whether slot @idx of @s holds a live object (racy, as any such look). */
static inline bool mspan_obj_live(const struct mspan *s, unsigned int idx)
{
	return READ_ONCE(READ_ONCE(s->live)[idx]) != 0;
}

void mspan_init_small(struct mspan *s, unsigned int spc, bool tiny);
void mspan_init_large(struct mspan *s, size_t size);

/*
 * Whether span @s holds a live large object (racy, as any such look):
 * false also for a span the heap has just carved, whose live bytes may be
 * another span's zeroes or none yet: fixalloc_span() zeroes a descriptor
 * it hands out again, s->live included, while a late bad free that found
 * it may still read it.
 */
static inline bool mspan_large_live(const struct mspan *s)
{
	const u8 *live;
	bool ret;

	rcu_read_lock_sched();	/* the live bytes: see mspan_clear_live() */
	live = READ_ONCE(s->live);
	ret = live && READ_ONCE(*live);
	rcu_read_unlock_sched();
	return ret;
}

/*
 * A free of the large object of @s: whether it was live, its live byte
 * cleared by one xchg, which alone decides between racing frees (as
 * mspan_clear_live() for a slot); false, and nothing changed, also for a
 * span the heap has just carved (see mspan_large_live()).
 */
static inline bool mspan_large_clear_live(struct mspan *s)
{
	bool freed;
	u8 *live;

	rcu_read_lock_sched();	/* the live bytes: see mspan_clear_live() */
	live = READ_ONCE(s->live);
	freed = live && xchg(live, 0) == MSPAN_LIVE;
	rcu_read_unlock_sched();
	return freed;
}

struct mspan_live *mspan_live_alloc(struct mspan *s, gfp_t gfp);
void mspan_live_release(struct mspan *s);
unsigned long mspan_live_bytes(void);
unsigned int mspan_take(struct mspan *s, struct objref *out, unsigned int n);
const char *mspan_invalid(const struct mspan *s);
struct tiny_mask *mspan_tiny_mask_alloc(unsigned int nblocks, gfp_t gfp);
void mspan_tiny_mask_release(struct mspan *s);

/* Give the free slot @idx back to @s.  mcentral lock held. */
static inline void mspan_put(struct mspan *s, unsigned int idx)
{
	__set_bit(idx, s->freebits);
	s->nfree++;
}

/* === Chunks and the page heap (mheap.c) === */

struct mchunk {
	unsigned long base;		/* first byte (buddy-aligned) */
	u32 npages;			/* Go pages */
	u32 free_pages;			/* Go pages in free runs; heap lock */
	u32 released_pages;		/* Go pages given back inside it; heap lock */
	u8 order;			/* buddy order */
	bool split;			/* split_page() done: pages freed one by one */
	u16 node;			/* NUMA node of its pages */
	struct mheap_node *hnode;	/* its node's free runs: mheap.nodes[node] */
	struct list_head list;		/* mheap.chunks; heap lock */
	/* per Go page, its part of its arena's spans[]; heap lock to write */
	struct mspan **spans;
};

/* The free runs of one NUMA node's chunks.  Heap lock. */
struct mheap_node {
	struct list_head free[HEAP_FREE_LISTS];	/* free runs of exactly n pages */
	DECLARE_BITMAP(free_nonempty, HEAP_FREE_LISTS);
	struct rb_root free_large;	/* runs >= HEAP_FREE_LISTS pages */
	bool full;			/* its last growth found it out of memory (a hint) */
};

struct mheap {
	spinlock_t lock;		/* protects everything below */
	struct mheap_node *nodes;	/* nr_node_ids of them */
	struct list_head chunks;	/* all chunks */
	unsigned long nchunks;
	unsigned long sys_pages;	/* Go pages obtained from the buddy allocator */
	unsigned long free_pages;	/* Go pages in free runs */
	unsigned long released_pages;	/* Go pages returned to the buddy allocator, total */
	atomic_long_t inuse_spans;	/* spans in state MSPAN_INUSE (not locked) */
	unsigned long grow_failures;	/* buddy allocations that failed */
	unsigned long growing_pages;	/* reserved by growths under way (limit) */
	unsigned long limit_failures;	/* growths refused at the memory limit */
};

extern struct mheap mheap;
extern unsigned long mheap_memory_limit;
extern unsigned int mheap_retain_extra_percent;

/*
 * NUMA: on when more than one node is possible, and then spans, chunks and
 * CPUs' cached objects are kept apart by node (see malloc.c).
 */
DECLARE_STATIC_KEY_FALSE(numa_key);

static __always_inline bool numa_on(void)
{
	return static_branch_unlikely(&numa_key);
}

/*
 * Whether node @node (NUMA_NO_NODE: this CPU's) was out of memory when the
 * heap last tried to grow there: then objects of other nodes' spans serve
 * first (mcache_grow()).  A hint, read without the lock.
 */
static inline bool mheap_node_full(int node)
{
	return READ_ONCE(mheap.nodes[node == NUMA_NO_NODE ? numa_mem_id() : node].full);
}

/* Whether @s lies on another node than this CPU's memory.  Preemption off. */
static __always_inline bool mspan_remote(const struct mspan *s)
{
	return numa_on() && s->node != numa_mem_id();
}
extern struct fault_attr mheap_fail_grow;

int mheap_init(void);
int mheap_arenas_grow(unsigned long n, gfp_t gfp);
void mheap_exit(void);
struct mspan *mheap_alloc(unsigned int npages, unsigned int align_pages, int node, gfp_t gfp);
void mheap_free_span(struct mspan *s);
void mheap_free_span_locked(struct mspan *s);

/*
 * Arenas (Go's heapArena): the ARENA_SIZE-aligned pieces of the direct map
 * that hold chunks, each with the span of each of its Go pages.  A chunk is
 * buddy-aligned and at most ARENA_SIZE long, so it lies in one arena, and
 * an arena may hold several.  mheap_arenas.arena[] names them by
 * platform_arena_index() (mheap.c).
 */
#define ARENA_SHIFT		(CHUNK_MAX_ORDER + PAGE_SHIFT)
#define ARENA_SIZE		(1UL << ARENA_SHIFT)
#define ARENA_PAGES		CHUNK_MAX_PAGES		/* Go pages */

struct heap_arena {
	struct mspan *spans[ARENA_PAGES];	/* NULL where no chunk has a page */
};

struct arena_index {
	unsigned long n;			/* entries of arena[]: read it first */
	struct heap_arena **arena;		/* mheap_no_arena where no chunk ever lay */
};
extern struct arena_index mheap_arenas;
extern struct heap_arena mheap_no_arena;

/*
 * Arena @i, below mheap_arenas.n, or mheap_no_arena (every entry NULL) if
 * no chunk ever lay there: a lookup reads an entry either way, with no
 * test of the arena.  Lock-free: each acquire pairs with the release that
 * published what it reads (mheap.c); plain loads on x86.
 */
static __always_inline struct heap_arena *mheap_arena(unsigned long i)
{
	/* acquire: the array's entries, as mheap_arenas_grow() copied them */
	struct heap_arena **arena = smp_load_acquire(&mheap_arenas.arena);

	/* acquire: the arena's zeroed spans[], as arena_get() published it */
	return smp_load_acquire(&arena[i]);
}

/*
 * The span the arenas name for @addr's Go page (Go's spanOf()), or NULL
 * when @addr lies in no arena or in none of its chunks' pages.  Lock-free,
 * and not checked: the caller checks the span's state, and that @addr
 * lies in it.  Any pointer may be asked: one outside the direct map has an
 * index past every arena, and an arena, once known, stays until unload.
 */
static __always_inline struct mspan *mheap_page_span(unsigned long addr)
{
	unsigned long i = platform_arena_index(addr, ARENA_SHIFT);
	struct heap_arena *ha;

	/* acquire: n before the array it counts, as mheap_arenas_grow() stores them */
	if (unlikely(i >= smp_load_acquire(&mheap_arenas.n)))
		return NULL;
	ha = mheap_arena(i);
	return READ_ONCE(ha->spans[(addr >> GO_PAGE_SHIFT) % ARENA_PAGES]);
}

/*
 * The in-use span that @addr lies in, or NULL when @addr is not inside
 * memory goalloc handed out (a foreign pointer, a free run).
 * Lock-free: for a live object the span cannot change under the caller.
 */
static __always_inline struct mspan *mheap_span_of(unsigned long addr)
{
	struct mspan *s = mheap_page_span(addr);

	if (s && !mspan_inuse_at(s, addr))
		s = NULL;
	return s;
}

/* The span of the free object @r: cached, so its span is in use. */
static __always_inline struct mspan *objref_span(struct objref r)
{
	return mheap_page_span(r.addr);
}

/*
 * The span of @r, looked up only if @r does not lie in @hint: objects
 * moved together mostly share a span.  @hint is NULL or a span the caller
 * holds in use.
 */
static __always_inline struct mspan *objref_span_hint(struct objref r, struct mspan *hint)
{
	if (!hint || r.addr - hint->base >= mspan_bytes(hint))
		return objref_span(r);
	return hint;
}

void mheap_set_span_pages(struct mchunk *ch, unsigned long base, unsigned int npages,
			  struct mspan *entry);
unsigned long mheap_scavenge(unsigned long max_pages);
unsigned long mheap_scavenge_within(unsigned long max_pages);
unsigned long mheap_scavenge_goal(unsigned long *held);
void mheap_chunk_pages(unsigned long *idle, unsigned long *holes);
unsigned long mheap_meta_bytes(void);
unsigned int mheap_chunk_map(unsigned int n, char *map);
void mheap_free_runs(unsigned long *hist, unsigned int nbuckets, unsigned long *largest);
void mheap_node_pages(int node, unsigned long *sys, unsigned long *free, unsigned long *chunks);

/* === Fixed-size descriptor allocator (fixalloc.c) === */

struct mspan *fixalloc_span(void);
void fixalloc_free_span(struct mspan *s);
int fixalloc_reserve(unsigned int n, gfp_t gfp);
void fixalloc_exit(void);
unsigned long fixalloc_bytes(void);

/* === mcentral (mcentral.c) === */

enum mcentral_list { MC_NONE = 0, MC_PARTIAL, MC_FULL, MC_EMPTY };

struct mcentral {
	spinlock_t lock;
	struct list_head partial;	/* some free slots */
	struct list_head full;		/* no free slot */
	struct list_head empty;		/* all slots free: small reserve */
	u32 npartial, nfull, nempty;	/* list lengths */
	/* Free objects drained by one CPU for others (tcmalloc's transfer cache). */
	u32 ntransfer, transfer_cap;
	struct objref *transfer;
	unsigned long refills;		/* mcentral_refill() calls (stats.c) */
} ____cacheline_aligned_in_smp;
static_assert(sizeof(spinlock_t) > 4 || sizeof(struct mcentral) <= 128);

/* Per node, NUM_CENTRALS of them (mcentral_of()). */
extern struct mcentral **mcentral_nodes;

static inline struct mcentral *mcentral_of(int node, unsigned int spc)
{
	return &mcentral_nodes[node][spc];
}

extern struct fault_attr mcentral_fail_cache;

int mcentral_init(void);
void mcentral_exit(void);
size_t mcentral_cache_array_bytes(unsigned int n);
struct objref *mcentral_cache_array(unsigned int n, int node);
unsigned int mcentral_refill(int node, unsigned int spc, struct objref *out, unsigned int n);
void mcentral_drain(unsigned int spc, const struct objref *in, unsigned int n);
unsigned int mcentral_take_fresh(struct mspan *s, struct objref *out, unsigned int n);
void mcentral_span_shape(unsigned int spc, unsigned int *npages, unsigned int *align);
struct mspan *mcentral_init_span(struct mspan *s, unsigned int spc, gfp_t gfp);
struct mspan *mcentral_grow(unsigned int spc, int node, gfp_t gfp);
void mcentral_release_empty(unsigned int keep);
struct mspan *mcentral_tiny_take(int node);
void mcentral_tiny_put(struct mspan *s);
void mcentral_tiny_block_freed(struct mspan *s);

/* What mcentral_count() adds up. */
struct mcentral_counts {
	unsigned long partial;		/* spans with free slots (partial or empty) */
	unsigned long full;		/* spans without */
	unsigned long transfer;		/* objects in transfer caches */
};
void mcentral_count(int node, unsigned int spc, struct mcentral_counts *c);
unsigned long mcentral_meta_bytes(void);

/* === Per-CPU caches (mcache.c) === */

/* Per-CPU path counters; names in stats.c. */
enum cpu_stat {
	GS_ALLOC_SLOW,		/* allocations that found the CPU's stack empty */
	GS_FREE_SLOW,		/* frees that found it full and drained a batch */
	GS_NODE_ALLOC,		/* small objects asked of another node than the CPU's */
	GS_NODE_FREE,		/* small objects freed to another node than the CPU's */
	GS_TINY_ALLOC,		/* tiny objects allocated */
	GS_TINY_FREE,		/* tiny objects freed */
	GS_TINY_BLOCK_ALLOC,	/* 16-byte blocks taken for tiny objects */
	GS_TINY_BLOCK_FREE,	/* blocks given back when empty */
	GS_LARGE_ALLOC,		/* large objects allocated */
	GS_LARGE_FREE,		/* large objects freed */
	GS_LARGE_ALLOC_PAGES,	/* Go pages of large objects allocated */
	GS_LARGE_FREE_PAGES,	/* Go pages of large objects freed */
	GS_NR_CPU_STATS,
};

extern const char *const cpu_stat_names[GS_NR_CPU_STATS];

/*
 * Free objects of one span class that a CPU holds: a stack, popped by
 * allocations and pushed by frees; refilled from and drained to mcentral
 * a batch (objstack_batch()) at a time.  Its objstack_cap() entries lie
 * in this CPU's memory below @end, and the entry below them is zero, so
 * that a pop finds the stack empty in the entry it reads and a push finds
 * it full at @end: two pointers, no fill count to keep.
 *
 * A stack has no entries until its CPU first needs them, and none again
 * after a flush (mcache.c): then @top and @end both lie just above
 * objstack_none[0], a zero entry all such stacks share, so that the fast
 * paths find it empty and full, and the slow paths give it entries.
 */
struct objstack {
	struct objref *top;		/* the entry the next free fills */
	struct objref *end;		/* past the last entry */
	/*
	 * Frees of the span class on this CPU, onto the stack or past it to
	 * mcentral (mcache_free_central()): beside @top, so that a push
	 * counts itself in one instruction with no index to work out.  A
	 * local_t, so that an interrupt's count on this CPU is never lost.
	 */
	local_t frees;
};

struct mcache {
	/*
	 * Allocations by size class, first: at offset 0 the fast path's
	 * count is one add to the class's slot, with no offset to fold in.
	 * The other counters are below.
	 */
	unsigned long class_allocs[NUM_SIZE_CLASSES];
	/*
	 * It belongs to whoever holds it: a fast path with preemption off
	 * and @busy set (__mcache_trylock()), or a slow path with interrupts
	 * off that found @busy clear (mcache_lock_irqsave()).
	 * An interrupt in the middle of a fast path finds @busy set and goes
	 * to mcentral instead (see "Lock order" in malloc.c).
	 */
	local_lock_t lock;
	bool busy;
	struct objstack stack[NUM_SPAN_CLASSES];	/* per span class; hot */
	unsigned long tiny;		/* current tiny block, 0 if none; hot */
	unsigned int tinyoffset;	/* next free byte in it (TINY_SIZE if none); hot */
	atomic_t *tinymask;		/* its mask word in the tiny span */
	struct mspan *tinyspan;		/* the tiny span this CPU holds, or NULL */
	unsigned int tinynext;		/* the next block of it to look at */
	/*
	 * Counters, summed on read (stats.c), as class_allocs; a tiny block
	 * that became free counts as a free of TINY_SIZE_CLASS, in
	 * GS_TINY_BLOCK_FREE.
	 */
	unsigned long stat[GS_NR_CPU_STATS];
	unsigned long idle_mark;	/* allocs + frees at the scavenger's last look */
};
static_assert(sizeof(struct mcache) - sizeof(local_lock_t) <= 4096);

DECLARE_PER_CPU(struct mcache, mcaches);

extern struct objref objstack_none[1];

/* Whether @st has entries (racy from another CPU). */
static inline bool objstack_has_entries(const struct objstack *st)
{
	return READ_ONCE(st->end) != objstack_none + 1;
}

/* The bottom entry of @st, the stack for @spc, which has entries. */
static inline struct objref *objstack_base(const struct objstack *st, unsigned int spc)
{
	return st->end - objstack_cap(spc);
}

/*
 * Objects @st, the stack for @spc, holds.  Racy from another CPU, which
 * may see @top and @end of different moments: then a count out of bounds
 * reads as 0.
 */
static inline unsigned int objstack_count(const struct objstack *st, unsigned int spc)
{
	struct objref *end = READ_ONCE(st->end);
	unsigned long n;

	if (end == objstack_none + 1)
		return 0;
	n = READ_ONCE(st->top) - (end - objstack_cap(spc));
	return n <= objstack_cap(spc) ? n : 0;
}

/* Whether @st holds no object: its top entry is the zero one below the bottom. */
static __always_inline bool objstack_empty(const struct objstack *st)
{
	return !st->top[-1].addr;
}

/*
 * The object on top of @st, taken off; a null objref (zero in the entry
 * below the bottom) if @st is empty.  Its owner only.
 */
static __always_inline struct objref objstack_pop(struct objstack *st)
{
	struct objref r = st->top[-1];

	if (likely(r.addr))
		st->top--;
	return r;
}

struct mcache *mcache_of(unsigned int cpu);
bool mcache_drain(struct mcache *c, unsigned int spc);
bool mcache_flush_idle(void);

void mcache_free_remote(struct objref r, unsigned int spc);
void mcache_free_central(struct objref r, unsigned int spc);

/*
 * Own @c, this CPU's mcache, for a fast path, with preemption off: false
 * if this runs in an interrupt that came in the middle of one (a slow path
 * has interrupts off: never in one).  A plain flag suffices, as for the
 * kernel's local_trylock(): an interrupt that finds it clear runs to its
 * end before the code it interrupted goes on.
 */
static __always_inline bool __mcache_trylock(struct mcache *c)
{
	if (unlikely(READ_ONCE(c->busy)))
		return false;
	WRITE_ONCE(c->busy, true);
	barrier();
	return true;
}

static __always_inline void __mcache_unlock(struct mcache *c)
{
	barrier();
	WRITE_ONCE(c->busy, false);
}

/*
 * A slow path's hold: interrupts off (mcache.lock); false in an interrupt
 * that came in the middle of a fast path, which then leaves this CPU's
 * mcache alone.  local_unlock_irqrestore() ends it either way.
 */
static __always_inline bool mcache_lock_irqsave(unsigned long *flags)
{
	local_lock_irqsave(&mcaches.lock, *flags);
	return !this_cpu_read(mcaches.busy);
}

/*
 * Push the free object @r of @s onto @c's stack for @spc, if it has room
 * and lies on this CPU's node.  @c is this CPU's mcache, held.
 */
static __always_inline bool mcache_push(struct mcache *c, const struct mspan *s, struct objref r,
					unsigned int spc)
{
	struct objstack *st = &c->stack[spc];

	/* @st in a register: GCC would work its index out again for the count */
	OPTIMIZER_HIDE_VAR(st);
	if (unlikely(mspan_remote(s) || st->top == st->end))
		return false;
	*st->top++ = r;
	local_inc(&st->frees);
	return true;
}

/*
 * As mcache_push(), draining a batch first if the stack is full; an object
 * of another node goes back to its node, and one that finds the stack
 * without entries that cannot have them goes back to mcentral.
 */
static __always_inline void mcache_free(struct mcache *c, const struct mspan *s, struct objref r,
					unsigned int spc)
{
	if (unlikely(!mcache_push(c, s, r, spc))) {
		if (mspan_remote(s))
			mcache_free_remote(r, spc);
		else if (mcache_drain(c, spc))
			mcache_push(c, s, r, spc);
		else
			mcache_free_central(r, spc);
	}
}

struct objref mcache_refill(struct mcache *c, unsigned int spc);
struct mspan *mcache_grow(unsigned int spc, int node, gfp_t gfp, struct objref *r);
struct objref mcache_alloc_slow(unsigned int spc, gfp_t gfp, int node);
void mcache_flush_all(void);
int mcache_init(void);
void mcache_exit(void);
unsigned long mcache_meta_bytes(void);

/* Bump a counter of this CPU: irq-safe, no atomic RMW on x86. */
#define cpu_stat_inc(item)		this_cpu_inc(mcaches.stat[item])
#define cpu_stat_add(item, n)	this_cpu_add(mcaches.stat[item], n)

/* === Tiny allocator (tiny.c) === */

/*
 * Per 16-byte tiny block, one atomic_t: bit i (0..14) set = a live object
 * starts at offset i; bit 16 + i set = a live object ends at offset i;
 * TINY_HELD = a CPU still allocates from the block.  No object starts at
 * offset 15 (it would end there: one byte is lost in that rare case), so
 * bit 15 is free to be the held flag.
 */
#define TINY_HELD		BIT(15)
#define TINY_START(off)		BIT(off)
#define TINY_END(off)		BIT(16 + (off))

/* Added to a tiny span's tiny_used while a CPU holds it (tiny.c). */
#define TINY_SPAN_HELD		(1 << 16)
static_assert(TINY_SPAN_HELD > MAX_OBJS_PER_SPAN);

/*
 * The most blocks in use a tiny span no CPU holds may have to be on its
 * mcentral's partial list: a quarter of them free at least.
 */
static inline int tiny_span_partial(const struct mspan *s)
{
	return s->nelems - s->nelems / 4;
}

/*
 * The masks of a tiny span, published once set up and freed through RCU,
 * so a racing bad free that still sees the span as tiny reads either NULL
 * or a mask whose bits say "not allocated", never freed memory (tiny.c).
 */
struct tiny_mask {
	struct rcu_head rcu;
	u32 nblocks;
	atomic_t block[];
};


void *tiny_next(struct mcache *c, size_t size);
void *tiny_alloc(struct mcache *c, size_t size);
void *tiny_install(struct mcache *c, struct mspan *s, size_t size);

/*
 * What a tiny object of each size (1..TINY_MAX_OBJECT) needs, looked up
 * rather than worked out on the fast path: its alignment less one (the
 * largest power of two dividing the size, at most 8), the bytes it needs
 * from its offset on (at least 2: no object starts at offset 15), and its
 * mask bits at offset 0.
 */
struct tiny_fit {
	u32 bits;		/* TINY_START(0) | TINY_END(size - 1) */
	u8 align_mask;
	u8 room;
};
extern const struct tiny_fit tiny_fits[TINY_MAX_OBJECT + 1];

/*
 * The fast path: @size (1..TINY_MAX_OBJECT) bytes from @c's current tiny
 * block, or NULL if it has no room (tiny_next() then takes a new one).
 * @c held.  One atomic OR publishes the object's bits (a remote free of a
 * neighbour may update the same word).
 */
static __always_inline void *tiny_alloc_fast(struct mcache *c, size_t size)
{
	const struct tiny_fit *fit = &tiny_fits[size];
	unsigned int off = (c->tinyoffset + fit->align_mask) & ~fit->align_mask;

	/* no block: tinyoffset is TINY_SIZE */
	if (unlikely(off + fit->room > TINY_SIZE))
		return NULL;
	atomic_or(fit->bits << off, c->tinymask);
	c->tinyoffset = off + size;
	c->stat[GS_TINY_ALLOC]++;
	return (void *)(c->tiny + off);
}

/* The block @addr lies in, in tiny span @s: a shift, as blocks are TINY_SIZE. */
static __always_inline unsigned int tiny_block_index(const struct mspan *s, unsigned long addr)
{
	return (addr - s->base) / TINY_SIZE;
}

/* @addr's offset in its block of tiny span @s: a mask, as spans are page-aligned. */
static __always_inline unsigned int tiny_block_offset(const struct mspan *s, unsigned long addr)
{
	return (addr - s->base) % TINY_SIZE;
}

/*
 * The mask word of the block @idx of tiny span @s, or NULL if @s has no
 * such block now: a bad free racing the span's set-up or release (the
 * masks are not yet or no longer published).  Within rcu_read_lock_sched().
 */
static __always_inline atomic_t *tiny_mask_of(struct mspan *s, unsigned int idx)
{
	/* pairs with the release in mcentral_init_span(): zeroed bits seen */
	struct tiny_mask *tm = smp_load_acquire(&s->tinymask);

	return tm && idx < tm->nblocks ? &tm->block[idx] : NULL;
}

/* The offset of the last byte of the live tiny object at @off in @mask. */
static __always_inline unsigned int tiny_end(int mask, unsigned int off)
{
	return off + __ffs((unsigned int)mask >> (16 + off));
}

/*
 * Free the tiny object at @addr, in block @idx (tiny_block_index()) of tiny
 * span @s: clear its bits in the block's mask with one cmpxchg.  Returns
 * the mask left, as a u32 (0: the block is free: empty, and no CPU
 * allocates from it; KASAN poisoned it first), or -1, and nothing changed,
 * if no live object starts at @addr.  Any context, any CPU;
 * tiny_free_done() does the rest.
 */
static __always_inline long tiny_free_fast(struct mspan *s, unsigned long addr,
					   unsigned int idx)
{
	unsigned int off = tiny_block_offset(s, addr);
	atomic_t *m;
	int old, new;

	rcu_read_lock_sched();
	m = tiny_mask_of(s, idx);
	if (unlikely(!m || off >= TINY_SIZE - 1))
		goto bad;
	old = atomic_read(m);
	do {
		if (unlikely(!(old & TINY_START(off))))
			goto bad;
		new = old & ~(TINY_START(off) | TINY_END(tiny_end(old, off)));
		/* before the block is free, and a CPU may take it again */
		if (!new)
			platform_kasan_free((void *)(addr - off), TINY_SIZE);
	} while (!atomic_try_cmpxchg(m, &old, new));
	rcu_read_unlock_sched();
	return (u32)new;
bad:
	rcu_read_unlock_sched();
	return -1;
}
void tiny_retire(struct mcache *c);
void tiny_free(struct mspan *s, unsigned long addr);
void tiny_free_done(struct mspan *s, unsigned long addr, long left);
size_t tiny_usable_size(struct mspan *s, unsigned long addr);

/* === Debug mode (debug.c): red zones, poison, call sites, quarantine === */

DECLARE_STATIC_KEY_FALSE(debug_key);

/* Whether goalloc runs in debug mode (module parameter debug=1). */
static __always_inline bool debug_on(void)
{
	return static_branch_unlikely(&debug_key);
}

#define DEBUG_REDZONE		8	/* red zone bytes at least */
#define DEBUG_TRACK_SIZE	32	/* struct debug_track, at the end of the slot */

/* At the end of each object's room in debug mode (debug.c). */
struct debug_track {
	unsigned long magic;		/* DEBUG_LIVE/FREE/QUARANTINED ^ address */
	unsigned long caller;		/* the allocation's call site */
	u32 size;			/* bytes requested */
	u32 alloc_stack;		/* stack depot handle, 0 if none */
	u32 free_stack;			/* of the last free, 0 if none */
	u32 cpu;			/* CPU that allocated */
};
static_assert(sizeof(struct debug_track) == DEBUG_TRACK_SIZE);

/* Bytes a debug-mode object of @size takes: rounded, red zone, track. */
static inline size_t debug_obj_size(size_t size)
{
	return round_up(size, 8) + DEBUG_REDZONE + DEBUG_TRACK_SIZE;
}

void debug_enable(void);
void debug_disable(void);
void debug_init_span(struct mspan *s);
bool debug_alloc(unsigned long addr, const struct mspan *s, size_t size, unsigned long caller,
		 gfp_t gfp);
bool debug_free(unsigned long addr, const struct mspan *s);
size_t debug_size(unsigned long addr, const struct mspan *s);
unsigned long debug_quarantined(void);
void *debug_quarantine_pop(void);

/* === Hooks (malloc.c) === */

/* Whether free_hook() has anything to do (else the fast path may skip it). */
static __always_inline bool free_hook_active(void)
{
	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || IS_ENABLED(CONFIG_KASAN_GENERIC) ||
	       want_init_on_free() || debug_on();
}

/*
 * Called once the object at @p is known to be live, before it is freed:
 * @size bytes to clear for init_on_free, @room bytes of slot to mark free
 * for KASAN (0 for a tiny object: its block is marked when it empties).
 */
static __always_inline void free_hook(void *p, size_t size, size_t room)
{
	kmemleak_free(p);
	/* in debug mode, debug_free() poisoned the whole object already */
	if (want_init_on_free() && !debug_on()) {
		if (room)
			platform_kasan_alloc(p, room, room);
		memset(p, 0, size);
	}
	if (room)
		platform_kasan_free(p, room);
}

int malloc_init(bool debug);
void malloc_exit(struct goalloc_stats *st);
unsigned long malloc_scavenge(void);

#endif /* GOALLOC_MALLOC_H */
