# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for Documentation/goalloc.rst, with the kernel's own
# kernel-doc extension from the kernel source tree in KERNEL_SRC (make
# check's style step: KERNEL_SRC=<tree> sphinx-build -W Documentation OUT,
# run from the top of goalloc).
import os
import sys

ksrc = os.environ['KERNEL_SRC']
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))
extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = '.'
project = 'goalloc'
master_doc = 'goalloc'
exclude_patterns = ['conf.py']
