// SPDX-License-Identifier: GPL-2.0
/*
 * Reports: every bad call and every corruption goalloc finds goes through
 * report_error() with its kind, as mm/kfence/report.c does.  See malloc.c
 * for the overview.
 *
 * Two families of kinds (enum report_kind in malloc.h):
 *  - a bad call (a free or realloc of a pointer that is not a live object):
 *    the call changes nothing; the first report of each kind WARNs with the
 *    stack, later ones are only counted;
 *  - a corruption found in debug mode (red zone, track, write after free):
 *    each one is reported in full (what was found where, the object, its
 *    class and span, its call site and stacks), and the caller quarantines
 *    the object.
 * Every report is counted by kind: the report_* statistics.
 */
#include "malloc.h"

static const char *const report_titles[REPORT_NR_KINDS] = {
	[REPORT_NOT_OBJECT]		= "free of a pointer that is not a goalloc object",
	[REPORT_INTERIOR]		= "free of a pointer inside an object",
	[REPORT_DOUBLE_FREE]		= "double free",
	[REPORT_QUARANTINED]		= "free of a quarantined object",
	[REPORT_BAD_REALLOC]		= "realloc of a pointer that is not a goalloc object",
	[REPORT_REDZONE]		= "red zone overwritten",
	[REPORT_TRACK]			= "track overwritten",
	[REPORT_WRITE_AFTER_FREE]	= "object written after free",
};
static_assert(ARRAY_SIZE(report_titles) == REPORT_NR_KINDS);

static atomic_long_t report_counts[REPORT_NR_KINDS];
static atomic_t report_warned[REPORT_NR_KINDS];

/* Reports of @kind since load. */
unsigned long report_count(enum report_kind kind)
{
	return atomic_long_read(&report_counts[kind]);
}
EXPORT_SYMBOL_IF_KUNIT(report_count);

/* Reports of either family since load: bad calls, or corruptions if @corruption. */
unsigned long report_total(bool corruption)
{
	unsigned long n = 0;
	unsigned int k;

	for (k = 0; k < REPORT_NR_KINDS; k++)
		if (report_is_corruption(k) == corruption)
			n += report_count(k);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(report_total);

/* A bad call: once per kind with WARN and the stack, then only counted. */
static void report_bad_call(enum report_kind kind, unsigned long addr, const struct mspan *s)
{
	if (atomic_xchg(&report_warned[kind], 1))
		return;
	if (s)
		WARN(1, "goalloc: %s: %p (span %p, %u pages, object size %u)\n",
		     report_titles[kind], (void *)addr, (void *)s->base, s->npages, s->elemsize);
	else
		WARN(1, "goalloc: %s: %p\n", report_titles[kind], (void *)addr);
}

/* A corruption of the object at @addr in @s, first bad byte at @off (or REPORT_NO_OFFSET). */
static void report_corruption(enum report_kind kind, unsigned long addr, const struct mspan *s,
			      const struct debug_track *t, size_t off)
{
	u8 bytes[16];
	size_t start;

	pr_err("BUG: %s: object %p in span %p (%u pages), %s %u bytes\n", report_titles[kind],
	       (void *)addr, (void *)s->base, s->npages, s->spc ? "class of" : "large object of",
	       s->elemsize);
	if (off != REPORT_NO_OFFSET) {
		start = min(round_down(off, 16), mspan_obj_room(s) - sizeof(bytes));
		platform_debug_copy(bytes, (void *)(addr + start), sizeof(bytes));
		pr_err("first bad byte at offset %zu; bytes from offset %zu: %*ph\n",
		       off, start, (int)sizeof(bytes), bytes);
	}
	if (t && t->caller) {
		pr_err("%u bytes allocated by %pS on CPU %u, at:\n", t->size,
		       (void *)t->caller, t->cpu);
		platform_stack_print(t->alloc_stack);
		if (t->free_stack) {
			pr_err("last freed at:\n");
			platform_stack_print(t->free_stack);
		}
	}
	pr_err("found at:\n");
	dump_stack();
	pr_err("the object is quarantined: never handed out again\n");
}

/*
 * Report what was found wrong at @addr (the pointer a call was given, or
 * the corrupted object), in span @s (NULL if none), with the object's
 * track @t (debug mode, or NULL) and the offset @off of the first bad byte
 * (or REPORT_NO_OFFSET), and count it.  Any context; no goalloc lock.
 */
void report_error(enum report_kind kind, unsigned long addr, const struct mspan *s,
		  const struct debug_track *t, size_t off)
{
	atomic_long_inc(&report_counts[kind]);
	if (report_is_corruption(kind) && s)
		report_corruption(kind, addr, s, t, off);
	else
		report_bad_call(kind, addr, s);
}
