/* SPDX-License-Identifier: GPL-2.0 */
/* Everything is in platform.h, force-included; DEFINE_FREE() as the kernel's slab.h brings it. */
#include <linux/cleanup.h>
