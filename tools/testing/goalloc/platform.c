// SPDX-License-Identifier: GPL-2.0
/*
 * The platform under the core in user space.  See platform.h.
 */
#include <pthread.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sched.h>
#include "platform.h"

/* === CPUs and per-CPU variables === */

__thread int gl_cpu = -1;
__thread unsigned long gl_this_cpu_offset;
__thread int gl_irqs_off;
__thread int gl_preempt_off;
bool gl_cpu_online[GL_NR_CPUS] = { [0 ... GL_NR_CPUS - 1] = true };
unsigned long gl_percpu_offset[GL_NR_CPUS];
static char *percpu_copies[GL_NR_CPUS];

static pthread_mutex_t cpu_run[GL_NR_CPUS] = {
	[0 ... GL_NR_CPUS - 1] = PTHREAD_MUTEX_INITIALIZER
};

void gl_set_cpu(int cpu)
{
	gl_assert(!gl_irqs_off && !gl_preempt_off, "no migration with interrupts or preemption off");
	if (cpu == gl_cpu)
		return;
	if (gl_cpu >= 0)
		pthread_mutex_unlock(&cpu_run[gl_cpu]);
	if (cpu >= 0)
		pthread_mutex_lock(&cpu_run[cpu]);
	gl_cpu = cpu;
	gl_this_cpu_offset = cpu >= 0 ? gl_percpu_offset[cpu] : 0;
}

void gl_cpu_yield(void)
{
	gl_assert(!gl_irqs_off && !gl_preempt_off, "no preemption with interrupts or preemption off");
	if (gl_cpu >= 0) {
		pthread_mutex_unlock(&cpu_run[gl_cpu]);
		sched_yield();
		pthread_mutex_lock(&cpu_run[gl_cpu]);
	}
}

unsigned int num_online_cpus(void)
{
	unsigned int cpu, n = 0;

	for_each_online_cpu(cpu)
		n++;
	return n;
}

extern char __start_gl_percpu[], __stop_gl_percpu[];

/* Before main(): one copy of the per-CPU section per CPU (CPU 0's included). */
__attribute__((constructor)) static void percpu_setup(void)
{
	size_t size = __stop_gl_percpu - __start_gl_percpu;
	unsigned int cpu;

	for (cpu = 0; cpu < GL_NR_CPUS; cpu++) {
		char *copy = aligned_alloc(64, ALIGN(size, 64) ?: 64);

		if (!copy)
			abort();
		memcpy(copy, __start_gl_percpu, size);
		percpu_copies[cpu] = copy;
		gl_percpu_offset[cpu] = copy - __start_gl_percpu;
	}
}

/* Room above the first mapping for mappings mmap() may place higher later. */
#define GL_ARENA_MARGIN	(4UL << 30)
unsigned long gl_arena_last;

/* Before main(): where the arena index starts (platform_arena_index()). */
__attribute__((constructor)) static void arena_index_setup(void)
{
	void *p = mmap(NULL, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	munmap(p, PAGE_SIZE);
	gl_arena_last = ALIGN((unsigned long)p + GL_ARENA_MARGIN, GL_ARENA_MARGIN) - 1;
}

void platform_each_cpu(void (*fn)(void), void (*offline)(unsigned int cpu))
{
	int self = smp_processor_id();
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		gl_set_cpu(cpu);
		fn();
	}
	gl_set_cpu(self);
	if (offline)
		for_each_possible_cpu(cpu)
			if (!cpu_online(cpu))
				offline(cpu);
}

static int (*cpu_dead_cb)(unsigned int cpu);

int platform_cpu_dead_register(int (*dead)(unsigned int cpu))
{
	cpu_dead_cb = dead;
	return 0;
}

void platform_cpu_dead_unregister(void)
{
	cpu_dead_cb = NULL;
}

void gl_cpu_offline(unsigned int cpu)
{
	WRITE_ONCE(gl_cpu_online[cpu], false);
	if (cpu_dead_cb)
		cpu_dead_cb(cpu);
}

void gl_cpu_online_again(unsigned int cpu)
{
	WRITE_ONCE(gl_cpu_online[cpu], true);
}

/* === Locks === */

void gl_spin_wait(spinlock_t *l)
{
	unsigned int spins = 0;

	do {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			if (++spins % 64 == 0)
				sched_yield();
			else
				__builtin_ia32_pause();
		}
	} while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE));
}

void gl_assert_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: platform assertion failed: %s\n", file, line, what);
	abort();
}

/* === Pages === */

unsigned int gl_nr_nodes = 1;
bool gl_node_full[GL_MAX_NODES];
/* The node of each page (page_to_nid()): 1 GiB regions of a byte per page. */
#define NODE_REGION_SHIFT	30
static u8 *node_regions[1UL << (47 - NODE_REGION_SHIFT)];
static spinlock_t node_lock;

static void set_page_nodes(unsigned long addr, unsigned long nr, int node)
{
	unsigned long i, a, r;

	spin_lock(&node_lock);
	for (i = 0; i < nr; i++) {
		a = addr + i * PAGE_SIZE;
		r = a >> NODE_REGION_SHIFT;
		if (!node_regions[r]) {
			node_regions[r] = calloc(1UL << (NODE_REGION_SHIFT - PAGE_SHIFT), 1);
			if (!node_regions[r])
				abort();
		}
		node_regions[r][(a & ((1UL << NODE_REGION_SHIFT) - 1)) >> PAGE_SHIFT] = node;
	}
	spin_unlock(&node_lock);
}

int platform_page_node(unsigned long addr)
{
	u8 *region;
	int node;

	spin_lock(&node_lock);
	region = node_regions[addr >> NODE_REGION_SHIFT];
	node = region ? region[(addr & ((1UL << NODE_REGION_SHIFT) - 1)) >> PAGE_SHIFT] : -1;
	spin_unlock(&node_lock);
	return node;
}

/*
 * mmap with the natural alignment of a buddy block of @order, on @node (or
 * this CPU's), or on the next node with memory left (gl_node_full[]) unless
 * @gfp has __GFP_THISNODE.
 */
unsigned long platform_alloc_pages(int node, gfp_t gfp, unsigned int order)
{
	size_t size = PAGE_SIZE << order;
	unsigned long base, head, tail;
	unsigned int i;
	void *p;

	might_alloc(gfp);
	if (node < 0 || node >= (int)gl_nr_nodes)
		node = numa_mem_id();
	for (i = 0; i < gl_nr_nodes && READ_ONCE(gl_node_full[node]); i++) {
		if (gfp & __GFP_THISNODE)
			return 0;
		node = (node + 1) % gl_nr_nodes;
	}
	p = mmap(NULL, size * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	base = ALIGN((unsigned long)p, size);
	head = base - (unsigned long)p;
	tail = size - head;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((void *)(base + size), tail);
	gl_assert(base + size - 1 <= gl_arena_last, "a chunk within the arena index");
	set_page_nodes(base, 1UL << order, node);
	return base;
}

void platform_free_pages(unsigned long addr, unsigned int order)
{
	munmap((void *)addr, PAGE_SIZE << order);
}

void platform_split_pages(unsigned long addr, unsigned int order)
{
}

void platform_free_page_range(unsigned long addr, unsigned long nr)
{
	munmap((void *)addr, nr * PAGE_SIZE);
}

/* === Bit searches === */

unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long off)
{
	unsigned long w;

	while (off < size) {
		w = READ_ONCE(addr[BIT_WORD(off)]) >> (off % BITS_PER_LONG);
		if (w)
			return min(size, off + __ffs(w));
		off = ALIGN(off + 1, BITS_PER_LONG);
	}
	return size;
}

unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
				 unsigned long off)
{
	unsigned long w;

	while (off < size) {
		w = ~READ_ONCE(addr[BIT_WORD(off)]) >> (off % BITS_PER_LONG);
		if (w)
			return min(size, off + __ffs(w));
		off = ALIGN(off + 1, BITS_PER_LONG);
	}
	return size;
}

unsigned long find_last_bit(const unsigned long *addr, unsigned long size)
{
	unsigned long i = size;

	while (i--)
		if (test_bit(i, addr))
			return i;
	return size;
}

/* === Red-black trees (CLRS, with parent pointers; the kernel's API) === */

static void rb_rotate(struct rb_root *root, struct rb_node *x, bool left)
{
	struct rb_node *y = left ? x->rb_right : x->rb_left;

	if (left) {
		x->rb_right = y->rb_left;
		if (y->rb_left)
			y->rb_left->rb_parent = x;
	} else {
		x->rb_left = y->rb_right;
		if (y->rb_right)
			y->rb_right->rb_parent = x;
	}
	y->rb_parent = x->rb_parent;
	if (!x->rb_parent)
		root->rb_node = y;
	else if (x == x->rb_parent->rb_left)
		x->rb_parent->rb_left = y;
	else
		x->rb_parent->rb_right = y;
	if (left)
		y->rb_left = x;
	else
		y->rb_right = x;
	x->rb_parent = y;
}

void rb_insert_color(struct rb_node *z, struct rb_root *root)
{
	while (z->rb_parent && z->rb_parent->red) {
		struct rb_node *p = z->rb_parent, *g = p->rb_parent;
		bool pleft = p == g->rb_left;
		struct rb_node *u = pleft ? g->rb_right : g->rb_left;

		if (u && u->red) {
			p->red = 0;
			u->red = 0;
			g->red = 1;
			z = g;
			continue;
		}
		if (z == (pleft ? p->rb_right : p->rb_left)) {
			z = p;
			rb_rotate(root, z, pleft);
			p = z->rb_parent;
		}
		p->red = 0;
		g->red = 1;
		rb_rotate(root, g, !pleft);
	}
	root->rb_node->red = 0;
}

static void rb_transplant(struct rb_root *root, struct rb_node *u, struct rb_node *v)
{
	if (!u->rb_parent)
		root->rb_node = v;
	else if (u == u->rb_parent->rb_left)
		u->rb_parent->rb_left = v;
	else
		u->rb_parent->rb_right = v;
	if (v)
		v->rb_parent = u->rb_parent;
}

static struct rb_node *rb_min(struct rb_node *n)
{
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

static struct rb_node *rb_max(struct rb_node *n)
{
	while (n->rb_right)
		n = n->rb_right;
	return n;
}

void rb_erase(struct rb_node *z, struct rb_root *root)
{
	struct rb_node *y = z, *x, *xp;
	int yred = y->red;

	if (!z->rb_left) {
		x = z->rb_right;
		xp = z->rb_parent;
		rb_transplant(root, z, z->rb_right);
	} else if (!z->rb_right) {
		x = z->rb_left;
		xp = z->rb_parent;
		rb_transplant(root, z, z->rb_left);
	} else {
		y = rb_min(z->rb_right);
		yred = y->red;
		x = y->rb_right;
		if (y->rb_parent == z) {
			xp = y;
		} else {
			xp = y->rb_parent;
			rb_transplant(root, y, y->rb_right);
			y->rb_right = z->rb_right;
			y->rb_right->rb_parent = y;
		}
		rb_transplant(root, z, y);
		y->rb_left = z->rb_left;
		y->rb_left->rb_parent = y;
		y->red = z->red;
	}
	if (yred)
		return;
	/* fix a black deficit at x (which may be NULL, child of xp) */
	while (x != root->rb_node && (!x || !x->red)) {
		bool xleft = x ? x == xp->rb_left : xp->rb_left == NULL;
		struct rb_node *w = xleft ? xp->rb_right : xp->rb_left;

		if (w->red) {
			w->red = 0;
			xp->red = 1;
			rb_rotate(root, xp, xleft);
			w = xleft ? xp->rb_right : xp->rb_left;
		}
		if ((!w->rb_left || !w->rb_left->red) && (!w->rb_right || !w->rb_right->red)) {
			w->red = 1;
			x = xp;
			xp = x->rb_parent;
			continue;
		}
		if (xleft ? (!w->rb_right || !w->rb_right->red) : (!w->rb_left || !w->rb_left->red)) {
			(xleft ? w->rb_left : w->rb_right)->red = 0;
			w->red = 1;
			rb_rotate(root, w, !xleft);
			w = xleft ? xp->rb_right : xp->rb_left;
		}
		w->red = xp->red;
		xp->red = 0;
		(xleft ? w->rb_right : w->rb_left)->red = 0;
		rb_rotate(root, xp, xleft);
		x = root->rb_node;
		break;
	}
	if (x)
		x->red = 0;
}

struct rb_node *rb_first(const struct rb_root *root)
{
	return root->rb_node ? rb_min(root->rb_node) : NULL;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	return root->rb_node ? rb_max(root->rb_node) : NULL;
}

struct rb_node *rb_next(const struct rb_node *n)
{
	const struct rb_node *p;

	if (n->rb_right)
		return rb_min(n->rb_right);
	for (p = n->rb_parent; p && n == p->rb_right; n = p, p = p->rb_parent)
		;
	return (struct rb_node *)p;
}

/* === Warnings, options, fault injection === */

atomic_t gl_warnings;
atomic_t gl_expecting_reports;
atomic_long_t gl_reclaimable_pages;
int gl_verbose;
bool gl_init_on_alloc, gl_init_on_free;

#ifndef GL_BENCH
/* RCU-sched's readers and grace periods (platform.h) */
static pthread_rwlock_t gl_rcu = PTHREAD_RWLOCK_INITIALIZER;

void gl_rcu_read_lock(void)
{
	pthread_rwlock_rdlock(&gl_rcu);
}

void gl_rcu_read_unlock(void)
{
	pthread_rwlock_unlock(&gl_rcu);
}

void gl_synchronize_rcu(void)
{
	pthread_rwlock_wrlock(&gl_rcu);
	pthread_rwlock_unlock(&gl_rcu);
}
#endif

void gl_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

bool compat_should_fail(struct fault_attr *attr, ssize_t size)
{
	unsigned long n;

	if (!atomic_read(&attr->times) || !attr->probability)
		return false;
	n = __atomic_add_fetch(&attr->count, 1, __ATOMIC_RELAXED);
	if (attr->interval > 1 && n % attr->interval)
		return false;
	if (attr->probability < 100 && (unsigned long)(rand() % 100) >= attr->probability)
		return false;
	if (atomic_read(&attr->times) != -1)
		atomic_dec(&attr->times);
	return true;
}

/* get_random_u32(): a thread's own xorshift, seeded from its address. */
u32 platform_random_u32(void)
{
	static __thread u64 x;

	if (!x)
		x = (unsigned long)&x | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x >> 32;
}
