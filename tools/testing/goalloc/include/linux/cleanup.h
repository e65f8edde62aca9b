/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's DEFINE_FREE() and __free(), for include/goalloc.h's DEFINE_FREE(goalloc). */
#define DEFINE_FREE(_name, _type, _free) \
	static inline void __free_##_name(void *p) { _type _T = *(_type *)p; _free; }
#define __free(_name)	__attribute__((__cleanup__(__free_##_name)))
