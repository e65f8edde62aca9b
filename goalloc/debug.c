// SPDX-License-Identifier: GPL-2.0
/*
 * Debug mode: red zones, poison, call sites, quarantine (like slub_debug).
 * See malloc.c for the overview.
 *
 * Off unless goalloc is loaded with debug=1 (a static key: the fast paths
 * pay nothing while it is off).  Then every object is allocated with room
 * for a red zone and a track, and the tiny allocator and the free fast path
 * stand aside:
 *
 *   object start                         end of the slot (large: of its pages)
 *   | requested bytes | red zone (0xbb) ... | struct debug_track (32 B) |
 *
 * The track names the object's state (live, free, quarantined; xored with
 * its address, so a stale or copied track does not pass), the requested
 * size, the allocating call site and the stack depot handles of the
 * allocation and the last free.
 *
 *  - On free: the track must say live and the red zone must be intact; the
 *    object is then poisoned (0x6b) up to the track, which says free.
 *  - On allocation of a small slot: the slot must still hold that poison
 *    and a free track (new spans are poisoned whole), so a write after free
 *    is caught when the slot comes back.  Large objects come from pages the
 *    heap does not track, so only their free is checked.
 *  - Anything else is reported (what was found where, the object, its class
 *    and span, the call site and stacks) and the object is quarantined: kept
 *    allocated and never handed out again, until unload.
 *
 * init_on_free does not zero in debug mode: the poison already overwrites
 * every byte of a freed object.  All accesses to red zones, poison and
 * tracks bypass KASAN (platform_debug_fill/copy): to KASAN they are red
 * zones and freed memory.
 */
#include "malloc.h"

DEFINE_STATIC_KEY_FALSE(debug_key);

#define DEBUG_POISON_FREE	0x6b	/* SLUB's POISON_FREE */
#define DEBUG_RED_ACTIVE	0xbb	/* SLUB's SLUB_RED_ACTIVE */
#define DEBUG_LIVE		0x6a11cb17e1173e00UL
#define DEBUG_FREE		0x6a11cf7eef7eef00UL
#define DEBUG_QUARANTINED	0x6a11c0a7a7a7a700UL

/* Quarantined objects, linked through their first word. */
static DEFINE_SPINLOCK(quarantine_lock);
static void *quarantine_head;			/* quarantine_lock */
static unsigned long quarantine_count;		/* quarantine_lock */


/*
 * Whether the objects of @s carry a track: every small object in debug
 * mode; a large one unless its pages had no room left (within 40 bytes of
 * GOALLOC_MAX_SIZE).  A large span's elemsize is the requested size.
 */
static bool debug_tracked(const struct mspan *s)
{
	return s->spc || debug_obj_size(s->elemsize) <= mspan_bytes(s);
}

static void track_read(unsigned long addr, const struct mspan *s, struct debug_track *t)
{
	platform_debug_copy(t, (void *)(addr + mspan_obj_room(s) - DEBUG_TRACK_SIZE), sizeof(*t));
}

static void track_write(unsigned long addr, const struct mspan *s, const struct debug_track *t)
{
	platform_debug_copy((void *)(addr + mspan_obj_room(s) - DEBUG_TRACK_SIZE), t, sizeof(*t));
}

/* Offset of the first of the @n bytes at @p that is not @c, or @n. */
static size_t debug_find_not(unsigned long p, u8 c, size_t n)
{
	u8 buf[64];
	size_t off, i, len;

	for (off = 0; off < n; off += len) {
		len = min(n - off, sizeof(buf));
		platform_debug_copy(buf, (void *)(p + off), len);
		for (i = 0; i < len; i++)
			if (buf[i] != c)
				return off + i;
	}
	return n;
}

/* A new small span: every slot poisoned, with a free track. */
void debug_init_span(struct mspan *s)
{
	struct debug_track t = { 0 };
	unsigned int i;

	if (s->elemsize < debug_obj_size(1))
		return;		/* a class debug mode never uses */
	platform_debug_fill((void *)s->base, DEBUG_POISON_FREE,
			    (size_t)s->nelems * s->elemsize);
	for (i = 0; i < s->nelems; i++) {
		t.magic = DEBUG_FREE ^ mspan_obj_addr(s, i);
		track_write(mspan_obj_addr(s, i), s, &t);
	}
}

/*
 * Keep @addr allocated and out of use.  @registered: kmemleak knows the
 * object (it was live); quarantined objects are never reported as leaks.
 */
static void debug_quarantine(unsigned long addr, const struct mspan *s, bool registered,
			     gfp_t gfp)
{
	struct debug_track t = { .magic = DEBUG_QUARANTINED ^ addr };
	unsigned long flags;

	if (!registered)
		kmemleak_alloc((void *)addr, 1, 1, gfp);
	kmemleak_not_leak((void *)addr);
	track_write(addr, s, &t);
	spin_lock_irqsave(&quarantine_lock, flags);
	platform_debug_copy((void *)addr, &quarantine_head, sizeof(void *));
	quarantine_head = (void *)addr;
	quarantine_count++;
	spin_unlock_irqrestore(&quarantine_lock, flags);
}

/*
 * A new object of @size bytes at @addr in @s, from @caller: check that a
 * small slot is as the free left it, then arm the red zone and the track.
 * False if the slot was found changed: reported and quarantined (the caller
 * takes another).
 */
bool debug_alloc(unsigned long addr, const struct mspan *s, size_t size, unsigned long caller,
		 gfp_t gfp)
{
	size_t room = mspan_obj_room(s) - DEBUG_TRACK_SIZE, off;
	struct debug_track t;

	if (!debug_tracked(s))
		return true;
	if (s->spc) {
		track_read(addr, s, &t);
		if (t.magic != (DEBUG_FREE ^ addr)) {
			report_error(REPORT_TRACK, addr, s, NULL, REPORT_NO_OFFSET);
			debug_quarantine(addr, s, false, gfp);
			return false;
		}
		off = debug_find_not(addr, DEBUG_POISON_FREE, room);
		if (off < room) {
			report_error(REPORT_WRITE_AFTER_FREE, addr, s, &t, off);
			debug_quarantine(addr, s, false, gfp);
			return false;
		}
	}
	platform_debug_fill((void *)(addr + size), DEBUG_RED_ACTIVE, room - size);
	t = (struct debug_track) {
		.magic = DEBUG_LIVE ^ addr,
		.caller = caller,
		.size = size,
		.alloc_stack = platform_stack_save(),
		.cpu = raw_smp_processor_id(),
	};
	track_write(addr, s, &t);
	return true;
}

/*
 * The object at @addr in @s is being freed (a start of an object, maybe
 * not live): check its track and red zone, then poison it.  False if it
 * must not be freed: corrupted (reported and quarantined) or quarantined
 * already.  A second free of a free object passes; the bitmaps report it.
 */
bool debug_free(unsigned long addr, const struct mspan *s)
{
	size_t room = mspan_obj_room(s) - DEBUG_TRACK_SIZE, off;
	struct debug_track t;

	if (!debug_tracked(s)) {
		/* no track to check, but poisoned whole like any other */
		platform_debug_fill((void *)addr, DEBUG_POISON_FREE, mspan_bytes(s));
		return true;
	}
	track_read(addr, s, &t);
	if (t.magic == (DEBUG_FREE ^ addr))
		return true;
	if (t.magic == (DEBUG_QUARANTINED ^ addr)) {
		report_error(REPORT_QUARANTINED, addr, s, NULL, REPORT_NO_OFFSET);
		return false;
	}
	if (t.magic != (DEBUG_LIVE ^ addr) || t.size > room) {
		report_error(REPORT_TRACK, addr, s, NULL, REPORT_NO_OFFSET);
		debug_quarantine(addr, s, true, GFP_ATOMIC);
		return false;
	}
	off = t.size + debug_find_not(addr + t.size, DEBUG_RED_ACTIVE, room - t.size);
	if (off < room) {
		report_error(REPORT_REDZONE, addr, s, &t, off);
		debug_quarantine(addr, s, true, GFP_ATOMIC);
		return false;
	}
	platform_debug_fill((void *)addr, DEBUG_POISON_FREE, room);
	t.magic = DEBUG_FREE ^ addr;
	t.free_stack = platform_stack_save();
	track_write(addr, s, &t);
	return true;
}

/*
 * Bytes requested for the live object at @addr in @s, or 0 if it is not one;
 * an untracked large object may use all its pages, and malloc_debug()
 * zeroes them all when asked to zero.
 */
size_t debug_size(unsigned long addr, const struct mspan *s)
{
	struct debug_track t;

	if (!debug_tracked(s))
		return mspan_bytes(s);
	track_read(addr, s, &t);
	return t.magic == (DEBUG_LIVE ^ addr) ? t.size : 0;
}

/* Objects quarantined now. */
unsigned long debug_quarantined(void)
{
	return READ_ONCE(quarantine_count);
}

/*
 * At unload: a quarantined object, taken out of the quarantine for the
 * caller to free unchecked, or NULL when none is left.
 */
void *debug_quarantine_pop(void)
{
	unsigned long flags;
	void *p;

	spin_lock_irqsave(&quarantine_lock, flags);
	p = quarantine_head;
	if (p) {
		platform_debug_copy(&quarantine_head, p, sizeof(void *));
		quarantine_count--;
	}
	spin_unlock_irqrestore(&quarantine_lock, flags);
	return p;
}

/* Turn debug mode on, before the first allocation. */
void debug_enable(void)
{
	platform_stack_init();
	static_branch_enable(&debug_key);
}

/* Turn it off again, after the last object was freed (user-space tests). */
void debug_disable(void)
{
	static_branch_disable(&debug_key);
}
