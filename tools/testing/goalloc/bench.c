// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-trace benchmark: the same fixed-seed traces replayed against
 * goalloc's user-space build or against whatever malloc the process has
 * (glibc, or tcmalloc, jemalloc, mimalloc through LD_PRELOAD; bench.sh
 * runs them all).
 *
 *   ./bench <goalloc|malloc|null> <trace> [runs]   prints one line:
 *   trace backend ns_per_pair pairs peak_live_bytes peak_rss_growth_bytes
 * where a pair is one allocation and its free (the median of the runs).
 *
 * Traces (every allocation writes its first and last byte):
 *   fastpath    alloc and free at once, 16 B to 1 KiB: the fast paths only
 *   kernel-mix  a kernel-like mix: mostly 32-512 B, some 1-4 KiB, a few up
 *               to 64 KiB, random lifetimes over a working set of 4096
 *   prodcons    one thread allocates, another frees (remote frees)
 *   tiny        bursts of 1-15 byte pointer-free objects
 *   tiny-class  the same objects, not pointer-free: the 8 and 16 B classes
 *   large       churn of 40 KiB to 1 MiB objects
 *   var-64      alloc and free 64 B at once, the size a variable
 *   const-64    the same, the size a constant at the call site: goalloc
 *               resolves its class at compile time (include/goalloc.h)
 *   FILE        a recorded trace ("a ID SIZE [noscan]" / "f ID" lines, as
 *               tools/traces/ holds, or the name of one there, e.g.
 *               kernel-6.12 (tools/traces/kernel-6.12.trace) from the
 *               kernel's own kmem events); what it leaves live is freed at
 *               the end of each run
 * "null" hands out preallocated buffers: the harness alone, for callgrind.
 * GL_PEAK=1 (goalloc only): first, the trace replayed once up to its peak
 * of live bytes, and a line that says where goalloc's bytes are there: the
 * chunks (heap_sys), the small classes' spans and in them the objects and
 * the free ones the CPU and transfer caches hold, the large objects' spans,
 * the free runs, and the metadata (meta_sys); then all freed and flushed.
 * GL_IDLE=1 (goalloc only): then, with every object freed, the heap goes
 * idle and the background scavenger's passes run until it has nothing
 * more to give back; a second line gives the RSS growth before and after,
 * over the peak live bytes.
 * goalloc samples its heap profile as the module does by default, one
 * sample per 512 KiB (GL_PROFILE_RATE=N for another rate); bench-noprofile
 * is built with the profile off, as profile_rate=0 runs.
 * Under callgrind (--instr-atstart=no) only the last run's replay is
 * instrumented, on a shorter trace.
 */
#include <pthread.h>
#include <time.h>
#include <valgrind/callgrind.h>
#include "platform.h"
#include "../../../goalloc/malloc.h"

struct op {
	u32 slot;			/* which pointer */
	u32 size;			/* 0: free it */
	bool noscan;			/* pointer-free: a recorded "noscan" */
};

enum backend { B_GOALLOC, B_MALLOC, B_NULL };

static enum backend backend;
static bool noscan;			/* tiny trace: pointer-free objects */
static bool trace_noscan;		/* a recorded trace has "noscan" objects */
static bool const64;			/* const-64: goalloc_alloc(64, ...) */
static char *null_pool;
static size_t null_stride;

/* How goalloc is called: as most traces, noscan (tiny), per op, or as goalloc_alloc(64) */
enum call { C_PLAIN, C_NOSCAN, C_PER_OP, C_CONST64 };

/*
 * One allocation through backend @b, called as @how says (@ns: the op's
 * noscan).  The replay is compiled once per backend and call, so that no
 * backend's count includes a test of which one runs, nor another's tests.
 */
static __always_inline void *do_alloc(enum backend b, enum call how, u32 slot, size_t size,
				      bool ns)
{
	switch (b) {
	case B_GOALLOC:
		if (how == C_CONST64)
			return goalloc_alloc(64, GFP_KERNEL);
		if (how == C_NOSCAN || (how == C_PER_OP && ns))
			return goalloc_alloc_noscan(size, GFP_KERNEL);
		return goalloc_alloc(size, GFP_KERNEL);
	case B_MALLOC:
		return malloc(size);
	default:
		return null_pool + (size_t)slot * null_stride;
	}
}

static __always_inline void do_free(enum backend b, void *p)
{
	if (b == B_GOALLOC)
		goalloc_free(p);
	else if (b == B_MALLOC)
		free(p);
}

static u64 rnd_state = 0x2545f4914f6cdd1dULL;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static struct op *ops;
static size_t nops, nslots, nallocs, peak_live, peak_op, max_size;

/*
 * End the trace in ops[0..nops): free what @sizes (by slot, of @slots) says
 * is still live, then count the allocations.  ops has room for them.
 */
static void trace_close(const size_t *sizes, size_t slots)
{
	size_t i;

	for (i = 0; i < slots; i++) {	/* free what is left */
		if (sizes[i]) {
			ops[nops].slot = i;
			ops[nops].noscan = false;
			ops[nops++].size = 0;
		}
	}
	nslots = slots;
	for (i = 0; i < nops; i++) {
		nallocs += ops[i].size != 0;
		max_size = max_t(size_t, max_size, ops[i].size);
	}
}

/* A trace of @n operations over @slots pointers; sizes from @pick. */
static void make_trace(size_t n, size_t slots, u32 (*pick)(void), bool bursts)
{
	size_t *sizes = calloc(slots, sizeof(*sizes)), live = 0, i = 0, j;

	ops = calloc(n + slots, sizeof(*ops));
	while (i < n) {
		if (bursts) {		/* allocate every slot, then free them all */
			for (j = 0; j < slots && i < n; j++, i++) {
				ops[i].slot = j;
				ops[i].size = pick();
				live += ops[i].size;
				sizes[j] = ops[i].size;
			}
			peak_live = max(peak_live, live);
			for (j = 0; j < slots && i < n; j++, i++) {
				ops[i].slot = j;
				live -= sizes[j];
				sizes[j] = 0;
			}
			continue;
		}
		j = rnd() % slots;
		ops[i].slot = j;
		if (sizes[j]) {
			live -= sizes[j];
			sizes[j] = 0;
		} else {
			ops[i].size = pick();
			sizes[j] = ops[i].size;
			live += sizes[j];
			if (live > peak_live) {
				peak_live = live;
				peak_op = i;
			}
		}
		i++;
	}
	nops = i;
	trace_close(sizes, slots);
	free(sizes);
}

/* A recorded trace from @path; false if it cannot be read. */
static bool load_trace(const char *path)
{
	size_t cap = 1 << 16, id, size, *sizes = NULL, nsizes = 0, live = 0;
	char line[128], kind, ns[16];
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	ops = malloc(cap * sizeof(*ops));
	while (fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%c %zu %zu %15s", &kind, &id, &size, ns);

		if (line[0] == '#' || n < 2 || (kind == 'a' && (n < 3 || !size)))
			continue;
		if (id >= nsizes) {
			size_t grow = max(id + 1, nsizes * 2);

			sizes = realloc(sizes, grow * sizeof(*sizes));
			memset(sizes + nsizes, 0, (grow - nsizes) * sizeof(*sizes));
			nsizes = grow;
		}
		if (kind == 'a' && !sizes[id]) {
			sizes[id] = size;
			live += size;
			if (live > peak_live) {
				peak_live = live;
				peak_op = nops;
			}
		} else if (kind == 'f' && sizes[id]) {
			live -= sizes[id];
			sizes[id] = 0;
			size = 0;
		} else {
			continue;	/* a free of what is not live, a second alloc */
		}
		if (nops + 1 >= cap)
			ops = realloc(ops, (cap *= 2) * sizeof(*ops));
		ops[nops].slot = id;
		ops[nops].noscan = size && n == 4 && !strcmp(ns, "noscan");
		trace_noscan |= ops[nops].noscan;
		ops[nops++].size = size;
	}
	fclose(f);
	ops = realloc(ops, (nops + nsizes) * sizeof(*ops));	/* room to free all */
	trace_close(sizes, nsizes);
	free(sizes);
	return nallocs > 0;
}

static u32 pick_kernel(void)
{
	u64 r = rnd() % 100;

	if (r < 80)
		return 32 + rnd() % 481;
	if (r < 97)
		return 1024 + rnd() % 3073;
	return 4096 + rnd() % 61441;
}

static u32 pick_64(void)
{
	return 64;
}

static u32 pick_fastpath(void)
{
	static const u32 sizes[] = { 16, 32, 64, 96, 128, 256, 512, 1024 };

	return sizes[rnd() % ARRAY_SIZE(sizes)];
}

static u32 pick_tiny(void)
{
	return 1 + rnd() % 15;
}

static u32 pick_large(void)
{
	return 40960 + rnd() % (1 << 20);
}

static u32 pick_prodcons(void)
{
	return 64 + rnd() % 449;
}

/*
 * The trace through backend @b, called as @how says.  Its end is a local:
 * the compiler knows malloc() leaves globals alone, not goalloc.
 */
static __always_inline void __replay(void **ptr, enum backend b, enum call how,
				     const struct op *end)
{
	const struct op *o;

	for (o = ops; o < end; o++) {
		if (o->size) {
			char *p = do_alloc(b, how, o->slot, o->size, o->noscan);

			p[0] = 1;
			p[o->size - 1] = 1;
			ptr[o->slot] = p;
		} else {
			do_free(b, ptr[o->slot]);
		}
	}
}

static void replay(void **ptr)
{
	if (backend == B_MALLOC)
		__replay(ptr, B_MALLOC, C_PLAIN, ops + nops);
	else if (backend == B_NULL)
		__replay(ptr, B_NULL, C_PLAIN, ops + nops);
	else if (const64)
		__replay(ptr, B_GOALLOC, C_CONST64, ops + nops);
	else if (noscan)
		__replay(ptr, B_GOALLOC, C_NOSCAN, ops + nops);
	else if (trace_noscan)
		__replay(ptr, B_GOALLOC, C_PER_OP, ops + nops);
	else
		__replay(ptr, B_GOALLOC, C_PLAIN, ops + nops);
}

/* === Producer/consumer: a ring of pointers between two threads === */

#define RING	1024
static void *ring[RING];
static u64 ring_head, ring_tail;	/* atomics */

static void *consumer(void *arg)
{
	u64 n = (u64)(unsigned long)arg, t;

	if (backend == B_GOALLOC)
		gl_set_cpu(1);
	for (t = 0; t < n; t++) {
		void *p;

		while (__atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) == t)
			;
		p = ring[t % RING];
		__atomic_store_n(&ring_tail, t + 1, __ATOMIC_RELEASE);
		do_free(backend, p);
	}
	if (backend == B_GOALLOC)
		gl_set_cpu(-1);
	return NULL;
}

static void prodcons(size_t n)
{
	pthread_t t;
	size_t i;

	ring_head = 0;
	ring_tail = 0;
	pthread_create(&t, NULL, consumer, (void *)(unsigned long)n);
	for (i = 0; i < n; i++) {
		u32 size = ops[i].size;
		char *p = do_alloc(backend, C_PLAIN, i % nslots, size, false);

		p[0] = 1;
		p[size - 1] = 1;
		while (i - __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) >= RING)
			;
		ring[i % RING] = p;
		__atomic_store_n(&ring_head, i + 1, __ATOMIC_RELEASE);
	}
	pthread_join(t, NULL);
}

static long rss_bytes(const char *field)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			kb = atol(line + strlen(field) + 1);
	fclose(f);
	return kb * 1024;
}

/*
 * GL_PEAK: replay ops[0..peak_op] into @ptr, say where goalloc's bytes are
 * at that peak of live bytes, then free everything and flush.
 */
static void peak_report(const char *trace, void **ptr)
{
	unsigned long spans = 0, objects = 0, cached = 0, hist[32], largest;
	struct goalloc_class_stats cs;
	struct goalloc_stats st;
	unsigned int c;
	size_t i;

	__replay(ptr, B_GOALLOC, noscan ? C_NOSCAN : C_PER_OP, ops + peak_op + 1);
	goalloc_get_stats(&st);
	for (c = 1; c < NUM_SIZE_CLASSES; c++) {
		if (goalloc_get_class_stats(c, &cs))
			continue;
		spans += (unsigned long)(cs.partial + cs.full) * cs.span_bytes;
		objects += cs.live * cs.size;
		cached += (unsigned long)cs.cached * cs.size;
	}
	mheap_free_runs(hist, ARRAY_SIZE(hist), &largest);
	printf("# peak of %s: %zu KiB live; heap_sys %llu KiB in %llu chunks: small classes' spans %lu KiB (objects %lu KiB at their class sizes, cached free objects %lu KiB), large objects' spans %llu KiB, free runs %llu KiB (the longest %lu KiB); meta_sys %llu KiB\n",
	       trace, peak_live >> 10, st.heap_sys >> 10, st.chunks, spans >> 10, objects >> 10,
	       cached >> 10, (st.heap_inuse - spans) >> 10, st.heap_idle >> 10,
	       largest * GO_PAGE_SIZE >> 10, st.meta_sys >> 10);
	for (i = 0; i < nslots; i++) {
		goalloc_free(ptr[i]);
		ptr[i] = NULL;
	}
	goalloc_flush();
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *trace = argc > 2 ? argv[2] : "kernel-mix";
	int runs = argc > 3 ? atoi(argv[3]) : 5, r;
	bool pc = !strcmp(trace, "prodcons");
	bool grind = RUNNING_ON_VALGRIND;	/* shorter traces */
	double t[16];
	void **ptr;
	long rss0;

	if (argc < 2 || runs < 1 || runs > 16) {
		fprintf(stderr, "usage: %s <goalloc|malloc|null> <fastpath|kernel-mix|prodcons|tiny|tiny-class|large|var-64|const-64|FILE> [runs]\n",
			argv[0]);
		return 2;
	}
	backend = !strcmp(argv[1], "goalloc") ? B_GOALLOC : !strcmp(argv[1], "malloc") ?
		  B_MALLOC : B_NULL;
	if (!strcmp(trace, "fastpath"))
		make_trace(grind ? 200000 : 2000000, 1, pick_fastpath, false);
	else if (!strcmp(trace, "kernel-mix"))
		make_trace(grind ? 200000 : 2000000, 4096, pick_kernel, false);
	else if (pc)
		make_trace(grind ? 200000 : 2000000, RING * 2, pick_prodcons, false);
	else if (!strcmp(trace, "tiny"))
		make_trace(grind ? 200000 : 2000000, 1000, pick_tiny, true);
	else if (!strcmp(trace, "tiny-class"))	/* the same, as objects that may hold pointers */
		make_trace(grind ? 200000 : 2000000, 1000, pick_tiny, true);
	else if (!strcmp(trace, "var-64") || !strcmp(trace, "const-64"))
		make_trace(grind ? 200000 : 2000000, 1, pick_64, false);
	else if (!strcmp(trace, "large"))
		make_trace(grind ? 20000 : 100000, 64, pick_large, false);
	else if (!load_trace(trace)) {
		char path[256];	/* a name in tools/traces/ */

		snprintf(path, sizeof(path), "../../traces/%s.trace", trace);
		if (!load_trace(path))
			return 2;
	}
	noscan = !strcmp(trace, "tiny");
	const64 = !strcmp(trace, "const-64");
	if (pc) {			/* the producer's sizes, one per object */
		size_t i, k = 0;

		for (i = 0; i < nops; i++)
			if (ops[i].size)
				ops[k++] = ops[i];
		nops = k;
		peak_live = RING * 512;
	}
	ptr = calloc(nslots, sizeof(*ptr));
	if (backend == B_NULL) {
		/* slots may overlap past 64 KiB: the harness only touches bytes */
		null_stride = ALIGN(min_t(size_t, max_size, 65536), 64);
		null_pool = malloc(nslots * null_stride + max_size);
		if (!null_pool)
			return 1;
	}
	if (backend == B_GOALLOC) {
		const char *rate = getenv("GL_PROFILE_RATE");

		gl_set_cpu(0);
		if (malloc_init(false))
			return 1;
		/* the heap profile as the module samples by default, or as asked */
		profile_set_rate(rate ? strtoul(rate, NULL, 0) : 512 * 1024);
	}
	if (backend == B_GOALLOC && !pc && getenv("GL_PEAK"))
		peak_report(trace, ptr);
	rss0 = rss_bytes("VmRSS:");
	for (r = 0; r < runs; r++) {
		double t0 = now_ns();

		if (r == runs - 1)	/* callgrind: the last (warm) run only */
			CALLGRIND_START_INSTRUMENTATION;
		if (pc)
			prodcons(nops);
		else
			replay(ptr);
		CALLGRIND_STOP_INSTRUMENTATION;
		t[r] = (now_ns() - t0) / nallocs;
	}
	qsort(t, runs, sizeof(t[0]), cmp_double);
	printf("%s %s %.2f %zu %zu %ld\n", trace, argv[1], t[runs / 2], nallocs, peak_live,
	       rss_bytes("VmHWM:") - rss0);
	if (backend == B_GOALLOC && getenv("GL_IDLE")) {
		long before = rss_bytes("VmRSS:") - rss0, after;
		unsigned int passes = 0, quiet = 0;

		/* a pass finds idle CPUs, the next flushes them, then runs go back */
		while (quiet < 2 && passes < 1000) {
			quiet = malloc_scavenge() ? 0 : quiet + 1;
			passes++;
		}
		after = rss_bytes("VmRSS:") - rss0;
		printf("# idle %s: RSS growth over peak live %.2f after the trace, %.2f after %u scavenger passes\n",
		       trace, (double)before / peak_live, (double)after / peak_live, passes);
	}
	return 0;
}
