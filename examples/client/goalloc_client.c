// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_client: a module built only against include/goalloc.h and
 * goalloc's Module.symvers, as any other module would use goalloc.  Loading
 * it calls every exported function and checks what comes back; it loads
 * (returns 0) only if all of it worked, and says what failed otherwise.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <goalloc.h>

static int failures;

#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		pr_err("goalloc_client: failed: %s (line %d)\n", #cond, __LINE__); \
		failures++;						\
	}								\
} while (0)

static int __init goalloc_client_init(void)
{
	struct goalloc_class_stats cs;
	struct goalloc_stats before, after;
	void *bulk[32], *p, *q, *t, *z, *n;
	u8 *r;

	goalloc_get_stats(&before);
	p = goalloc_alloc(200, GFP_KERNEL);
	t = goalloc_alloc_noscan(5, GFP_ATOMIC);
	z = goalloc_zalloc(3000, GFP_KERNEL);
	n = goalloc_alloc_node(100000, GFP_KERNEL, numa_node_id());
	EXPECT(p && t && z && n);
	if (p && t && z && n) {
		EXPECT(goalloc_usable_size(p) >= 200);
		EXPECT(goalloc_usable_size(t) == 5);
		EXPECT(!memchr_inv(z, 0, 3000));
		EXPECT(goalloc_usable_size(n) >= 100000);
		memset(p, 0x5a, 200);
		r = goalloc_realloc(p, 5000, GFP_KERNEL);
		EXPECT(r && r[0] == 0x5a && r[199] == 0x5a);
		if (r)
			p = r;
	}
	EXPECT(goalloc_alloc_bulk(64, GFP_KERNEL, ARRAY_SIZE(bulk), bulk) == ARRAY_SIZE(bulk));
	goalloc_get_stats(&after);
	EXPECT(after.heap_objects == before.heap_objects + 4 + ARRAY_SIZE(bulk));
	EXPECT(goalloc_get_class_stats(1, &cs) == 0 && cs.size == 8);
	EXPECT(goalloc_get_class_stats(GOALLOC_NUM_CLASSES, &cs) == -EINVAL);
	goalloc_free_bulk(ARRAY_SIZE(bulk), bulk);
	goalloc_free(p);
	goalloc_free(t);
	goalloc_free(z);
	goalloc_free(n);
	EXPECT(!goalloc_alloc_array(SIZE_MAX / 2, 3, GFP_KERNEL));
	z = goalloc_calloc(10, 100, GFP_KERNEL);
	EXPECT(z && !memchr_inv(z, 0, 1000));
	goalloc_free(z);
	EXPECT(goalloc_size_roundup(100) >= 100 && goalloc_size_roundup(0) == 0);
	{
		void *s __free(goalloc) = goalloc_alloc(goalloc_size_roundup(100), GFP_KERNEL);

		EXPECT(s && goalloc_usable_size(s) == goalloc_size_roundup(100));
	}
	q = goalloc_realloc(NULL, 64, GFP_KERNEL);
	EXPECT(q);
	EXPECT(goalloc_realloc(q, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	goalloc_flush();
	goalloc_get_stats(&after);
	EXPECT(after.heap_objects == before.heap_objects);
	EXPECT(after.invalid_frees == before.invalid_frees);
	if (failures)
		return -EINVAL;
	pr_info("goalloc_client: every goalloc call worked\n");
	return 0;
}

static void __exit goalloc_client_exit(void)
{
}

module_init(goalloc_client_init);
module_exit(goalloc_client_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A client of goalloc's exported API");
