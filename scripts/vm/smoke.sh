# Runs inside the VM (scripts/vm-run.sh): load goalloc, run the user-space
# tests of /dev/goalloc and the command-line tool, unload cleanly; the
# same in debug mode.
# no background scavenger while the tests compare the heap's numbers (the
# scavenger test turns it on for itself)
insmod ./goalloc.ko scavenge_interval_ms=0
# a module built only against include/goalloc.h and goalloc's Module.symvers
insmod ./goalloc_client.ko
rmmod goalloc_client
./goalloc_test -f "${goalloc_fuzz_seconds:-10}"
./goalloc alloc 100 1000
./goalloc stats
./goalloc classes --json >/dev/null
./goalloc bench -n 2000 64 4096 65536
# the heap profile, for make check to read with go tool pprof on the host
echo "goalloc-begin heap.pprof"
base64 /sys/kernel/debug/goalloc/profile
echo "goalloc-end heap.pprof"
rmmod goalloc
# debug mode: the same tests with every object checked find nothing
insmod ./goalloc.ko debug=1 scavenge_interval_ms=0
./goalloc_test -f 3
./goalloc alloc 100 1000
reports=$(awk '$1 == "debug_reports" { print $2 }' /sys/kernel/debug/goalloc/stats)
echo "goalloc: debug mode: $reports corruption reports"
test "$reports" -eq 0
rmmod goalloc
test ! -e /dev/goalloc
test ! -e /sys/kernel/debug/goalloc
