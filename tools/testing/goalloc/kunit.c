// SPDX-License-Identifier: GPL-2.0
/*
 * Runs goalloc's portable KUnit suites (the kunit/ sources, unchanged) against
 * the user-space build of the core, and prints KTAP and a closing count.
 * GL_INIT_ON_ALLOC=1 and GL_INIT_ON_FREE=1 stand for the kernel's boot
 * options of the same names, GL_DEBUG=1 for goalloc's debug=1 (then only
 * the goalloc-debug suites run).
 *   ./kunit [suite-name-prefix]
 */
#include <fnmatch.h>
#include <stdarg.h>
#include "platform.h"
#include <kunit/test.h>
#include "../../../goalloc/malloc.h"

static struct kunit_suite *suites[64];
static size_t nsuites;

void gl_kunit_register(struct kunit_suite **s, size_t n)
{
	while (n--)
		suites[nsuites++] = *s++;
}

void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	void *p = calloc(1, size);
	void **a = realloc(test->allocs, (test->nallocs + 1) * sizeof(*a));

	if (!p || !a)
		abort();
	test->allocs = a;
	a[test->nallocs++] = p;
	return p;
}

void gl_kunit_fail(struct kunit *test, bool assert, const char *file, int line,
		   const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "    # %s: %s at %s:%d: ", test->name, assert ? "ASSERTION FAILED" :
		"EXPECTATION FAILED", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	test->failed++;
	if (assert)
		longjmp(test->abort, 1);
}

/* One run of a case (one parameter).  Returns 1 passed, 0 failed, -1 skipped. */
static int run_one(struct kunit_suite *suite, struct kunit_case *c, const void *param)
{
	struct kunit test = { .name = c->name, .param_value = param };
	size_t i;

	if (!setjmp(test.abort)) {
		if (!suite->init || !suite->init(&test))
			c->run_case(&test);
	}
	if (suite->exit)
		suite->exit(&test);
	for (i = 0; i < test.nallocs; i++)
		free(test.allocs[i]);
	free(test.allocs);
	gl_set_cpu(0);
	return test.skipped && !test.failed ? -1 : !test.failed;
}

int main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0, skipped = 0, n = 0;
	struct goalloc_stats st;
	bool debug;
	size_t i;

	if (getenv("GL_VERBOSE"))
		gl_verbose = 1;
	/* the kernel's boot options init_on_alloc=1 and init_on_free=1 */
	gl_init_on_alloc = getenv("GL_INIT_ON_ALLOC") && atoi(getenv("GL_INIT_ON_ALLOC"));
	gl_init_on_free = getenv("GL_INIT_ON_FREE") && atoi(getenv("GL_INIT_ON_FREE"));
	/* goalloc's debug=1: then only the suites for debug mode run, else only the others */
	debug = getenv("GL_DEBUG") && atoi(getenv("GL_DEBUG"));
	/* GL_NODES=n: n NUMA nodes, CPU c on node c % n */
	if (getenv("GL_NODES"))
		gl_nr_nodes = min(max(atoi(getenv("GL_NODES")), 1), GL_MAX_NODES);
	gl_set_cpu(0);
	if (malloc_init(debug)) {
		fprintf(stderr, "malloc_init failed\n");
		return 1;
	}
	printf("KTAP version 1\n");
	for (i = 0; i < nsuites; i++) {
		struct kunit_suite *suite = suites[i];
		struct kunit_case *c;

		if (argc > 1 && fnmatch(argv[1], suite->name, 0))
			continue;
		if (debug != !fnmatch("goalloc-debug*", suite->name, 0))
			continue;
		printf("# Subtest: %s\n", suite->name);
		for (c = suite->test_cases; c->run_case; c++) {
			char desc[KUNIT_PARAM_DESC_SIZE];
			const void *param = NULL;
			int r = 1, one;

			if (c->generate_params) {
				while ((param = c->generate_params(param, desc))) {
					one = run_one(suite, c, param);
					if (!one) {
						printf("    # %s: failed for %s\n", c->name, desc);
						r = 0;
					}
				}
			} else {
				r = run_one(suite, c, NULL);
			}
			n++;
			printf("%s %u %s.%s%s\n", r ? "ok" : "not ok", n, suite->name, c->name,
			       r < 0 ? " # SKIP" : "");
			passed += r > 0;
			failed += !r;
			skipped += r < 0;
		}
	}
	malloc_exit(&st);
	if (st.heap_objects || st.heap_sys) {
		printf("not ok %u teardown: %llu objects, %llu heap bytes left\n", ++n,
		       st.heap_objects, st.heap_sys);
		failed++;
	}
	printf("# user-space kunit: %u passed, %u failed, %u skipped, %d warnings\n",
	       passed, failed, skipped, atomic_read(&gl_warnings));
	return failed ? 1 : 0;
}
