# Runs inside the debug kernel (scripts/vm-run.sh): KUnit suites, the
# user-space tests, the same in debug mode with its own suite, the KASAN
# suite, a clean unload, then a kmemleak scan that must be empty.
echo scan >/sys/kernel/debug/kmemleak
echo clear >/sys/kernel/debug/kmemleak
# no background scavenger: the suites compare the heap's numbers (they run
# its passes themselves)
insmod ./goalloc.ko scavenge_interval_ms=0
insmod ./goalloc_test.ko stress_ops="${goalloc_stress_ops:-20000}"
rmmod goalloc_test
# the end of the module's KTAP: the tool's "ok" lines are not KUnit's
echo "goalloc-vm: /dev/goalloc tests"
if [ -x ./goalloc_test ]; then
	./goalloc_test -f "${goalloc_fuzz_seconds:-10}"
fi
rmmod goalloc
# debug mode (debug=1): its own suite, then the /dev/goalloc tests with
# every object checked, which must find nothing
echo "goalloc-vm: debug mode"
insmod ./goalloc.ko debug=1 scavenge_interval_ms=0
insmod ./goalloc_debug_test.ko
rmmod goalloc_debug_test
if [ -x ./goalloc_test ]; then
	reports=$(awk '$1 == "debug_reports" { print $2 }' /sys/kernel/debug/goalloc/stats)
	./goalloc_test -f 3
	after=$(awk '$1 == "debug_reports" { print $2 }' /sys/kernel/debug/goalloc/stats)
	echo "goalloc: debug mode, /dev/goalloc tests: $((after - reports)) corruption reports"
	[ "$after" = "$reports" ]
fi
rmmod goalloc
insmod ./goalloc.ko scavenge_interval_ms=0
# last: its expected KASAN reports taint the kernel and turn lockdep off
if [ -f ./goalloc_kasan_test.ko ]; then
	echo "goalloc-vm: KASAN suite"
	insmod ./goalloc_kasan_test.ko
	rmmod goalloc_kasan_test
fi
rmmod goalloc
sleep 6
echo scan >/sys/kernel/debug/kmemleak
echo scan >/sys/kernel/debug/kmemleak
leaks=$(cat /sys/kernel/debug/kmemleak)
if [ -n "$leaks" ]; then
	echo "$leaks"
	echo "goalloc: kmemleak found leaks"
	exit 1
fi
echo "goalloc: kmemleak scan clean"
