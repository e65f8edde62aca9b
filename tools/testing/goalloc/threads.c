// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-threaded soak of the user-space core, for ThreadSanitizer: worker
 * threads, each on its own "CPU", allocate a random mix (tiny, small scan
 * and noscan, on any NUMA node with GL_NODES=n, large, bulk, realloc), fill every object with a pattern, and
 * hand a third of them to a neighbour, who checks and frees them (remote
 * frees).  One more thread migrates between spare CPUs, takes the CPU it
 * left offline (the hotplug callback flushes it) and online again, and
 * flushes everything now and then.  At the end every object is checked
 * and freed, and the statistics must show nothing live, nothing invalid.
 *   ./kunit-tsan [ops-per-thread]
 */
#include <pthread.h>
#include "platform.h"
#include "../../../goalloc/malloc.h"

#define WORKERS		4
#define RING		256
#define LIVE		128

struct obj {
	unsigned char *p;
	size_t size;
	unsigned char seed;
};

struct ring {				/* objects handed to the next worker */
	spinlock_t lock;
	struct obj slot[RING];
	unsigned int head, tail;
};

static struct ring rings[WORKERS];
static unsigned long ops_per_thread = 20000;
static atomic_t bad_bytes, failed_allocs, hotplug_cycles, workers_done;

static unsigned long rnd(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(struct obj *o)
{
	size_t i;

	for (i = 0; i < o->size; i++)
		o->p[i] = o->seed + i * 7;
}

static void check_and_free(struct obj *o)
{
	size_t i;

	for (i = 0; i < o->size; i++)
		if (o->p[i] != (unsigned char)(o->seed + i * 7)) {
			atomic_inc(&bad_bytes);
			break;
		}
	goalloc_free(o->p);
	o->p = NULL;
}

static bool ring_put(struct ring *r, struct obj *o)
{
	bool ok;

	spin_lock(&r->lock);
	ok = r->head - r->tail < RING;
	if (ok)
		r->slot[r->head++ % RING] = *o;
	spin_unlock(&r->lock);
	return ok;
}

static bool ring_get(struct ring *r, struct obj *o)
{
	bool ok;

	spin_lock(&r->lock);
	ok = r->head != r->tail;
	if (ok)
		*o = r->slot[r->tail++ % RING];
	spin_unlock(&r->lock);
	return ok;
}

static size_t pick_size(unsigned long *s)
{
	switch (rnd(s) % 16) {
	case 0 ... 5:
		return 1 + rnd(s) % 15;
	case 6 ... 12:
		return 16 + rnd(s) % 1024;
	case 13 ... 14:
		return 1024 + rnd(s) % 32768;
	default:
		return 32769 + rnd(s) % (256 << 10);
	}
}

static void *worker(void *arg)
{
	unsigned int id = (unsigned long)arg, k;
	unsigned long seed = 0x9e3779b97f4a7c15UL * (id + 1), i;
	struct obj live[LIVE] = { 0 }, o;
	void *bulk[32];

	gl_set_cpu(id);
	for (i = 0; i < ops_per_thread; i++) {
		struct obj *l = &live[rnd(&seed) % LIVE];
		unsigned int op = rnd(&seed) % 10;

		if (i % 16 == 0)
			gl_cpu_yield();
		if (ring_get(&rings[id], &o))
			check_and_free(&o);
		if (l->p) {
			if (op < 3 && ring_put(&rings[(id + 1) % WORKERS], l)) {
				l->p = NULL;
			} else if (op == 3) {
				size_t n = pick_size(&seed);
				unsigned char *q = goalloc_realloc(l->p, n, GFP_KERNEL);

				if (!q) {
					atomic_inc(&failed_allocs);
					continue;
				}
				if (n < l->size)
					l->size = n;
				l->p = q;
				check_and_free(l);
			} else {
				check_and_free(l);
			}
			continue;
		}
		if (op == 9) {
			size_t n = 16 + rnd(&seed) % 512;

			if (goalloc_alloc_bulk(n, GFP_KERNEL, ARRAY_SIZE(bulk), bulk) !=
			    ARRAY_SIZE(bulk)) {
				atomic_inc(&failed_allocs);
				continue;
			}
			for (k = 0; k < ARRAY_SIZE(bulk); k++)
				memset(bulk[k], k, n);
			goalloc_free_bulk(ARRAY_SIZE(bulk), bulk);
			continue;
		}
		l->size = pick_size(&seed);
		l->seed = rnd(&seed);
		l->p = op & 1 ? goalloc_alloc_noscan(l->size, GFP_KERNEL) :
		       op % 4 == 2 ? goalloc_alloc_node(l->size, GFP_KERNEL,
							rnd(&seed) % gl_nr_nodes) :
				goalloc_alloc(l->size, GFP_ATOMIC);
		if (!l->p) {
			atomic_inc(&failed_allocs);
			continue;
		}
		fill(l);
	}
	for (k = 0; k < LIVE; k++)
		if (live[k].p)
			check_and_free(&live[k]);
	gl_set_cpu(-1);
	atomic_inc(&workers_done);
	return NULL;
}

/* Spare CPUs WORKERS.. : migrate, offline the CPU left, online it again. */
static void *hotplugger(void *arg)
{
	unsigned int cpu = WORKERS, next;
	unsigned long seed = 42;
	struct obj o = { 0 };

	gl_set_cpu(cpu);
	while (atomic_read(&workers_done) < WORKERS) {
		o.size = pick_size(&seed);
		o.seed = seed;
		o.p = goalloc_alloc(o.size, GFP_KERNEL);
		if (o.p)
			fill(&o);
		next = WORKERS + (cpu - WORKERS + 1) % (num_possible_cpus() - WORKERS);
		gl_set_cpu(next);		/* the object now frees remotely */
		gl_cpu_offline(cpu);
		gl_cpu_online_again(cpu);
		atomic_inc(&hotplug_cycles);
		if (o.p)
			check_and_free(&o);
		if (atomic_read(&hotplug_cycles) % 64 == 0)
			goalloc_flush();
		else if (atomic_read(&hotplug_cycles) % 16 == 0)
			malloc_scavenge();	/* the background scavenger's pass */
		cpu = next;
	}
	gl_set_cpu(-1);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[WORKERS + 1];
	struct goalloc_stats st;
	struct obj o;
	unsigned long i;
	int failed = 0;

	if (argc > 1)
		ops_per_thread = strtoul(argv[1], NULL, 0);
	/* GL_NODES=n: n NUMA nodes, CPU c on node c % n */
	if (getenv("GL_NODES"))
		gl_nr_nodes = min(max(atoi(getenv("GL_NODES")), 1), GL_MAX_NODES);
	gl_set_cpu(num_possible_cpus() - 1);
	/* GL_DEBUG=1: in debug mode, which must find nothing wrong */
	if (malloc_init(getenv("GL_DEBUG") && atoi(getenv("GL_DEBUG"))))
		return 1;
	profile_set_rate(4096);		/* the heap profile samples as they race */
	gl_set_cpu(-1);			/* off every CPU while others run */
	for (i = 0; i < WORKERS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	pthread_create(&t[WORKERS], NULL, hotplugger, NULL);
	for (i = 0; i <= WORKERS; i++)
		pthread_join(t[i], NULL);
	gl_set_cpu(num_possible_cpus() - 1);
	for (i = 0; i < WORKERS; i++)
		while (ring_get(&rings[i], &o))
			check_and_free(&o);

	goalloc_get_stats(&st);
#define CHECK(cond) do {							\
	bool ok = (cond);							\
	printf("%s - %s\n", ok ? "ok" : "not ok", #cond);			\
	failed += !ok;								\
} while (0)
	CHECK(atomic_read(&bad_bytes) == 0);
	CHECK(atomic_read(&failed_allocs) == 0);
	CHECK(st.heap_objects == 0);
	CHECK(st.mallocs == st.frees);
	CHECK(st.invalid_frees == 0);
	CHECK(st.debug_reports == 0);
	CHECK(atomic_read(&gl_warnings) == 0);
	CHECK(atomic_read(&hotplug_cycles) > 0);
	malloc_exit(&st);
	CHECK(st.heap_sys == 0);
	printf("# threads: %d workers x %lu ops, %lu allocations, %d hotplug cycles, %s\n",
	       WORKERS, ops_per_thread, (unsigned long)st.mallocs,
	       atomic_read(&hotplug_cycles), failed ? "FAILED" : "passed");
	return failed != 0;
}
