/* SPDX-License-Identifier: GPL-2.0 */
/* goalloc module glue: the interfaces beside the allocator core. */
#ifndef GOALLOC_MOD_H
#define GOALLOC_MOD_H

#include <linux/types.h>

/* The background scavenger's passes and the time they took (debugfs heap). */
extern u64 goalloc_scavenger_passes, goalloc_scavenger_ns;

u8 *goalloc_pprof(size_t *len);
void goalloc_debugfs_init(void);
void goalloc_debugfs_exit(void);
int goalloc_dev_init(void);
void goalloc_dev_exit(void);

/* The handle table of an open /dev/goalloc, without the ioctl layer. */
struct goalloc_file;
struct goalloc_file *goalloc_file_open(void);
void goalloc_file_close(struct goalloc_file *f);
int goalloc_file_alloc(struct goalloc_file *f, u64 bytes, u32 flags, u64 *handle, u64 *usable);
int goalloc_file_free(struct goalloc_file *f, u64 handle);

#endif
