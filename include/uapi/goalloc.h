/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/goalloc: drive the goalloc allocator from user space.
 *
 * Each open file owns the objects it allocates; closing it frees them all.
 * Objects are named by opaque 64-bit handles (never addresses).  Every
 * request structure starts with __u32 size, set by the caller to
 * sizeof(the structure it was built with), so structures can grow: the
 * kernel accepts a shorter (older) one, and a longer one only if the bytes
 * it does not know are zero (else E2BIG).  Reserved fields and unknown flags
 * must be zero (else EINVAL).
 *
 * Errors: ENOENT unknown handle; EINVAL bad size, flags, reserved field,
 * offset or length; EFAULT bad user pointer; ENOSPC per-file object limit;
 * ENOMEM per-file byte limit or no memory; ENOTTY unknown ioctl.
 */
#ifndef _UAPI_GOALLOC_H
#define _UAPI_GOALLOC_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define GOALLOC_ABI_VERSION	1

/* goalloc_alloc_req.flags, goalloc_batch_op.flags */
#define GOALLOC_F_NOSCAN	(1U << 0)	/* pointer-free: tiny allocator under 16 B */
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
 * operation that fails: done tells how many ran, error its errno.
 */
struct goalloc_batch_req {
	__u32 size;		/* in: sizeof(struct goalloc_batch_req) */
	__u32 nr;		/* in: operations, at most 1 << 20 */
	__u64 ops;		/* in: user address of nr struct goalloc_batch_op */
	__u64 elapsed_ns;	/* out: time spent in the operations */
	__u32 done;		/* out: operations that ran */
	__s32 error;		/* out: 0, or the failed operation's -errno */
};

/* A statistics snapshot: the numbers debugfs "stats" shows. */
struct goalloc_stats_req {
	__u32 size;		/* in: sizeof(struct goalloc_stats_req) */
	__u32 version;		/* out: GOALLOC_ABI_VERSION */
	__u64 heap_alloc;	/* bytes in live objects */
	__u64 heap_objects;	/* live objects */
	__u64 heap_sys;		/* bytes from the buddy allocator, held */
	__u64 heap_idle;	/* bytes of heap_sys in free page runs */
	__u64 heap_inuse;	/* bytes of heap_sys in spans */
	__u64 heap_released;	/* bytes returned to the buddy allocator */
	__u64 mallocs;		/* allocations since load */
	__u64 frees;		/* frees since load */
	__u64 tiny_allocs;	/* tiny allocations */
	__u64 large_allocs;	/* large allocations */
	__u64 arenas;		/* chunks held */
	__u64 spans_inuse;	/* spans in use */
	__u64 invalid_frees;	/* bad frees caught */
	__u64 file_objects;	/* objects this file holds */
	__u64 file_bytes;	/* usable bytes this file holds */
};

#define GOALLOC_IOC_MAGIC	'G'
#define GOALLOC_IOC_ALLOC	_IOWR(GOALLOC_IOC_MAGIC, 1, struct goalloc_alloc_req)
#define GOALLOC_IOC_FREE	_IOW(GOALLOC_IOC_MAGIC, 2, struct goalloc_free_req)
#define GOALLOC_IOC_WRITE	_IOW(GOALLOC_IOC_MAGIC, 3, struct goalloc_rw_req)
#define GOALLOC_IOC_READ	_IOW(GOALLOC_IOC_MAGIC, 4, struct goalloc_rw_req)
#define GOALLOC_IOC_BATCH	_IOWR(GOALLOC_IOC_MAGIC, 5, struct goalloc_batch_req)
#define GOALLOC_IOC_STATS	_IOWR(GOALLOC_IOC_MAGIC, 6, struct goalloc_stats_req)

#endif /* _UAPI_GOALLOC_H */
