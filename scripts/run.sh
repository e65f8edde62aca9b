#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/run.sh
#
# make run: installs what is missing, builds goalloc.ko for Debian's stock
# 6.12 kernel and the goalloc tool, boots that kernel in QEMU, loads the
# module, drives it through /dev/goalloc, shows the debugfs statistics and
# unloads it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ] && { usage_of "$0"; exit 0; }
cd "$GOALLOC_TOP"
scripts/install-deps.sh --quiet
r=$(stock612_release)
dir=build/run-$r
log "building goalloc.ko for $r and tools/goalloc"
build_in_copy "run-$r" "$(kdir_of "$r")" -s
make -s -C tools
log "booting $r in QEMU (the console follows)"
scripts/vm-run.sh --kernel "$(vmlinuz_of "$r")" --script scripts/vm/demo.sh --smp 2 \
	--timeout 300 --log "$dir/console.log" \
	"$dir/goalloc.ko" tools/goalloc tools/traces/kernel-mix.trace |
	grep -avE '^\[ *[0-9]+\.[0-9]+\] |^$|SeaBIOS|iPXE|Booting from|Probing EDD|\x1b'
