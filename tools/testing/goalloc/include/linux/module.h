/* SPDX-License-Identifier: GPL-2.0 */
/* Module metadata of a suite that is a module of its own: nothing here. */
#define MODULE_LICENSE(license)
#define MODULE_DESCRIPTION(text)
#define MODULE_IMPORT_NS(ns)
