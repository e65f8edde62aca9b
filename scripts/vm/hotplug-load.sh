# Runs inside the debug kernel (scripts/hotplug-load.sh): CPUs 1-3 go
# offline and online again, 45 times in all, while three processes drive
# goalloc through /dev/goalloc.  Their own checks compare global statistics
# with their start and so fail when run side by side; what counts here is
# that nothing is live afterwards and that goalloc unloads without a
# warning (no span left in use).
insmod ./goalloc.ko
stat() { ./goalloc stats --bytes | awk -v k="$1" '$1 == k { print $2 }'; }
for i in 1 2 3; do ./goalloc_test -f 30 >/dev/null 2>&1 & done
cycles=0
for n in $(seq 1 15); do
	for c in 1 2 3; do
		echo 0 >/sys/devices/system/cpu/cpu$c/online
		sleep 0.2
		echo 1 >/sys/devices/system/cpu/cpu$c/online
		cycles=$((cycles + 1))
	done
done
wait
echo "goalloc: $cycles hotplug cycles; live objects $(stat heap_objects), invalid frees $(stat invalid_frees)"
test "$(stat heap_objects)" -eq 0
rmmod goalloc
