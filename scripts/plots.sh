#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/plots.sh
#
# Pictures of the heap over time, from the stock 6.12 kernel in QEMU
# (scripts/vm/plots.sh: a burst of 4000 objects from 64 bytes to 40 KB,
# 15 in 16 freed, then 12 idle seconds), into bench/results/:
#   scavenger.png   memory retained, its goal and memory in use, over time:
#                   the background scavenger at work (goalloc top --json)
#   classes.png     live bytes of the busiest size classes over time
#   heap-map.png    the fragmentation map (debugfs heap_map): each chunk a
#                   row, each 8 KiB page a cell, at the burst's peak and
#                   after the frees and the idle seconds
# and the samples themselves (top.jsonl, map-peak.txt, map-idle.txt), and
# the background scavenger's passes and their time (scavenger.txt).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || { usage_of "$0"; [ "$1" = -h ] || [ "$1" = --help ]; exit; }
cd "$GOALLOC_TOP"
scripts/install-deps.sh --quiet
r=$(stock612_release)
dir=build/plots-$r
build_in_copy "plots-$r" "$(kdir_of "$r")" -s GOALLOC_MODULE_ONLY=1
make -s -C tools
res=bench/results
mkdir -p "$res"
scripts/vm-run.sh --kernel "$(vmlinuz_of "$r")" --script scripts/vm/plots.sh --smp 2 \
	--timeout 600 --log "$dir/console.log" "$dir/goalloc.ko" tools/goalloc >/dev/null
console_section "$dir/console.log" top.jsonl >"$res/top.jsonl"
console_section "$dir/console.log" map-peak >"$res/map-peak.txt"
console_section "$dir/console.log" map-idle >"$res/map-idle.txt"
[ -s "$res/top.jsonl" ] && [ -s "$res/map-idle.txt" ] || die "no samples in $dir/console.log"
# the background scavenger's cost over the run (debugfs heap)
console_section "$dir/console.log" scavenger | awk '{ v[$1] = $2 } END { printf "scavenger: %d passes, %.0f us in all, %.0f us a pass\n", v["scavenger_passes"], v["scavenger_ns"] / 1000, v["scavenger_ns"] / 1000 / (v["scavenger_passes"] ? v["scavenger_passes"] : 1) }' |
	tee "$res/scavenger.txt"

# top --json lines as columns: t, MiB retained, goal, in use; and the classes'
python3 - "$res" "$dir" <<'PY'
import json, sys
res, d = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(res + "/top.jsonl") if l.startswith("{")]
M = 1 << 20
with open(d + "/heap.dat", "w") as f:
    for r in rows:
        f.write("%.2f %.3f %.3f %.3f %.3f\n" % (r["t"], r["heap_sys"] / M,
                r["scavenge_goal_bytes"] / M, r["heap_inuse"] / M, r["heap_alloc"] / M))
peak = {}
for r in rows:
    for c, b in r["class_live_bytes"].items():
        peak[c] = max(peak.get(c, 0), b)
top = sorted(peak, key=lambda c: -peak[c])[:6]
with open(d + "/classes.dat", "w") as f:
    f.write("t " + " ".join(top) + "\n")
    for r in rows:
        f.write("%.2f " % r["t"] + " ".join("%.3f" % (r["class_live_bytes"].get(c, 0) / M)
                                          for c in top) + "\n")
# maps as matrices: 0 given back, 1 free, 2 small span, 3 large object
for name in ("map-peak", "map-idle"):
    with open(res + "/" + name + ".txt") as f, open(d + "/" + name + ".dat", "w") as out:
        for line in f:
            n, _, m = line.strip().partition(" ")
            out.write(" ".join(str("_.sL".index(ch)) for ch in m.ljust(512, "_")) + "\n")
PY
ncls=$(head -n 1 "$dir/classes.dat" | wc -w)
gnuplot <<PLOT
set terminal pngcairo size 900,420 font ",10"
set output "$res/scavenger.png"
set title "goalloc's background scavenger after a burst ($r, QEMU; goalloc top --json)"
set xlabel "seconds"
set ylabel "MiB"
set key top right
set grid
plot "$dir/heap.dat" using 1:2 with lines lw 2 title "retained (heap\\\\_sys)", \
     "" using 1:3 with lines dt 2 title "scavenger's goal (in use + 10%)", \
     "" using 1:4 with lines title "in spans (heap\\\\_inuse)", \
     "" using 1:5 with lines title "in live objects (heap\\\\_alloc)"
set output "$res/classes.png"
set title "live bytes of the busiest size classes (goalloc top --json)"
set key autotitle columnhead
plot for [i=2:$ncls] "$dir/classes.dat" using 1:i with lines lw 2 title columnhead(i)." B"
PLOT
gnuplot <<PLOT
set terminal pngcairo size 1000,500 font ",10"
set output "$res/heap-map.png"
set multiplot layout 2,1 title "goalloc's chunks, a row each, a cell per 8 KiB page: white given back, grey free, blue small spans, red large objects"
set palette defined (0 "white", 1 "#bbbbbb", 2 "#3060c0", 3 "#c03030")
set cbrange [0:3]
unset colorbox
set xrange [-0.5:511.5]
set xlabel "page"
set ylabel "chunk"
set title "at the burst's peak"
set yrange [-0.5:$(wc -l <"$dir/map-peak.dat") - 0.5] reverse
plot "$dir/map-peak.dat" matrix with image notitle
set title "15 in 16 objects freed, then 12 idle seconds (the background scavenger)"
set yrange [-0.5:$(wc -l <"$dir/map-idle.dat") - 0.5] reverse
plot "$dir/map-idle.dat" matrix with image notitle
unset multiplot
PLOT
echo "plots: $res/scavenger.png $res/classes.png $res/heap-map.png"
