/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints goalloc:goalloc_alloc and goalloc:goalloc_free, with the
 * fields of kmem:kmalloc and kmem:kfree (call_site, ptr, bytes_req,
 * bytes_alloc, gfp_flags, node), so a script written for kmalloc works
 * after a rename.  Off, each is a static branch's NOP on the paths that
 * call it (malloc.c).  The core reaches them through platform.h;
 * platform.c creates them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM goalloc

#if !defined(_GOALLOC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GOALLOC_TRACE_H

#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

TRACE_EVENT(goalloc_alloc,
	TP_PROTO(unsigned long call_site, const void *ptr, size_t bytes_req,
		 size_t bytes_alloc, gfp_t gfp_flags, int node),
	TP_ARGS(call_site, ptr, bytes_req, bytes_alloc, gfp_flags, node),
	TP_STRUCT__entry(
		__field(unsigned long, call_site)
		__field(const void *, ptr)
		__field(size_t, bytes_req)
		__field(size_t, bytes_alloc)
		__field(unsigned long, gfp_flags)
		__field(int, node)
	),
	TP_fast_assign(
		__entry->call_site = call_site;
		__entry->ptr = ptr;
		__entry->bytes_req = bytes_req;
		__entry->bytes_alloc = bytes_alloc;
		__entry->gfp_flags = (__force unsigned long)gfp_flags;
		__entry->node = node;
	),
	TP_printk("call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s node=%d",
		  (void *)__entry->call_site, __entry->ptr, __entry->bytes_req,
		  __entry->bytes_alloc, show_gfp_flags(__entry->gfp_flags), __entry->node)
);

TRACE_EVENT(goalloc_free,
	TP_PROTO(unsigned long call_site, const void *ptr),
	TP_ARGS(call_site, ptr),
	TP_STRUCT__entry(
		__field(unsigned long, call_site)
		__field(const void *, ptr)
	),
	TP_fast_assign(
		__entry->call_site = call_site;
		__entry->ptr = ptr;
	),
	TP_printk("call_site=%pS ptr=%p", (void *)__entry->call_site, __entry->ptr)
);

#endif /* _GOALLOC_TRACE_H */

/* This file's directory is on the include path of platform.o (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
