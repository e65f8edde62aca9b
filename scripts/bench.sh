#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/bench.sh [--smp N] [--reps N] [--iters N]
#
# make bench: builds goalloc and its benchmark module for Debian's stock
# 6.12 kernel, boots it in QEMU and prints goalloc vs kmalloc, ns per
# operation and the ratio, for every row (see bench/goalloc_bench.c).  The
# first line names the accelerator (KVM where it works, else TCG: see
# vm_accel in lib.sh); under TCG only the ratios within one run mean
# anything, under KVM the times are close to the hardware's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smp=2 reps=7 iters=20000
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smp=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--iters) iters=$2; shift 2 ;;
	-h | --help) usage_of "$0"; exit 0 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
cd "$GOALLOC_TOP"
scripts/install-deps.sh --quiet
r=$(stock612_release)
dir=build/bench-$r
build_in_copy "bench-$r" "$(kdir_of "$r")" -s
make -s -C tools
accel=$(vm_accel "$(vmlinuz_of "$r")")
echo "accelerator: $accel, $smp vCPUs, kernel $r"
GOALLOC_ACCEL=$accel scripts/vm-run.sh --kernel "$(vmlinuz_of "$r")" --script scripts/vm/bench.sh --smp "$smp" \
	--timeout 1800 --append "goalloc_bench_args=reps=$reps,iters=$iters" \
	--log "$dir/console.log" "$dir/goalloc.ko" "$dir/bench/goalloc_bench.ko" tools/goalloc |
	sed -n 's/^.*goalloc-bench: //p' || true
