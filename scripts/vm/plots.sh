# Runs inside the VM (scripts/plots.sh): goalloc as it loads by default;
# `goalloc top --json` samples the heap every quarter second while a burst
# of 4000 objects (64, 256, 1000 and 3000 bytes, and 40 KB large ones, in
# turn) comes, then 15 of every 16 go, the rest kept through 12 idle
# seconds in which the background scavenger works; the heap's map at the
# burst's peak and after the idle seconds.
insmod ./goalloc.ko
./goalloc top --json -d 0.25 -n 72 >/tmp/top.jsonl &
top=$!
sleep 1
{
	set -- 64 256 1000 3000 40000
	i=1
	while [ $i -le 4000 ]; do
		eval "echo alloc \${$((i % 5 + 1))}"
		i=$((i + 1))
	done
	sleep 3
	cat /sys/kernel/debug/goalloc/heap_map >/tmp/map-peak
	i=1
	while [ $i -le 4000 ]; do
		[ $((i % 16)) = 0 ] || echo "free $i"
		i=$((i + 1))
	done
	sleep 12
	cat /sys/kernel/debug/goalloc/heap_map >/tmp/map-idle
	echo quit
} | ./goalloc session | tail -n 1
wait $top
grep -E '^scavenger_(passes|ns) ' /sys/kernel/debug/goalloc/heap >/tmp/scavenger
for f in top.jsonl map-peak map-idle scavenger; do
	echo "goalloc-begin $f"
	cat "/tmp/$f"
	echo "goalloc-end $f"
done
rmmod goalloc
