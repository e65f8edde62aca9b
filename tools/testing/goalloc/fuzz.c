// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzer (libFuzzer) for the user-space core.  An input is a
 * program: each operation is one opcode byte and its argument bytes, run
 * against goalloc and against a shadow model of what must be live.  After
 * every operation the invariants are checked, and any break aborts:
 *
 *   - every allocation that should succeed does (NULL only for sizes over
 *     GOALLOC_MAX_SIZE, or while growth failures are being injected);
 *   - usable size >= requested size; alignment: 8 bytes, the largest power
 *     of two up to 8 dividing the size for tiny objects, natural alignment
 *     for power-of-two sizes;
 *   - no two live objects overlap; every live object keeps its contents
 *     (a pattern written at allocation, checked at free and realloc);
 *   - realloc keeps the contents up to the smaller size;
 *   - double frees, interior and foreign pointers are caught (counted as
 *     invalid frees) and change nothing;
 *   - the statistics match the model: live objects, invalid frees;
 *   - every span keeps its invariant (mspan_invalid()), and each object of
 *     every span class is in exactly one place: free in its span, live, or
 *     cached in a CPU's stack or the transfer cache;
 *   - with NUMA nodes (one to three, by input): an object asked of a node
 *     lies on it unless the node is full or growth fails; every span is
 *     listed by its node's mcentral, and every cached object lies on the
 *     node of the CPU or mcentral that holds it;
 *   - the pages counted as reclaimable (KReclaimable in /proc/meminfo) are
 *     those of the entirely free chunks, and none at teardown;
 *   - nothing WARNs but the bad frees the input asks for.
 */
#include "platform.h"
#include "../../../goalloc/malloc.h"

#define SLOTS		64
#define FREED		16

struct shadow {
	unsigned char *p;
	size_t size;			/* requested */
	size_t usable;
	unsigned char seed;
	bool noscan;
};

static struct shadow live[SLOTS];
static bool node_full_set;		/* some node was full: objects may fall back */
static unsigned long freed[FREED];	/* recently freed addresses */
static unsigned int nfreed;
static unsigned long nlive, expected_invalid;
static bool injecting;

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "fuzz: invariant broken at %s:%d: %s\n",	\
			__FILE__, __LINE__, #cond);				\
		abort();							\
	}									\
} while (0)

struct input {
	const u8 *data;
	size_t size, pos;
};

static unsigned int next_byte(struct input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static unsigned int next_u16(struct input *in)
{
	return next_byte(in) | next_byte(in) << 8;
}

/* Sizes spread over tiny, small, the class edges and large. */
static size_t next_size(struct input *in)
{
	unsigned int kind = next_byte(in);
	unsigned int v = next_u16(in);

	switch (kind % 8) {
	case 0:
		return v % 16;
	case 1: case 2:
		return v % 1024;
	case 3: case 4:
		return v % 32769;
	case 5:
		return 1U << (v % 23);		/* powers of two up to 4 MiB */
	case 6:
		return 32768 + v * 16;		/* large */
	default:
		return GOALLOC_MAX_SIZE - 8 + v % 16;	/* around the limit */
	}
}

/*
 * Contents: each object is filled with its own seed byte, all of it up to
 * 64 KiB, its first and last 16 KiB beyond (page faults would dominate).
 * The harness is not instrumented for coverage here.
 */
#define NO_COVERAGE	__attribute__((no_sanitize("coverage")))
#define SAMPLE		(16 << 10)

static void fill(struct shadow *s)
{
	if (s->size <= 4 * SAMPLE) {
		memset(s->p, s->seed, s->size);
	} else {
		memset(s->p, s->seed, SAMPLE);
		memset(s->p + s->size - SAMPLE, s->seed, SAMPLE);
	}
}

static NO_COVERAGE bool all_bytes(const unsigned char *p, size_t n, unsigned char c)
{
	u64 w = 0x0101010101010101ULL * c, v;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		if (v != w)
			return false;
	}
	for (; i < n; i++)
		if (p[i] != c)
			return false;
	return true;
}

/* The first @n bytes of @s (as filled) still hold its seed. */
static void check_contents(const struct shadow *s, size_t n)
{
	if (s->size <= 4 * SAMPLE) {
		CHECK(all_bytes(s->p, n, s->seed));
	} else {
		CHECK(all_bytes(s->p, min_t(size_t, n, SAMPLE), s->seed));
		if (n == s->size)
			CHECK(all_bytes(s->p + n - SAMPLE, SAMPLE, s->seed));
	}
}

static size_t align_of(size_t size, bool noscan)
{
	if (noscan && size < TINY_SIZE)
		return size & 1 ? 1 : size & 2 ? 2 : size & 4 ? 4 : 8;
	if (is_power_of_2(size))
		return size;
	return 8;
}

/* Whether some live object starts at @a. */
static bool starts_live(unsigned long a)
{
	unsigned int i;

	for (i = 0; i < SLOTS; i++)
		if (live[i].p && (unsigned long)live[i].p == a)
			return true;
	return false;
}

/* @align: the alignment @s must have (in-place realloc keeps the old one). */
static void check_new(struct shadow *s, size_t align)
{
	unsigned long a = (unsigned long)s->p, b;
	unsigned int i;

	if (s->usable < s->size || a % align)
		fprintf(stderr, "fuzz: object %p, size %zu, usable %zu, noscan %d\n",
			s->p, s->size, s->usable, s->noscan);
	CHECK(s->usable >= s->size);
	CHECK(a % align == 0);
	b = a + s->size;
	for (i = 0; i < SLOTS; i++) {
		struct shadow *o = &live[i];

		if (!o->p || o == s)
			continue;
		CHECK(b <= (unsigned long)o->p || (unsigned long)o->p + o->size <= a);
	}
}

static void forget(unsigned long a)
{
	freed[nfreed++ % FREED] = a;
}

static void free_slot(struct shadow *s)
{
	check_contents(s, s->size);
	goalloc_free(s->p);
	forget((unsigned long)s->p);
	s->p = NULL;
	nlive--;
}

/*
 * @how: 0 goalloc_alloc(), 1 noscan, 2 zeroed, 3 on @node (maybe
 * NUMA_NO_NODE), 4 only on @node (__GFP_THISNODE)
 */
static void alloc_slot(struct shadow *s, size_t size, unsigned int how, unsigned char seed,
		       int node)
{
	bool noscan = how == 1, thisnode = how == 4;

	if (s->p)
		free_slot(s);
	s->p = how == 1 ? goalloc_alloc_noscan(size, GFP_KERNEL) :
	       how == 2 ? goalloc_zalloc(size, GFP_ATOMIC) :
	       how >= 3 ? goalloc_alloc_node(size, GFP_KERNEL | (thisnode ? __GFP_THISNODE : 0),
					      node) :
	       goalloc_alloc(size, GFP_KERNEL);
	if (!size) {
		CHECK(s->p == ZERO_SIZE_PTR);
		s->p = NULL;
		return;
	}
	if (!s->p) {
		/* only on a full node (this CPU's for NUMA_NO_NODE): no run may fit */
		CHECK(size > GOALLOC_MAX_SIZE || injecting ||
		      (thisnode && gl_node_full[node >= 0 ? node : numa_mem_id()]));
		return;
	}
	CHECK(size <= GOALLOC_MAX_SIZE);
	if (how == 2)
		CHECK(all_bytes(s->p, min_t(size_t, size, 4 * SAMPLE), 0));
	if (how >= 3 && node != NUMA_NO_NODE && (thisnode || (!node_full_set && !injecting))) {
		if (platform_page_node((unsigned long)s->p) != node)
			fprintf(stderr, "fuzz: %zu bytes asked of node %d on node %d, CPU %d, injecting %d\n",
				size, node, platform_page_node((unsigned long)s->p), gl_cpu, injecting);
		CHECK(platform_page_node((unsigned long)s->p) == node);
	}
	s->size = size;
	s->usable = goalloc_usable_size(s->p);
	s->seed = seed;
	s->noscan = noscan;
	nlive++;
	check_new(s, align_of(size, noscan));
	fill(s);
}

static void bad_free(void *p)
{
	atomic_inc(&gl_expecting_reports);	/* on purpose: no warning counted */
	goalloc_free(p);
	atomic_dec(&gl_expecting_reports);
	expected_invalid++;
}

/*
 * A cached object @r of span class @spc: an object start of an in-use span
 * of the class on @node, with its own live byte, not live.
 */
static void check_objref(struct objref r, unsigned int spc, int node)
{
	struct mspan *s = objref_span(r);
	unsigned int idx;

	CHECK(s && s->state == MSPAN_INUSE && mspan_obj_start(s, r.addr, &idx));
	CHECK(s->spc == spc && !s->tiny);
	CHECK(r.live == &s->live[idx] && !*r.live);
	CHECK(s->node == node);
}

/*
 * Tiny span @s, held by @holders CPUs: a CPU holds it, or none, and its
 * count of blocks in use is its masks that are not zero, and the held mark
 * if a CPU holds it (the fuzzer runs one thread: nothing is in flight).
 */
static void check_tiny_span(struct mspan *s, unsigned int holders)
{
	unsigned int idx, used = 0;

	CHECK(s->tiny && s->tinymask && s->tinymask->nblocks == s->nelems);
	CHECK(holders <= 1);
	for (idx = 0; idx < s->nelems; idx++)
		used += atomic_read(&s->tinymask->block[idx]) != 0;
	CHECK(atomic_read(&s->tiny_used) == used + (holders ? TINY_SPAN_HELD : 0));
}

/*
 * Every span keeps its invariant, every tiny span its count, and per span
 * class, every object is in one place: the objects of its spans are the
 * free ones in them, the live ones, and those cached by CPUs and the
 * transfer cache.
 */
static void check_spans(void)
{
	unsigned int spc, cpu, idx, l, i;
	unsigned long objects, placed;
	struct mspan *s;
	int node;

	for_each_possible_cpu(cpu) {	/* the tiny spans CPUs hold */
		struct mcache *c = mcache_of(cpu);
		unsigned int holders = 0, other;

		if (!c->tinyspan) {
			CHECK(!c->tiny);
			continue;
		}
		CHECK(!c->tiny || (c->tiny - c->tinyspan->base) / TINY_SIZE == c->tinynext - 1);
		for_each_possible_cpu(other)
			holders += mcache_of(other)->tinyspan == c->tinyspan;
		check_tiny_span(c->tinyspan, holders);
	}
	for_each_node(node) {		/* and those no CPU holds */
		struct mcentral *mc = mcentral_of(node, TINY_SPC);
		struct list_head *lists[] = { &mc->partial, &mc->full, &mc->empty };

		for (l = 0; l < ARRAY_SIZE(lists); l++) {
			list_for_each_entry(s, lists[l], list) {
				CHECK(!mspan_invalid(s));
				CHECK(s->node == node);
				check_tiny_span(s, 0);
			}
		}
	}
	for (spc = 0; spc < NUM_SPAN_CLASSES; spc++) {
		objects = 0;
		placed = 0;
		for_each_possible_cpu(cpu) {
			struct objstack *st = &mcache_of(cpu)->stack[spc];
			struct objref *base;
			unsigned int n;

			if (!objstack_has_entries(st)) {	/* found empty and full */
				CHECK(st->top == st->end && !objstack_none[0].addr);
				continue;
			}
			base = objstack_base(st, spc);
			n = objstack_count(st, spc);
			/* the zero entry below: what tells a pop the stack is empty */
			CHECK(!base[-1].addr && st->top >= base && st->top <= st->end);
			placed += n;
			for (i = 0; i < n; i++)
				check_objref(base[i], spc, cpu_to_mem(cpu));
		}
		for_each_node(node) {
			struct mcentral *mc = mcentral_of(node, spc);
			struct list_head *lists[] = { &mc->partial, &mc->full, &mc->empty };

			CHECK(mc->ntransfer <= mc->transfer_cap && (mc->transfer || !mc->transfer_cap));
			placed += mc->ntransfer;
			for (i = 0; i < mc->ntransfer; i++)
				check_objref(mc->transfer[i], spc, node);
			for (l = 0; l < ARRAY_SIZE(lists); l++) {
				list_for_each_entry(s, lists[l], list) {
					const char *why = mspan_invalid(s);

					if (why)
						fprintf(stderr, "fuzz: span class %u: %s\n", spc, why);
					CHECK(!why);
					CHECK(s->node == node && s->chunk->node == node);
					CHECK(platform_page_node(s->base) == node);
					objects += s->nelems;
					placed += s->nfree;
					for (idx = 0; idx < s->nelems; idx++)
						placed += mspan_obj_live(s, idx);
				}
			}
		}
		CHECK(objects == placed);
	}
}

static struct goalloc_stats base;	/* counters are not reset by malloc_init() */

static void check_stats(void)
{
	unsigned long idle, holes;
	struct goalloc_stats st;

	goalloc_get_stats(&st);
	CHECK(st.heap_objects == nlive);
	CHECK(st.invalid_frees - base.invalid_frees == expected_invalid);
	check_spans();
	/* what /proc/meminfo would show as reclaimable: the idle chunks */
	mheap_chunk_pages(&idle, &holes);
	CHECK(atomic_long_read(&gl_reclaimable_pages) == (long)idle << GO_PAGE_ORDER);
}

static void run(struct input *in)
{
	while (in->pos < in->size) {
		unsigned int op = next_byte(in) % 12;
		struct shadow *s = &live[next_byte(in) % SLOTS];

		switch (op) {
		case 0 ... 3: {		/* alloc: scan, noscan, zeroed, on a node */
			size_t size = next_size(in);
			unsigned char seed = next_byte(in);
			unsigned int v = op == 3 ? next_byte(in) : 0;

			/* on a node (or NUMA_NO_NODE), maybe only there */
			alloc_slot(s, size, op == 3 ? 3 + (v & 1) : op, seed,
				   (int)(v >> 1) % (gl_nr_nodes + 1) - 1);
			break;
		}
		case 4:			/* free */
			if (s->p)
				free_slot(s);
			break;
		case 5: {		/* realloc */
			size_t n = next_size(in);
			unsigned char *q;
			bool moved;

			if (!s->p || !n || n > GOALLOC_MAX_SIZE)
				break;
			q = goalloc_realloc(s->p, n, GFP_KERNEL);
			if (!q) {
				CHECK(injecting);
				check_contents(s, s->size);
				break;
			}
			moved = q != s->p;
			if (moved)
				forget((unsigned long)s->p);
			s->p = q;
			check_contents(s, min(s->size, n));
			s->size = n;
			s->usable = goalloc_usable_size(q);
			check_new(s, moved ? align_of(n, s->noscan) : 1);
			fill(s);
			break;
		}
		case 6: {		/* double free of a recently freed address */
			unsigned long a = freed[next_byte(in) % FREED];

			if (a && !starts_live(a))
				bad_free((void *)a);
			break;
		}
		case 7: {		/* interior pointer */
			size_t off;

			if (!s->p || s->usable < 2)
				break;
			off = 1 + next_u16(in) % (s->usable - 1);
			if (!starts_live((unsigned long)s->p + off))
				bad_free(s->p + off);
			break;
		}
		case 8: {		/* foreign pointers */
			long on_stack;
			void *m = malloc(64);

			bad_free(&on_stack);
			bad_free(m);
			free(m);
			break;
		}
		case 9: {		/* bulk: allocate a batch, free it (one twice?) */
			size_t n = 1 + next_byte(in) % 1024, nr = 1 + next_byte(in) % 32, i;
			unsigned int twice = next_byte(in);
			void *batch[32];

			if (goalloc_alloc_bulk(n, GFP_KERNEL, nr, batch) != (int)nr) {
				CHECK(injecting);
				break;
			}
			for (i = 0; i < nr; i++) {
				CHECK(goalloc_usable_size(batch[i]) >= n);
				CHECK((unsigned long)batch[i] % align_of(n, false) == 0);
				memset(batch[i], 0xa5, n);
			}
			if (twice < nr) {	/* freed now, then again in the batch */
				goalloc_free(batch[twice]);
				expected_invalid++;
				atomic_inc(&gl_expecting_reports);
			}
			goalloc_free_bulk(nr, batch);
			if (twice < nr)
				atomic_dec(&gl_expecting_reports);
			break;
		}
		case 10: {		/* migrate; take another CPU offline and back */
			unsigned int cpu = next_byte(in) % num_possible_cpus(), other = (cpu + 1) % num_possible_cpus();

			gl_set_cpu(cpu);
			if (next_byte(in) & 1) {
				gl_cpu_offline(other);
				gl_cpu_online_again(other);
			}
			break;
		}
		default: {		/* flush, scavenge, or inject failures for a while */
			unsigned int v = next_byte(in);

			if (v < 16) {
				goalloc_flush();
			} else if (v < 48) {	/* the background scavenger, or part of a pass */
				if (v & 1)
					malloc_scavenge();
				else
					mheap_scavenge_within(next_byte(in));
			} else if (v < 64) {	/* a node fills up, or has memory again */
				gl_node_full[(v >> 1) % gl_nr_nodes] = v & 1;
				node_full_set |= v & 1;
			} else if (v < 96) {	/* cache arrays cannot be had: nothing fails */
				mcentral_fail_cache.probability = v & 1 ? 100 : 0;
				mcentral_fail_cache.interval = 1 + v % 3;
				atomic_set(&mcentral_fail_cache.times, v & 1 ? -1 : 0);
			} else {
				injecting = v & 1;
				mheap_fail_grow.probability = injecting ? 100 : 0;
				mheap_fail_grow.interval = 1 + v % 3;
				atomic_set(&mheap_fail_grow.times, injecting ? -1 : 0);
			}
			break;
		}
		}
		check_stats();
	}
}

/* Each input runs on a fresh allocator, so that a crash input replays. */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size, 0 };
	struct goalloc_stats st;
	unsigned int i;

	gl_nr_nodes = 1 + (size >> 1) % 3;	/* NUMA nodes: 1, 2 or 3 */
	memset(gl_node_full, 0, sizeof(gl_node_full));
	node_full_set = false;
	gl_set_cpu(0);
	CHECK(malloc_init(false) == 0);
	profile_set_rate(size & 1 ? 1 : 4096);	/* the heap profile: every object, or some */
	goalloc_get_stats(&base);
	nlive = 0;
	expected_invalid = 0;
	nfreed = 0;
	memset(freed, 0, sizeof(freed));
	run(&in);
	injecting = false;
	atomic_set(&mheap_fail_grow.times, 0);
	atomic_set(&mcentral_fail_cache.times, 0);
	for (i = 0; i < SLOTS; i++)
		if (live[i].p)
			free_slot(&live[i]);
	check_stats();
	CHECK(!profile_records());	/* every sample's free was told */
	malloc_exit(&st);
	CHECK(st.heap_sys == 0);
	CHECK(atomic_long_read(&gl_reclaimable_pages) == 0);
	CHECK(atomic_read(&gl_warnings) == 0);
	return 0;
}
