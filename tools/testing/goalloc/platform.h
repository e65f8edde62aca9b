/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The platform under the core in user space: the subset of the kernel API
 * that goalloc/ is written against (see goalloc/platform.h), over mmap,
 * C11 atomics and threads.  Force-included (-include) into every core
 * source, so goalloc/platform.h, which sees GOALLOC_PLATFORM_H defined, is
 * skipped and the core compiles unchanged.
 *
 *   kernel                      here
 *   buddy allocator, pages      mmap, naturally aligned (platform.c)
 *   page->private tags          a two-level table by address (platform.c)
 *   CPU                         a "CPU" slot per thread (gl_set_cpu())
 *   per-CPU variables           a section copied once per CPU, reached by
 *                               offset, as the kernel does
 *   spinlock, local_lock        a test-and-set lock; "interrupts off" is a
 *                               per-thread depth that lockdep asserts check
 *   WARN_ONCE, pr_*             counted (gl_warnings), printed when verbose
 *   fault injection             interval/probability/times, as should_fail()
 *   kmemleak                    nothing
 */
#ifndef GOALLOC_PLATFORM_H
#define GOALLOC_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <errno.h>
#include <sys/types.h>

/* === Types and compiler === */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int gfp_t;

#define __must_check		__attribute__((warn_unused_result))
#define __alloc_size(x, ...)	__attribute__((alloc_size(x, ## __VA_ARGS__), malloc))
#define __realloc_size(x, ...)	__attribute__((alloc_size(x, ## __VA_ARGS__)))
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)
#define IS_ERR_OR_NULL(p)	(!(p) || (unsigned long)(p) >= (unsigned long)-4095)
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline		inline __attribute__((always_inline))
#endif
#define noinline		__attribute__((noinline))
#define __maybe_unused		__attribute__((unused))
#define __percpu
#define __init
#define __ro_after_init
#define ____cacheline_aligned_in_smp	__attribute__((aligned(64)))

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/*
 * An intended race, as the kernel's data_race() tells KCSAN: here
 * ThreadSanitizer is told to ignore the reads of @expr.
 */
#if defined(__SANITIZE_THREAD__)
#define GL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GL_TSAN 1
#endif
#endif
#ifdef GL_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
#define data_race(expr) ({							\
	AnnotateIgnoreReadsBegin(__FILE__, __LINE__);				\
	__typeof__(expr) __v = (expr);						\
	AnnotateIgnoreReadsEnd(__FILE__, __LINE__);				\
	__v; })
#else
#define data_race(expr)		(expr)
#endif

#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)

/* The kernel's IS_ENABLED(): 1 for an option defined as 1, else 0. */
#define __ARG_PLACEHOLDER_1			0,
#define __take_second_arg(__ignored, val, ...)	val
#define __is_defined(x)				___is_defined(x)
#define ___is_defined(val)			____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk)		__take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option)			__is_defined(option)

#define EXPORT_SYMBOL_GPL(sym)		extern __typeof__(sym) sym
#define EXPORT_SYMBOL_IF_KUNIT(sym)	extern __typeof__(sym) sym

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min_t(t, a, b)		min((t)(a), (t)(b))
#define round_up(x, y)		((((x) - 1) | ((__typeof__(x))(y) - 1)) + 1)
#define round_down(x, y)	((x) & ~((__typeof__(x))(y) - 1))
#define max_t(t, a, b)		max((t)(a), (t)(b))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define struct_size(p, member, n) \
	(sizeof(*(p)) + sizeof((p)->member[0]) * (size_t)(n))
#define U16_MAX			UINT16_MAX
#define U32_MAX			UINT32_MAX

/* === Bits === */

#define BITS_PER_LONG		64
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define BITS_TO_LONGS(n)	DIV_ROUND_UP(n, BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits)	unsigned long name[BITS_TO_LONGS(bits)]
#define BIT_WORD(n)		((n) / BITS_PER_LONG)
#define BIT_MASK(n)		(1UL << ((n) % BITS_PER_LONG))

static inline unsigned long __ffs64(u64 w) { return __builtin_ctzll(w); }
static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline u64 ror64(u64 w, unsigned int shift) { return (w >> (shift & 63)) | (w << ((-shift) & 63)); }
static inline unsigned int hweight64(u64 w) { return __builtin_popcountll(w); }
static inline unsigned int hweight_long(unsigned long w) { return __builtin_popcountl(w); }
static inline int fls_long(unsigned long w) { return w ? 64 - __builtin_clzl(w) : 0; }
#define ilog2(n)		(fls_long(n) - 1)
#define is_power_of_2(n)	((n) != 0 && ((n) & ((n) - 1)) == 0)
#define order_base_2(n)		((n) > 1 ? ilog2((n) - 1) + 1 : 0)

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return (__atomic_load_n(&addr[BIT_WORD(nr)], __ATOMIC_RELAXED) >> (nr % BITS_PER_LONG)) & 1;
}

static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	WRITE_ONCE(addr[BIT_WORD(nr)], addr[BIT_WORD(nr)] | BIT_MASK(nr));
}

static inline void __clear_bit(unsigned long nr, unsigned long *addr)
{
	WRITE_ONCE(addr[BIT_WORD(nr)], addr[BIT_WORD(nr)] & ~BIT_MASK(nr));
}

/*
 * Unordered in the kernel, where smp_mb__before_atomic() orders what comes
 * before it; ThreadSanitizer does not see fences, so it is a release here.
 */
static inline void set_bit(unsigned long nr, unsigned long *addr)
{
	__atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_RELEASE);
}

/* goalloc follows it with a value-returning bitop, seq_cst here */
#define smp_mb__after_atomic()	__asm__ __volatile__("" ::: "memory")
#ifdef GL_TSAN
#define smp_mb()		__atomic_signal_fence(__ATOMIC_SEQ_CST)
#define smp_mb__before_atomic()	__asm__ __volatile__("" ::: "memory")
#else
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_mb__before_atomic()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#define smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#ifdef GL_TSAN	/* no fences under TSan: the reads they order are data_race() */
#define smp_wmb()		__asm__ __volatile__("" ::: "memory")
#define smp_rmb()		__asm__ __volatile__("" ::: "memory")
#else
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)

static inline bool test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	return __atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static inline bool test_and_clear_bit(unsigned long nr, unsigned long *addr)
{
	return __atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

#define xchg(p, v)		__atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)

unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long off);
unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
				 unsigned long off);
unsigned long find_last_bit(const unsigned long *addr, unsigned long size);
#define find_first_zero_bit(a, size)	find_next_zero_bit(a, size, 0)
#define for_each_set_bit_from(bit, addr, size) \
	for ((bit) = find_next_bit(addr, size, bit); (bit) < (size); \
	     (bit) = find_next_bit(addr, size, (bit) + 1))

static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(long));
}

static inline void bitmap_set(unsigned long *map, unsigned int start, unsigned int n)
{
	while (n--)
		__set_bit(start++, map);
}

/* === Atomics === */

typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }

#define __gl_atomic_ops(pfx, t, T)						\
static inline T pfx##_read(const t *v) { return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); } \
static inline void pfx##_set(t *v, T i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); } \
static inline void pfx##_add(T i, t *v) { __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED); } \
static inline void pfx##_sub(T i, t *v) { __atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED); } \
static inline void pfx##_inc(t *v) { pfx##_add(1, v); }			\
static inline void pfx##_dec(t *v) { pfx##_sub(1, v); }			\
static inline T pfx##_add_return(T i, t *v) { return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); } \
static inline T pfx##_inc_return(t *v) { return pfx##_add_return(1, v); } \
static inline T pfx##_dec_return(t *v) { return pfx##_add_return(-1, v); } \
static inline bool pfx##_dec_and_test(t *v) { return pfx##_dec_return(v) == 0; } \
static inline T pfx##_fetch_or(T i, t *v) { return __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST); } \
static inline T pfx##_fetch_andnot(T i, t *v) { return __atomic_fetch_and(&v->counter, ~i, __ATOMIC_SEQ_CST); } \
static inline void pfx##_or(T i, t *v) { __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST); } \
static inline void pfx##_andnot(T i, t *v) { __atomic_fetch_and(&v->counter, ~i, __ATOMIC_SEQ_CST); } \
static inline T pfx##_xchg(t *v, T i) { return __atomic_exchange_n(&v->counter, i, __ATOMIC_SEQ_CST); } \
static inline T pfx##_cmpxchg(t *v, T old, T new)				\
{ __atomic_compare_exchange_n(&v->counter, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); return old; } \
static inline bool pfx##_try_cmpxchg(t *v, T *old, T new)			\
{ return __atomic_compare_exchange_n(&v->counter, old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); }
__gl_atomic_ops(atomic, atomic_t, int)
static inline int atomic_read_acquire(const atomic_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);
}

__gl_atomic_ops(atomic_long, atomic_long_t, long)

/* === Lists (the kernel's list.h subset the core uses) === */

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

static inline void list_add(struct list_head *n, struct list_head *h) { __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }

static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = (struct list_head *)0x100;	/* LIST_POISON1 */
	e->prev = (struct list_head *)0x122;	/* LIST_POISON2 */
}

static inline void list_del_init(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	INIT_LIST_HEAD(e);
}

static inline void list_move(struct list_head *e, struct list_head *h)
{
	list_del_init(e);
	list_add(e, h);
}

static inline bool list_empty(const struct list_head *h) { return READ_ONCE(h->next) == h; }

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(h, type, member)	list_entry((h)->next, type, member)
#define list_first_entry_or_null(h, type, member) \
	(list_empty(h) ? NULL : list_first_entry(h, type, member))
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each_entry(pos, head, member)					\
	for (pos = list_first_entry(head, __typeof__(*pos), member);		\
	     &pos->member != (head); pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)				\
	for (pos = list_first_entry(head, __typeof__(*pos), member),		\
	     n = list_next_entry(pos, member); &pos->member != (head);		\
	     pos = n, n = list_next_entry(n, member))

/* === Red-black trees: the kernel's rbtree API (platform.c) === */

struct rb_node {
	struct rb_node *rb_parent, *rb_left, *rb_right;
	int red;
};

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_ROOT			((struct rb_root) { NULL })
#define rb_entry(ptr, type, member)	container_of(ptr, type, member)
#define RB_CLEAR_NODE(n)	((n)->rb_parent = (n))
#define RB_EMPTY_NODE(n)	((n)->rb_parent == (n))

static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->rb_parent = parent;
	node->rb_left = node->rb_right = NULL;
	node->red = 1;
	*link = node;
}

void rb_insert_color(struct rb_node *node, struct rb_root *root);
void rb_erase(struct rb_node *node, struct rb_root *root);
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);

/* === CPUs and per-CPU variables === */

#define GL_NR_CPUS		16
#define NR_CPUS			GL_NR_CPUS
#define nr_cpu_ids		GL_NR_CPUS

/*
 * A thread runs "on" a CPU while it holds that CPU's run lock, so no two
 * threads ever run as one CPU at once, as in the kernel (where a CPU's
 * counters are bumped without a lock, for instance).  A thread takes a CPU
 * with gl_set_cpu() before it calls the allocator, lets others onto it at
 * gl_cpu_yield() (a preemption point), and leaves with gl_set_cpu(-1).
 */
extern __thread int gl_cpu;		/* this thread's CPU, -1 if none */
void gl_set_cpu(int cpu);		/* "migrate" this thread, -1: leave */
void gl_cpu_yield(void);

void gl_assert_fail(const char *what, const char *file, int line) __attribute__((noreturn, cold));

static __always_inline int smp_processor_id(void)
{
#ifndef GL_BENCH	/* as the kernel's without CONFIG_DEBUG_PREEMPT */
	if (unlikely(gl_cpu < 0))
		gl_assert_fail("this thread took a CPU (gl_set_cpu())", __FILE__, __LINE__);
#endif
	return gl_cpu;
}
#define raw_smp_processor_id()	smp_processor_id()

extern bool gl_cpu_online[GL_NR_CPUS];
#define cpu_online(cpu)		READ_ONCE(gl_cpu_online[cpu])
#define for_each_possible_cpu(cpu)	for ((cpu) = 0; (cpu) < GL_NR_CPUS; (cpu)++)
#define for_each_online_cpu(cpu) \
	for ((cpu) = 0; (cpu) < GL_NR_CPUS; (cpu)++) if (cpu_online(cpu))
unsigned int num_online_cpus(void);
/*
 * NUMA nodes, emulated: gl_nr_nodes of them (1 unless a test asks for
 * more before malloc_init()), CPU c on node c % gl_nr_nodes.  Each chunk's
 * node is the one asked for, or the next when gl_node_full[] says that one
 * has no memory left, as the buddy allocator falls back.
 */
#define GL_MAX_NODES		4
extern unsigned int gl_nr_nodes;
extern bool gl_node_full[GL_MAX_NODES];
#define nr_node_ids		gl_nr_nodes
#define cpu_to_node(cpu)	((int)((cpu) % gl_nr_nodes))
#define cpu_to_mem(cpu)		cpu_to_node(cpu)
#define numa_mem_id()		cpu_to_node(smp_processor_id())
#define for_each_node(node)	for ((node) = 0; (node) < (int)gl_nr_nodes; (node)++)
#define node_possible(node)	((unsigned int)(node) < gl_nr_nodes)
#define N_MEMORY		0
#define node_state(node, state)	((void)(state), node_possible(node))
#define for_each_node_state(node, state)	for_each_node(node)
#define num_node_state(state)	((void)(state), gl_nr_nodes)
#define num_possible_cpus()	GL_NR_CPUS

/*
 * Per-CPU variables live in section gl_percpu; platform.c copies it once
 * per CPU and a CPU's copy of a variable is the variable's address plus
 * the CPU's offset, as in the kernel.
 */
#define DEFINE_PER_CPU(type, name) \
	__attribute__((section("gl_percpu"), aligned(64))) __typeof__(type) name
#define DECLARE_PER_CPU(type, name)	extern __typeof__(type) name
extern unsigned long gl_percpu_offset[GL_NR_CPUS];
#define OPTIMIZER_HIDE_VAR(var)	__asm__ ("" : "=r" (var) : "0" (var))

/* As the kernel's RELOC_HIDE: the compiler must not track the variable. */
#define RELOC_HIDE(ptr, off) ({ unsigned long __p = (unsigned long)(ptr);	\
	__asm__ ("" : "=r"(__p) : "0"(__p));					\
	(__typeof__(ptr))(__p + (off)); })
#define per_cpu_ptr(ptr, cpu)	RELOC_HIDE(ptr, gl_percpu_offset[cpu])
extern __thread unsigned long gl_this_cpu_offset;	/* this CPU's, set by gl_set_cpu() */
#ifdef GL_BENCH
/*
 * As the kernel's: one thread-local load (%gs there), no check.  Not
 * reloaded after a compiler barrier, as %gs needs no reloading: a thread
 * changes CPUs only in gl_set_cpu(), never inside goalloc.
 */
static __always_inline unsigned long gl_cpu_offset(void)
{
	unsigned long off;

	__asm__ ("movq %%fs:gl_this_cpu_offset@tpoff, %0" : "=r" (off));
	return off;
}
/* As x86's arch_raw_cpu_ptr(): the offset added, no RELOC_HIDE() */
#define this_cpu_ptr(ptr)	((__typeof__(ptr))((unsigned long)(ptr) + gl_cpu_offset()))
#else
#define this_cpu_ptr(ptr)	per_cpu_ptr(ptr, smp_processor_id())
#endif
/*
 * irq-safe, one instruction in the kernel: an atomic add here (for the
 * sanitizers' sake), a plain one in the benchmark, where nothing else
 * writes this CPU's counters
 */
#ifdef GL_BENCH
/* one add to an indexed address, as the kernel's add to %gs:pcp */
#define this_cpu_add(pcp, n) \
	((void)(*(__typeof__(&(pcp)))((unsigned long)&(pcp) + gl_cpu_offset()) += (n)))
#else
#define this_cpu_add(pcp, n) \
	((void)__atomic_fetch_add(this_cpu_ptr(&(pcp)), (n), __ATOMIC_RELAXED))
#endif
#define this_cpu_inc(pcp)	this_cpu_add(pcp, 1)
/* asm/local.h: one instruction, safe against this CPU's interrupts (as above) */
typedef struct {
	long counter;
} local_t;
#ifdef GL_BENCH
#define local_inc(l)		((void)((l)->counter++))
#else
#define local_inc(l)		((void)__atomic_fetch_add(&(l)->counter, 1, __ATOMIC_RELAXED))
#endif
#define local_read(l)		__atomic_load_n(&(l)->counter, __ATOMIC_RELAXED)
#ifdef GL_BENCH
/* as this_cpu_add(): the kernel's xadd to %gs:pcp takes no lock */
#define this_cpu_add_return(pcp, n) \
	({ __typeof__(&(pcp)) __p = this_cpu_ptr(&(pcp)); *__p += (n); })
#define this_cpu_sub_return(pcp, n) \
	({ __typeof__(&(pcp)) __p = this_cpu_ptr(&(pcp)); *__p -= (n); })
#else
#define this_cpu_sub_return(pcp, n) \
	__atomic_sub_fetch(this_cpu_ptr(&(pcp)), (n), __ATOMIC_RELAXED)
#define this_cpu_add_return(pcp, n) \
	__atomic_add_fetch(this_cpu_ptr(&(pcp)), (n), __ATOMIC_RELAXED)
#endif
#define this_cpu_read(pcp)	READ_ONCE(*this_cpu_ptr(&(pcp)))
#define this_cpu_write(pcp, v)	WRITE_ONCE(*this_cpu_ptr(&(pcp)), (v))

/* === Locks and "interrupts" === */

typedef struct { int locked; } spinlock_t;
/*
 * As in a non-RT kernel, a local lock is no lock: only the thread that runs
 * as a CPU touches what the CPU's local lock guards, and nothing interrupts
 * it, so "interrupts off" is all there is to it.
 */
typedef struct { } local_lock_t;

#define __SPIN_LOCK_UNLOCKED(name)	{ 0 }

extern __thread int gl_irqs_off;	/* depth of "interrupts off" sections */

void gl_spin_wait(spinlock_t *l);

static __always_inline void spin_lock(spinlock_t *l)
{
	if (unlikely(__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)))
		gl_spin_wait(l);
}

static __always_inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#define spin_lock_init(l)		((l)->locked = 0)
#define DEFINE_SPINLOCK(name)		spinlock_t name = { 0 }
#define local_lock_init(l)		((void)(l))
#define spin_lock_irqsave(l, flags)	do { (flags) = 0; gl_irqs_off++; spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) do { (void)(flags); spin_unlock(l); gl_irqs_off--; } while (0)
#define local_lock_irqsave(l, flags)	do { (flags) = 0; gl_irqs_off++; } while (0)
#define local_unlock_irqrestore(l, flags) do { (void)(flags); gl_irqs_off--; } while (0)
#define local_irq_save(flags)		do { (flags) = 0; gl_irqs_off++; } while (0)
#define local_irq_restore(flags)	do { (void)(flags); gl_irqs_off--; } while (0)

/* The same for preemption: no migration, no sleep, interrupts still on. */
extern __thread int gl_preempt_off;
#define barrier()			__asm__ __volatile__("" ::: "memory")
#define preempt_disable()		do { gl_preempt_off++; barrier(); } while (0)
#define preempt_enable()		do { barrier(); gl_preempt_off--; } while (0)

#define gl_assert(cond, what) \
	do { if (unlikely(!(cond))) gl_assert_fail(what, __FILE__, __LINE__); } while (0)
#ifdef GL_BENCH	/* as a stock kernel's, without CONFIG_LOCKDEP */
#define lockdep_assert_held(l)		((void)(l))
#define lockdep_assert_irqs_disabled()	do { } while (0)
#else
#define lockdep_assert_held(l) \
	gl_assert(__atomic_load_n(&(l)->locked, __ATOMIC_RELAXED), "lock held: " #l)
#define lockdep_assert_irqs_disabled()	gl_assert(gl_irqs_off > 0, "interrupts off")
#endif

/* === Memory: GFP flags, metadata allocations, object hooks === */

#define ___GFP_DIRECT_RECLAIM	0x01u
#define __GFP_ZERO		0x02u
#define __GFP_NOWARN		0x04u
#define __GFP_NOFAIL		0x08u
#define __GFP_NORETRY		0x10u
#define __GFP_COMP		0x20u
#define __GFP_HIGH		0x40u
#define __GFP_ACCOUNT		0x80u
#define __GFP_THISNODE		0x100u
#define __GFP_DIRECT_RECLAIM	___GFP_DIRECT_RECLAIM
#define GFP_KERNEL		(__GFP_DIRECT_RECLAIM)
#define GFP_ATOMIC		(__GFP_HIGH)
#define GFP_NOWAIT		0u

static inline bool gfpflags_allow_blocking(gfp_t gfp) { return gfp & __GFP_DIRECT_RECLAIM; }

/*
 * Sleeping with "interrupts off" is the bug the kernel's might_sleep catches.
 * The benchmark (GL_BENCH) counts instructions as a stock kernel runs them:
 * there might_alloc() is empty, and static keys and init_on_alloc/free are
 * patched jumps, not loads and tests (below).
 */
#ifdef GL_BENCH
#define might_alloc(gfp)	do { } while (0)
#define PLATFORM_CHECK_INVARIANTS	0	/* as a stock kernel */
#else
#define might_alloc(gfp) \
	gl_assert(!gfpflags_allow_blocking(gfp) || !(gl_irqs_off | gl_preempt_off), "may sleep here")
#define PLATFORM_CHECK_INVARIANTS	1	/* as a debug kernel */
#endif

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define NUMA_NO_NODE		(-1)
#define GOALLOC_MAX_BUDDY_ORDER	10
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

static inline void *kmalloc(size_t n, gfp_t gfp) { return gfp & __GFP_ZERO ? calloc(1, n) : malloc(n); }
static inline void *kzalloc(size_t n, gfp_t gfp) { return calloc(1, n); }
static inline void *kmalloc_node(size_t n, gfp_t gfp, int node) { return kmalloc(n, gfp); }
static inline size_t kmalloc_size_roundup(size_t n) { return n; }
static inline void *kcalloc(size_t n, size_t size, gfp_t gfp) { return calloc(n, size); }
static inline void kfree(const void *p) { free((void *)p); }
static inline void *kvzalloc_node(size_t n, gfp_t gfp, int node) { return calloc(1, n); }
static inline void *kvzalloc(size_t n, gfp_t gfp) { return calloc(1, n); }
static inline void *kvmalloc(size_t n, gfp_t gfp) { return kmalloc(n, gfp); }
static inline void kvfree(const void *p) { free((void *)p); }
static inline void *kcalloc_node(size_t n, size_t size, gfp_t gfp, int node) { return calloc(n, size); }
static inline void *kvcalloc(size_t n, size_t size, gfp_t gfp) { return calloc(n, size); }
#define array_size(a, b)	((size_t)(a) * (b))

/*
 * RCU-sched: in the suites, a reader-writer lock that rcu_read_lock_sched()
 * holds shared and kfree_rcu() takes exclusively before it frees (a grace
 * period), so that what a reader found (a tiny span's masks, a span's live
 * bytes) is not freed under it, and TSan sees the order.  In the
 * benchmark, as cheap as the kernel's: readers are no-ops, and kfree_rcu()
 * frees at once.  A read that only preempt_disable() protects (a small
 * free's live byte) is not covered.
 */
struct rcu_head { void *next; };
#ifdef GL_BENCH
#define rcu_read_lock_sched()	do { } while (0)
#define rcu_read_unlock_sched()	do { } while (0)
#define kfree_rcu(p, field)	kfree(p)
#else
void gl_rcu_read_lock(void);
void gl_rcu_read_unlock(void);
void gl_synchronize_rcu(void);
#define rcu_read_lock_sched()	gl_rcu_read_lock()
#define rcu_read_unlock_sched()	gl_rcu_read_unlock()
#define kfree_rcu(p, field)	do { gl_synchronize_rcu(); kfree(p); } while (0)
#endif

/* kmemleak: nothing to tell in user space. */
static inline void kmemleak_alloc(const void *p, size_t size, int min_count, gfp_t gfp) { }
static inline void kmemleak_free(const void *p) { }
static inline void kmemleak_no_scan(const void *p) { }
static inline void kmemleak_not_leak(const void *p) { }

/* KASAN: none here (ASan sees goalloc's mmaps as one accessible block). */
static inline void platform_kasan_alloc(void *p, size_t size, size_t room) { }
static inline void platform_kasan_free(void *p, size_t room) { }
static inline void kasan_disable_current(void) { }
static inline void kasan_enable_current(void) { }

/* Debug mode's red zones and tracks: plain memory here; no stack depot. */
#define platform_debug_fill(p, c, n)	memset(p, c, n)
#define platform_debug_copy(d, s, n)	memcpy(d, s, n)
static inline void platform_stack_init(void) { }
static inline u32 platform_stack_save(void) { return 0; }
static inline void platform_stack_print(u32 handle) { }
static inline unsigned int platform_stack_fetch(u32 handle, unsigned long **entries) { return 0; }
u32 platform_random_u32(void);
#define div64_u64(a, b)		((u64)(a) / (u64)(b))
static inline void dump_stack(void) { }
#define _RET_IP_		((unsigned long)__builtin_return_address(0))

/* Tracepoints (the kernel's goalloc/trace.h): none here. */
#define trace_goalloc_alloc_enabled()	false
#define trace_goalloc_free_enabled()	false
static inline void trace_goalloc_alloc(unsigned long call_site, const void *ptr, size_t bytes_req,
				       size_t bytes_alloc, gfp_t gfp_flags, int node) { }
static inline void trace_goalloc_free(unsigned long call_site, const void *ptr) { }

/*
 * Static keys: a flag (set only while no other thread runs), each of a
 * type of its own, so that the benchmark can tell them apart at compile
 * time.
 */
#define DECLARE_STATIC_KEY_FALSE(name)	\
	struct static_key_false_##name { bool enabled; }; extern struct static_key_false_##name name
#define DEFINE_STATIC_KEY_FALSE(name)	struct static_key_false_##name name = { false }
#if defined(GL_BENCH) && defined(GL_BENCH_PROFILE)
/* the heap profile's key on, as the module loads by default; the rest off */
#define static_branch_unlikely(key)	\
	__builtin_types_compatible_p(typeof(*(key)), struct static_key_false_profile_key)
#elif defined(GL_BENCH)
#define static_branch_unlikely(key)	((void)(key), 0)	/* off: the kernel's NOP */
#else
#define static_branch_unlikely(key)	__builtin_expect(READ_ONCE((key)->enabled), 0)
#endif
#define static_branch_enable(key)	WRITE_ONCE((key)->enabled, true)
#define static_branch_disable(key)	WRITE_ONCE((key)->enabled, false)

/* init_on_alloc / init_on_free: boot options in the kernel, flags here. */
extern bool gl_init_on_alloc, gl_init_on_free;
#ifdef GL_BENCH
static inline bool want_init_on_alloc(gfp_t gfp) { return gfp & __GFP_ZERO; }
static inline bool want_init_on_free(void) { return false; }
#else
static inline bool want_init_on_alloc(gfp_t gfp) { return gl_init_on_alloc || (gfp & __GFP_ZERO); }
static inline bool want_init_on_free(void) { return gl_init_on_free; }
#endif

/* === Pages and the platform_* calls (see goalloc/platform.h) === */

unsigned long platform_alloc_pages(int node, gfp_t gfp, unsigned int order);
void platform_free_pages(unsigned long addr, unsigned int order);
int platform_page_node(unsigned long addr);
void platform_split_pages(unsigned long addr, unsigned int order);
void platform_free_page_range(unsigned long addr, unsigned long nr);
/* Pages /proc/meminfo would count as reclaimable (KReclaimable). */
extern atomic_long_t gl_reclaimable_pages;
static inline void platform_reclaimable(unsigned long addr, long pages)
{
	atomic_long_add(pages, &gl_reclaimable_pages);
}

/*
 * As the kernel's, with user space's mmap() area for a direct map: the
 * index counts down from gl_arena_last, the last byte of the index, a
 * little above the first mapping mmap() gave this process (platform.c), as
 * mmap() places chunks lower and lower, so that the arenas a run uses are
 * few and near index 0 and arena[] is as short as the kernel's.  NULL,
 * ZERO_SIZE_PTR and addresses above it have an index past every arena.
 */
extern unsigned long gl_arena_last;
static __always_inline unsigned long platform_arena_index(unsigned long addr, unsigned int shift)
{
	return (gl_arena_last - addr) >> shift;
}

/*
 * None at first: the heap's first chunk and any past the end grow the
 * index, so that every run takes the path memory hotplug takes in the
 * kernel.
 */
static inline unsigned long platform_arena_count(unsigned int shift)
{
	return 0;
}

void platform_each_cpu(void (*fn)(void), void (*offline)(unsigned int cpu));
int platform_cpu_dead_register(int (*dead)(unsigned int cpu));
void platform_cpu_dead_unregister(void);
/* Take @cpu offline (its threads must have moved) and run the dead callback. */
void gl_cpu_offline(unsigned int cpu);
void gl_cpu_online_again(unsigned int cpu);

/* === Warnings and messages === */

extern atomic_t gl_warnings;		/* WARN_ONCE and friends that fired */
extern atomic_t gl_expecting_reports;	/* > 0: tests provoke reports, not counted */
extern int gl_verbose;
void gl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The KUnit suites' expect_reports_begin()/end() (kunit/goalloc_test.h). */
#define test_expect_reports(delta)	atomic_add(delta, &gl_expecting_reports)

#define pr_info(fmt, ...)	do { if (gl_verbose) gl_printf(fmt, ##__VA_ARGS__); } while (0)
#define pr_warn(fmt, ...)	gl_printf(fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	gl_printf(fmt, ##__VA_ARGS__)
#define WARN(cond, fmt, ...) ({							\
	bool __c = !!(cond);							\
	if (unlikely(__c)) {							\
		if (!atomic_read(&gl_expecting_reports))			\
			atomic_inc(&gl_warnings);				\
		if (gl_verbose)							\
			gl_printf("WARNING %s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__); \
	}									\
	__c;									\
})
#define WARN_ONCE(cond, fmt, ...)	WARN(cond, fmt, ##__VA_ARGS__)
#define WARN_ON_ONCE(cond)	WARN_ONCE(cond, "%s\n", #cond)

/* === Fault injection: should_fail()'s interval, probability and times === */

#define CONFIG_FAULT_INJECTION 1
struct fault_attr {
	unsigned long probability;	/* percent */
	unsigned long interval;
	atomic_t times;			/* -1: no limit */
	int verbose;
	unsigned long count;		/* calls seen */
};
#define DECLARE_FAULT_ATTR(name) struct fault_attr name = { .interval = 1, .times = { 1 } }
bool compat_should_fail(struct fault_attr *attr, ssize_t size);

#endif /* GOALLOC_PLATFORM_H */
