# SPDX-License-Identifier: GPL-2.0
# goalloc developer targets.  The module itself is built by Kbuild:
#   make [KDIR=/path/to/kernel/build]        build the modules (W=1)
#   make clean                               as usual for an external module
#   make install                             goalloc.ko alone, then depmod
#   make run                                 build, boot 6.12 in QEMU, demo, statistics
#   make check                               all tests (README.md)
#   make kunit                               KUnit suites in the debug kernel only
#   make bench                               goalloc vs kmalloc benchmark in QEMU
#   make plots                               the heap over time and its map, in QEMU

KDIR ?= /lib/modules/$(shell uname -r)/build
ifeq ($(wildcard $(KDIR)/Makefile),)
# No headers for the running kernel (a container, a CI machine): use
# Debian's newest 6.12 headers, which scripts/install-deps.sh installs.
KDIR := $(lastword $(sort $(wildcard /usr/src/linux-headers-6.12.*-amd64)))
endif

.PHONY: modules all clean install run check kunit bench plots

modules all:
	@test -n "$(KDIR)" || { echo "no kernel headers: run scripts/install-deps.sh or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

# goalloc.ko alone (not the benchmark or test modules), into
# /lib/modules/<release>/updates, then depmod: "modprobe goalloc" works.
install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) GOALLOC_MODULE_ONLY=1 modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) GOALLOC_MODULE_ONLY=1 INSTALL_MOD_DIR=updates modules_install

run:
	scripts/run.sh

check:
	scripts/check.sh

kunit:
	scripts/check.sh --only kunit

bench:
	scripts/bench.sh

plots:
	scripts/plots.sh
