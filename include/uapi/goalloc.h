/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/goalloc: drive the goalloc allocator from user space.
 *
 * Each open file owns the objects it allocates; closing it frees them all.
 * Objects are named by opaque 64-bit handles (never addresses).
 *
 * Growing the ABI: every request structure starts with __u32 size, set by
 * the caller to sizeof(the structure it was built with).  The kernel
 * dispatches on the ioctl's number alone (not the size encoded in the
 * command), so a program built with an older or newer header is served:
 *  - a structure shorter than its first version (GOALLOC_*_SIZE_VER0) is
 *    refused with EINVAL; one larger than GOALLOC_REQ_SIZE_MAX with E2BIG;
 *  - a shorter (older) structure is read as if the fields it lacks were
 *    zero; a longer (newer) one only if the bytes the kernel does not know
 *    are zero (else E2BIG), as with openat2() and clone3();
 *  - replies are written up to the smaller of the caller's size and the
 *    kernel's, so an older caller gets the fields it knows.
 * Reserved fields and unknown flags must be zero (else EINVAL).
 *
 * Errors: ENOENT unknown handle; EINVAL bad size, flags, reserved field,
 * offset or length; E2BIG request size over GOALLOC_REQ_SIZE_MAX or unknown
 * non-zero tail; EFAULT bad user pointer; ENOSPC per-file object limit;
 * ENOMEM per-file or device-wide byte limit (module parameters max_bytes,
 * max_dev_bytes), or no memory; EINTR a fatal signal interrupted the wait
 * for the file or a batch (done says how far it got); ENOTTY unknown ioctl.
 */
#ifndef _UAPI_GOALLOC_H
#define _UAPI_GOALLOC_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* The module's and the tool's version (MODULE_VERSION, goalloc --version). */
#define GOALLOC_VERSION		"0.1.0"

#define GOALLOC_ABI_VERSION	3

/* Bounds of a request structure's size field (see above). */
#define GOALLOC_REQ_SIZE_MAX		4096
#define GOALLOC_ALLOC_REQ_SIZE_VER0	32
#define GOALLOC_FREE_REQ_SIZE_VER0	16
#define GOALLOC_RW_REQ_SIZE_VER0	40
#define GOALLOC_BATCH_REQ_SIZE_VER0	32
#define GOALLOC_STATS_REQ_SIZE_VER0	128	/* up to file_bytes */

/* Operations one GOALLOC_IOC_BATCH may ask for. */
#define GOALLOC_BATCH_MAX	(1U << 16)

/* goalloc_alloc_req.flags, goalloc_batch_op.flags */
#define GOALLOC_F_NOSCAN	(1U << 0)	/* pointer-free: tiny allocator up to 8 B */
#define GOALLOC_F_ZERO		(1U << 1)	/* zeroed */
#define GOALLOC_F_REF		(1U << 2)	/* batch free: handle is an op index */

/* Allocate an object.  Returns its handle and usable size. */
struct goalloc_alloc_req {
	__u32 size;		/* in: sizeof(struct goalloc_alloc_req) */
	__u32 flags;		/* in: GOALLOC_F_NOSCAN | GOALLOC_F_ZERO */
	__u64 bytes;		/* in: bytes wanted, 1 .. 4 MiB */
	__u64 handle;		/* out */
	__u64 usable;		/* out: usable bytes (>= bytes) */
};

/* Free an object. */
struct goalloc_free_req {
	__u32 size;		/* in: sizeof(struct goalloc_free_req) */
	__u32 reserved;		/* must be 0 */
	__u64 handle;		/* in */
};

/* Copy bytes into (WRITE) or out of (READ) an object. */
struct goalloc_rw_req {
	__u32 size;		/* in: sizeof(struct goalloc_rw_req) */
	__u32 reserved;		/* must be 0 */
	__u64 handle;		/* in */
	__u64 offset;		/* in: offset + len <= usable size */
	__u64 len;		/* in */
	__u64 buf;		/* in: user address of len bytes */
};

/* One operation of a batch. */
#define GOALLOC_OP_ALLOC	1
#define GOALLOC_OP_FREE		2

struct goalloc_batch_op {
	__u32 op;		/* GOALLOC_OP_ALLOC or GOALLOC_OP_FREE */
	__u32 flags;		/* ALLOC: NOSCAN, ZERO.  FREE: REF */
	__u64 bytes;		/* ALLOC: bytes wanted */
	/*
	 * ALLOC out: the new handle.  FREE in: a handle, or with GOALLOC_F_REF
	 * the index of an earlier ALLOC op of this batch whose object to free.
	 */
	__u64 handle;
};

/*
 * Run nr operations in the kernel and time them.  Stops at the first
 * operation that fails, or at a fatal signal (EINTR): done tells how many
 * ran, error the failed operation's errno.
 */
struct goalloc_batch_req {
	__u32 size;		/* in: sizeof(struct goalloc_batch_req) */
	__u32 nr;		/* in: operations, at most GOALLOC_BATCH_MAX */
	__u64 ops;		/* in: user address of nr struct goalloc_batch_op */
	__u64 elapsed_ns;	/* out: time spent in the operations */
	__u32 done;		/* out: operations that ran */
	__s32 error;		/* out: 0, or the failed operation's -errno */
};

/*
 * The statistics: one list, X(name, description), in the order of the
 * STATS reply.  It also makes the kernel's struct goalloc_stats
 * (include/goalloc.h) and debugfs "stats", and the tool describes them from
 * it.  Counts of bytes are named *_sys, heap_* (but heap_objects) or end
 * in _bytes.  A new statistic goes at the end of the newest list, with a
 * new GOALLOC_ABI_VERSION.
 */
#define GOALLOC_STATS_VER0(X)							\
	X(heap_alloc, "bytes in live objects (class size, large: pages)")	\
	X(heap_objects, "live objects")						\
	X(heap_sys, "bytes from the buddy allocator, held")			\
	X(heap_idle, "bytes of heap_sys in free page runs")			\
	X(heap_inuse, "bytes of heap_sys in spans (in use or cached)")	\
	X(heap_released, "bytes returned to the buddy allocator since load")	\
	X(mallocs, "objects allocated since load")				\
	X(frees, "objects freed since load")					\
	X(tiny_allocs, "allocations served by the tiny allocator")		\
	X(large_allocs, "allocations of large objects")			\
	X(chunks, "chunks held (Go's arenas)")				\
	X(spans_inuse, "spans in use")						\
	X(invalid_frees, "bad calls caught and ignored: the report_* of bad calls")
/* version 2 (after the file's own numbers, file_objects and file_bytes) */
#define GOALLOC_STATS_VER2(X)							\
	X(meta_sys, "bytes of metadata: span descriptors, arenas, live bytes, stacks, transfer caches") \
	X(debug_reports, "corruptions reported (debug mode): the report_* of corruptions") \
	X(quarantined, "objects quarantined now, never reused (debug mode)")
/* version 3: the memory limit, and reports by kind (goalloc/report.c) */
#define GOALLOC_STATS_VER3(X)							\
	X(memory_limit, "bytes the heap may hold (module parameter memory_limit), 0: none") \
	X(limit_failures, "heap growths refused at the memory limit")		\
	GOALLOC_STATS_REPORTS(X)
#define GOALLOC_STATS_REPORTS(X)						\
	X(report_not_object, "frees of a pointer goalloc did not hand out")	\
	X(report_interior, "frees of a pointer inside an object")		\
	X(report_double_free, "frees of an object that was free")		\
	X(report_quarantined, "frees of a quarantined object (debug mode)")	\
	X(report_bad_realloc, "reallocs of a pointer that is no live object")	\
	X(report_redzone, "red zones found overwritten (debug mode)")		\
	X(report_track, "object tracks found overwritten (debug mode)")	\
	X(report_write_after_free, "free objects found written (debug mode)")
#define GOALLOC_STATS(X)	GOALLOC_STATS_VER0(X) GOALLOC_STATS_VER2(X) GOALLOC_STATS_VER3(X)

#define GOALLOC_STATS_REQ_FIELD(name, desc)	__u64 name;

/* A statistics snapshot: the list above, and this file's own numbers. */
struct goalloc_stats_req {
	__u32 size;		/* in: sizeof(struct goalloc_stats_req) */
	__u32 version;		/* out: GOALLOC_ABI_VERSION */
	GOALLOC_STATS_VER0(GOALLOC_STATS_REQ_FIELD)
	__u64 file_objects;	/* objects this file holds */
	__u64 file_bytes;	/* usable bytes this file holds */
	GOALLOC_STATS_VER2(GOALLOC_STATS_REQ_FIELD)
	GOALLOC_STATS_VER3(GOALLOC_STATS_REQ_FIELD)
};

/* 0xB9: no other range in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define GOALLOC_IOC_MAGIC	0xB9
#define GOALLOC_IOC_ALLOC	_IOWR(GOALLOC_IOC_MAGIC, 1, struct goalloc_alloc_req)
#define GOALLOC_IOC_FREE	_IOW(GOALLOC_IOC_MAGIC, 2, struct goalloc_free_req)
#define GOALLOC_IOC_WRITE	_IOW(GOALLOC_IOC_MAGIC, 3, struct goalloc_rw_req)
#define GOALLOC_IOC_READ	_IOW(GOALLOC_IOC_MAGIC, 4, struct goalloc_rw_req)
#define GOALLOC_IOC_BATCH	_IOWR(GOALLOC_IOC_MAGIC, 5, struct goalloc_batch_req)
#define GOALLOC_IOC_STATS	_IOWR(GOALLOC_IOC_MAGIC, 6, struct goalloc_stats_req)

#endif /* _UAPI_GOALLOC_H */
