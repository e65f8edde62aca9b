/* SPDX-License-Identifier: GPL-2.0 */
/* Everything is in platform.h, force-included; __u32 and friends (the uapi header) from the system. */
#include_next <linux/types.h>
