/* SPDX-License-Identifier: GPL-2.0 */
/* goalloc module glue: the interfaces beside the allocator core. */
#ifndef GOALLOC_MOD_H
#define GOALLOC_MOD_H

void goalloc_debugfs_init(void);
void goalloc_debugfs_exit(void);
int goalloc_dev_init(void);
void goalloc_dev_exit(void);

#endif
