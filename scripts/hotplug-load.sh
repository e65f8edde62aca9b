#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/hotplug-load.sh
#
# CPU hotplug under load in the debug kernel (4 vCPUs), alone: the last
# part of make check's kunit step (scripts/vm/hotplug-load.sh in the VM).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || { usage_of "$0"; [ "$1" = -h ] || [ "$1" = --help ]; exit; }
cd "$GOALLOC_TOP"
scripts/install-deps.sh --quiet
kdir=$(scripts/build-debug-kernel.sh)
build_in_copy hotplug-debug "$kdir" -s
make -s -C tools
scripts/vm-run.sh --kernel "$kdir/arch/x86/boot/bzImage" --script scripts/vm/hotplug-load.sh \
	--smp 4 --mem 2048 --timeout 600 --log build/hotplug-debug/console.log \
	build/hotplug-debug/goalloc.ko tools/goalloc tools/goalloc_test
