/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enough of KUnit for goalloc's portable KUnit suites to run in user
 * space unchanged: cases, parameterised cases, suites, expectations and
 * assertions, test-managed allocations, skips.  kunit.c runs them and
 * prints KTAP.
 */
#ifndef GL_KUNIT_TEST_H
#define GL_KUNIT_TEST_H

#include <setjmp.h>

#define KUNIT_PARAM_DESC_SIZE	128

struct kunit {
	const char *name;
	const void *param_value;
	int failed;			/* expectations that failed */
	int skipped;
	jmp_buf abort;			/* ASSERT failures and skips land here */
	void **allocs;			/* kunit_kzalloc()ed, freed after the case */
	size_t nallocs;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);
};

struct kunit_suite {
	const char *name;
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn)			{ .run_case = fn, .name = #fn }
#define KUNIT_CASE_PARAM(fn, gen)	{ .run_case = fn, .name = #fn, .generate_params = gen }

void gl_kunit_register(struct kunit_suite **suites, size_t n);
#define __gl_suites(id, ...)							\
	static struct kunit_suite *gl_suites_##id[] = { __VA_ARGS__ };		\
	__attribute__((constructor)) static void gl_register_##id(void)	\
	{ gl_kunit_register(gl_suites_##id, ARRAY_SIZE(gl_suites_##id)); }
#define __gl_suites_id(id, ...)		__gl_suites(id, __VA_ARGS__)
#define kunit_test_suites(...)		__gl_suites_id(__COUNTER__, __VA_ARGS__)

#define KUNIT_ARRAY_PARAM(name, array, get_desc)				\
	static const void *name##_gen_params(const void *prev, char *desc)	\
	{									\
		__typeof__((array)[0]) *__next = prev ?				\
			((__typeof__((array)[0]) *)prev) + 1 : (array);	\
		if (__next - (array) < (long)ARRAY_SIZE(array)) {		\
			void (*__get_desc)(__typeof__(__next), char *) = get_desc; \
			if (__get_desc)						\
				__get_desc(__next, desc);			\
			return __next;						\
		}								\
		return NULL;							\
	}

void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp);
#define kunit_kcalloc(test, n, size, gfp)	kunit_kzalloc(test, (n) * (size), gfp)

void gl_kunit_fail(struct kunit *test, bool assert, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define kunit_info(test, fmt, ...)	gl_printf("    # %s: " fmt, (test)->name, ##__VA_ARGS__)

#define kunit_skip(test, fmt, ...) do {						\
	gl_printf("    # skip: " fmt "\n", ##__VA_ARGS__);			\
	(test)->skipped = 1;							\
	longjmp((test)->abort, 1);						\
} while (0)

#define __gl_check(test, assert, cond, fmt, ...) do {				\
	if (unlikely(!(cond)))							\
		gl_kunit_fail(test, assert, __FILE__, __LINE__, fmt, ##__VA_ARGS__); \
} while (0)

#define __gl_binary(test, assert, a, op, b, msg, ...) do {			\
	__typeof__(a) __a = (a);						\
	__typeof__(b) __b = (b);						\
	__gl_check(test, assert, __a op __b, "%s %s %s: %lld vs %lld " msg,	\
		   #a, #op, #b, (long long)__a, (long long)__b, ##__VA_ARGS__); \
} while (0)

#define __gl_ptr(test, assert, a, op, b) do {					\
	const void *__a = (a), *__b = (b);					\
	__gl_check(test, assert, __a op __b, "%s %s %s: %p vs %p", #a, #op, #b, __a, __b); \
} while (0)

#define KUNIT_EXPECT_EQ(t, a, b)	__gl_binary(t, false, a, ==, b, "")
#define KUNIT_EXPECT_NE(t, a, b)	__gl_binary(t, false, a, !=, b, "")
#define KUNIT_EXPECT_LT(t, a, b)	__gl_binary(t, false, a, <, b, "")
#define KUNIT_EXPECT_LE(t, a, b)	__gl_binary(t, false, a, <=, b, "")
#define KUNIT_EXPECT_GT(t, a, b)	__gl_binary(t, false, a, >, b, "")
#define KUNIT_EXPECT_GE(t, a, b)	__gl_binary(t, false, a, >=, b, "")
#define KUNIT_EXPECT_EQ_MSG(t, a, b, fmt, ...) __gl_binary(t, false, a, ==, b, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_TRUE(t, c)		__gl_check(t, false, c, "%s", #c)
#define KUNIT_EXPECT_FALSE(t, c)	__gl_check(t, false, !(c), "!%s", #c)
#define KUNIT_EXPECT_TRUE_MSG(t, c, fmt, ...)	__gl_check(t, false, c, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_FALSE_MSG(t, c, fmt, ...)	__gl_check(t, false, !(c), fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_NULL(t, p)		__gl_ptr(t, false, p, ==, NULL)
#define KUNIT_EXPECT_NOT_NULL(t, p)	__gl_ptr(t, false, p, !=, NULL)
#define KUNIT_EXPECT_NOT_NULL_MSG(t, p, fmt, ...) \
	__gl_check(t, false, (p) != NULL, "%s is NULL: " fmt, #p, ##__VA_ARGS__)
#define KUNIT_EXPECT_PTR_EQ(t, a, b)	__gl_ptr(t, false, a, ==, b)
#define KUNIT_EXPECT_PTR_NE(t, a, b)	__gl_ptr(t, false, a, !=, b)

#define KUNIT_ASSERT_EQ(t, a, b)	__gl_binary(t, true, a, ==, b, "")
#define KUNIT_ASSERT_NE(t, a, b)	__gl_binary(t, true, a, !=, b, "")
#define KUNIT_ASSERT_GE(t, a, b)	__gl_binary(t, true, a, >=, b, "")
#define KUNIT_ASSERT_LE(t, a, b)	__gl_binary(t, true, a, <=, b, "")
#define KUNIT_ASSERT_GT(t, a, b)	__gl_binary(t, true, a, >, b, "")
#define KUNIT_ASSERT_EQ_MSG(t, a, b, fmt, ...) __gl_binary(t, true, a, ==, b, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_TRUE(t, c)		__gl_check(t, true, c, "%s", #c)
#define KUNIT_ASSERT_FALSE(t, c)	__gl_check(t, true, !(c), "!%s", #c)
#define KUNIT_ASSERT_NOT_NULL(t, p)	__gl_ptr(t, true, p, !=, NULL)
#define KUNIT_ASSERT_NOT_NULL_MSG(t, p, fmt, ...) \
	__gl_check(t, true, (p) != NULL, "%s is NULL: " fmt, #p, ##__VA_ARGS__)
#define KUNIT_ASSERT_NULL(t, p)		__gl_ptr(t, true, p, ==, NULL)
#define KUNIT_ASSERT_PTR_EQ(t, a, b)	__gl_ptr(t, true, a, ==, b)

/* What the suites borrow from elsewhere in the kernel. */
static inline long work_on_cpu(int cpu, long (*fn)(void *), void *arg)
{
	int self = smp_processor_id();
	long ret;

	gl_set_cpu(cpu);
	ret = fn(arg);
	gl_set_cpu(self);
	return ret;
}

static inline void sort(void *base, size_t num, size_t size,
			int (*cmp)(const void *, const void *), void *swap)
{
	qsort(base, num, size, cmp);
}

static inline void *memchr_inv(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (; n; n--, b++)
		if (*b != (unsigned char)c)
			return (void *)b;
	return NULL;
}

#define numa_node_id()		numa_mem_id()
#define first_online_node	0
#define cpu_online_mask		NULL
static inline unsigned int cpumask_next(int n, const void *mask)
{
	while (++n < GL_NR_CPUS && !cpu_online(n))
		;
	return n;
}

static inline unsigned int cpumask_first(const void *mask)
{
	return cpumask_next(-1, mask);
}

#endif /* GL_KUNIT_TEST_H */
