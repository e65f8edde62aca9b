#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The trace benchmark (bench.c) for goalloc's user-space build and glibc,
# tcmalloc, jemalloc and mimalloc (by LD_PRELOAD), in one run:
#   ns per alloc+free pair   median of RUNS runs of a 2M-operation trace
#   instructions per pair    callgrind, the last of two runs of a shorter
#                            trace, minus the harness alone ("null")
#   peak RSS / peak live     growth of the peak RSS over the trace's peak
#                            of requested bytes live
# and goalloc's instructions per 64 B pair with the size a variable and a
# compile-time constant (var-64, const-64), and with its heap profile on
# (profile_rate 512 KiB, the module's default, as in the table) and off.
# Writes results/bench.txt (the table) and results/bench.png (gnuplot).
#   usage: bench.sh [runs]       (make -C tools/testing/goalloc bench-run)
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-5}
libdir=/usr/lib/x86_64-linux-gnu
declare -A preload=(
	[glibc]=""
	[tcmalloc]=$libdir/libtcmalloc_minimal.so.4
	[jemalloc]=$libdir/libjemalloc.so.2
	[mimalloc]=$libdir/libmimalloc.so.2
)
allocs="goalloc glibc tcmalloc jemalloc mimalloc"
traces="fastpath kernel-mix kernel-6.12 kernel-6.12-steady prodcons tiny tiny-class large"
make -s O=build build/bench build/bench-noprofile	# whatever O the caller has
mkdir -p results
for a in $allocs; do
	[ -z "${preload[$a]:-}" ] || [ -e "${preload[$a]}" ] ||
		{ echo "bench: ${preload[$a]} missing: run scripts/install-deps.sh" >&2; exit 1; }
done

# run ALLOC ARGS...: bench.c with ALLOC's malloc (or goalloc itself)
run() {
	local a=$1
	shift
	if [ "$a" = goalloc ] || [ "$a" = null ]; then
		"$@" "./build/${bin:-bench}" "$a" "${args[@]}"
	else
		env LD_PRELOAD="${preload[$a]}" "$@" ./build/bench malloc "${args[@]}"
	fi
}

# instructions ALLOC TRACE: "<Ir> <pairs>" of the instrumented run
instructions() {
	local out
	args=("$2" 2)
	out=$(run "$1" valgrind --tool=callgrind --instr-atstart=no \
		--callgrind-out-file=/dev/null 2>&1)
	echo "$(echo "$out" | sed -n 's/.*I *refs: *//p' | tr -d ,) $(echo "$out" | awk -v t="$2" '$1 == t { print $4 }')"
}

dat=results/bench.dat
: >"$dat"
{
	printf '%-18s %-9s %10s %12s %12s\n' trace allocator ns/pair instr/pair rss/live
	for t in $traces; do
		null_ir=-
		[ "$t" = prodcons ] || read -r null_ir _ < <(instructions null "$t")
		for a in $allocs; do
			args=("$t" "$runs")
			read -r _ _ ns pairs live rss < <(run "$a")
			ipp=-
			if [ "$t" != prodcons ]; then
				read -r ir vpairs < <(instructions "$a" "$t")
				ipp=$(( (ir - null_ir) / vpairs ))
			fi
			ratio=$(awk -v r="$rss" -v l="$live" 'BEGIN { printf "%.2f", r / l }')
			printf '%-18s %-9s %10s %12s %12s\n' "$t" "$a" "$ns" "$ipp" "$ratio"
			echo "$t $a $ns ${ipp/-/0} $ratio" >>"$dat"
		done
	done
	echo "(prodcons: two threads spinning on a ring; callgrind serialises threads, so its"
	echo " instruction count would be mostly spinning and is not given)"
	# a size known at compile time: its class folded in by include/goalloc.h
	for t in var-64 const-64; do
		read -r null_ir _ < <(instructions null "$t")
		read -r ir vpairs < <(instructions goalloc "$t")
		eval "ipp_${t%-64}=$(( (ir - null_ir) / vpairs ))"
	done
	echo "goalloc_alloc(64): $ipp_var instructions a pair with the size in a variable," \
		"$ipp_const with a constant"
	# the heap profile's cost: bench samples as the module does by default
	for t in fastpath kernel-mix; do
		read -r null_ir _ < <(instructions null "$t")
		read -r ir vpairs < <(instructions goalloc "$t")
		on=$(( (ir - null_ir) / vpairs ))
		read -r ir vpairs < <(bin=bench-noprofile instructions goalloc "$t")
		echo "heap profile on $t: $on instructions a pair at profile_rate 512 KiB (the" \
			"default, as above), $(( (ir - null_ir) / vpairs )) with profile_rate=0"
	done
} | tee results/bench.txt

if command -v gnuplot >/dev/null; then
	gnuplot <<PLOT
set terminal pngcairo size 1100,450 font ",10"
set output "results/bench.png"
set multiplot layout 1,2 title "goalloc (user-space build) and malloc implementations: allocation traces"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics nomirror
set key top left
set grid ytics
set ylabel "ns per alloc+free pair (median)"
set logscale y
plot for [a in "$allocs"] "< awk -v a=" . a . " '\$2 == a' $dat" using 3:xtic(1) title a
set ylabel "instructions per pair (callgrind)"
unset logscale y
plot for [a in "$allocs"] "< awk -v a=" . a . " '\$2 == a && \$1 != \"prodcons\"' $dat" using 4:xtic(1) title a
unset multiplot
PLOT
	echo "plot: $(pwd)/results/bench.png"
fi
