# Runs inside a 256 MiB VM with a free DIMM slot (vm-run.sh --hotplug-mem):
# memory plugged in after goalloc is loaded lies past the arena index it
# sized at load (the direct map then ended at 256 MiB), so the heap must
# grow the index to use it.  Asking for more than the boot memory holds
# proves the new memory is used; every object must free cleanly (a lookup
# that missed its arena would report it), and nothing may stay live.
insmod ./goalloc.ko max_bytes=1073741824 max_dev_bytes=1073741824 scavenge_interval_ms=0
stat() { ./goalloc stats --bytes | awk -v k="$1" '$1 == k { print $2 }'; }
memtotal() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }
before=$(memtotal)
echo "goalloc-hotplug: add memory"
# the host plugs in 512 MiB (scripts/check.sh): wait for 400 MiB of it,
# its memory blocks onlined one by one
i=0
while [ "$(memtotal)" -lt $((before + 409600)) ]; do
	i=$((i + 1))
	if [ "$i" -gt 240 ]; then
		echo "goalloc-hotplug: 400 MiB did not come in 120 s (MemTotal $before -> $(memtotal) kB)"
		exit 1
	fi
	sleep 0.5
done
echo "goalloc-hotplug: MemTotal $before kB -> $(memtotal) kB"
# 320 MB of 4 KiB objects, freed when the command exits
./goalloc alloc 4096 80000 >/dev/null
echo "goalloc-hotplug: heap_sys $(stat heap_sys) bytes held after 320 MB asked and freed"
test "$(stat heap_sys)" -gt 300000000
test "$(stat heap_objects)" -eq 0
test "$(stat invalid_frees)" -eq 0
# the /dev/goalloc tests, from an empty heap again
./goalloc flush
./goalloc_test -f 3
test "$(stat invalid_frees)" -eq 0
rmmod goalloc
echo "goalloc-hotplug: clean unload"
