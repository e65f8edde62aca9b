#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/bench.sh [--smp N] [--reps N] [--iters N] [--goalloc-args A=V,...]
#                         [--cmdline ARGS]
#
# make bench: builds goalloc and its benchmark module for Debian's stock
# 6.12 kernel, boots it in QEMU and prints goalloc vs kmalloc, ns per
# operation and the ratio, for every row (see bench/goalloc_bench.c).  The
# first line names the accelerator (KVM where it works, else TCG: see
# vm_accel in lib.sh); under TCG only the ratios within one run mean
# anything, under KVM the times are close to the hardware's.  The table
# goes to bench/results/kernel-bench.txt too, and a plot of the ratios by
# row and size to bench/results/kernel-bench.png (gnuplot).
# --goalloc-args gives goalloc.ko module parameters, comma-separated: e.g.
# profile_rate=0 to compare without the heap profile kmalloc does not keep.
# --cmdline adds to the guest kernel's command line: e.g. init_on_alloc=0
# to time the allocators without the zeroing both do by default.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smp=2 reps=7 iters=20000 gargs= cmdline=
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smp=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--goalloc-args) gargs=$2; shift 2 ;;
	--iters) iters=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
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
mkdir -p bench/results
{
	echo "accelerator: $accel, $smp vCPUs, kernel $r${gargs:+, goalloc.ko $gargs}${cmdline:+, $cmdline}"
	GOALLOC_ACCEL=$accel scripts/vm-run.sh --kernel "$(vmlinuz_of "$r")" --script scripts/vm/bench.sh \
		--smp "$smp" --timeout 1800 --append "goalloc_bench_args=reps=$reps,iters=$iters${gargs:+ goalloc_args=$gargs}${cmdline:+ $cmdline}" \
		--log "$dir/console.log" "$dir/goalloc.ko" "$dir/bench/goalloc_bench.ko" tools/goalloc |
		sed -n 's/^.*goalloc-bench: //p' | tr -d '\r' || true
} | tee bench/results/kernel-bench.txt

# goalloc / kmalloc and goalloc / kmem_cache, one bar pair per row and size
awk '$1 != "memory" && $6 ~ /^[0-9.]+$/ { printf "\"%s %s\" %s %s\n", $1, $2, $6, ($7 ~ /^[0-9.]+$/ ? $7 : "NaN") }' \
	bench/results/kernel-bench.txt >"$dir/ratios.dat"
if command -v gnuplot >/dev/null && [ -s "$dir/ratios.dat" ]; then
	gnuplot <<PLOT
set terminal pngcairo size 1200,450 font ",10"
set output "bench/results/kernel-bench.png"
set title "goalloc in the kernel: time relative to kmalloc and to a kmem\\\\_cache of the size ($accel, $r; below 1: goalloc faster)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -45 nomirror
set bmargin 9
set rmargin 20
set grid ytics
set ylabel "goalloc time / peer's time"
set yrange [0:*]
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot "$dir/ratios.dat" using 2:xtic(1) title "goalloc / kmalloc", "" using 3 title "goalloc / kmem\\\\_cache"
PLOT
	echo "plot: bench/results/kernel-bench.png"
fi
