/* SPDX-License-Identifier: GPL-2.0 */
/* Everything is in platform.h, force-included. */
