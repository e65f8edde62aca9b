/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, in one place, as feature tests.  Force-included
 * by Kbuild into every goalloc object so that the core carries no checks.
 * Supported: Debian 12's 6.1 and 6.12 kernels.
 */
#ifndef GOALLOC_COMPAT_H
#define GOALLOC_COMPAT_H

#include <linux/mmzone.h>
#include <linux/shrinker.h>

/*
 * Largest buddy order alloc_pages() accepts (inclusive): MAX_PAGE_ORDER
 * since 6.8; before 6.4 MAX_ORDER was one past it (6.4 to 6.7, where it was
 * inclusive, are not supported).
 */
#ifdef MAX_PAGE_ORDER
#define GOALLOC_MAX_BUDDY_ORDER	MAX_PAGE_ORDER
#else
#define GOALLOC_MAX_BUDDY_ORDER	(MAX_ORDER - 1)
#endif

/*
 * Shrinkers: 6.7 made them dynamically allocated (shrinker_alloc(), and
 * the SHRINKER_ALLOCATED flag came with it).  compat_shrinker_create()
 * returns a registered shrinker or NULL.
 */
#ifdef SHRINKER_ALLOCATED
static inline struct shrinker *
compat_shrinker_create(unsigned long (*count)(struct shrinker *, struct shrink_control *),
		       unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
	struct shrinker *s = shrinker_alloc(0, "goalloc");

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	shrinker_register(s);
	return s;
}

static inline void compat_shrinker_destroy(struct shrinker *s)
{
	if (s)
		shrinker_free(s);
}
#else
#include <linux/slab.h>
static inline struct shrinker *
compat_shrinker_create(unsigned long (*count)(struct shrinker *, struct shrink_control *),
		       unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
	struct shrinker *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "goalloc")) {
		kfree(s);
		return NULL;
	}
	return s;
}

static inline void compat_shrinker_destroy(struct shrinker *s)
{
	if (s) {
		unregister_shrinker(s);
		kfree(s);
	}
}
#endif

/* Fault injection, when the kernel has it (Debian's stock kernels do not). */
#include <linux/fault-inject.h>
#ifdef CONFIG_FAULT_INJECTION
static inline bool compat_should_fail(struct fault_attr *attr, ssize_t size)
{
	return should_fail(attr, size);
}
#else
#ifndef DECLARE_FAULT_ATTR	/* 6.1 declares nothing without it */
struct fault_attr { };
#define DECLARE_FAULT_ATTR(name) struct fault_attr name = {}
#endif
static inline bool compat_should_fail(struct fault_attr *attr, ssize_t size)
{
	return false;
}
#endif

struct dentry;
static inline void compat_fault_debugfs(const char *name, struct dentry *dir,
					struct fault_attr *attr)
{
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr(name, dir, attr);
#endif
}

#endif /* GOALLOC_COMPAT_H */
