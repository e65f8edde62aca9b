# Runs inside a small VM (256 MiB): goalloc's idle memory must go back to
# the buddy allocator through the shrinker when memory runs short.
insmod ./goalloc.ko
stat() { ./goalloc stats | awk -v k="$1" '$1 == k { print $2 }'; }
# 120 MB of objects, freed when the command exits: the heap keeps them idle
./goalloc alloc 4096 30000 >/dev/null
sys0=$(stat heap_sys) rel0=$(stat heap_released)
echo "idle heap: heap_sys=$sys0 heap_released=$rel0"
test "$sys0" -gt 100000000
# fill tmpfs (unreclaimable without swap) until reclaim has to run shrinkers
dd if=/dev/zero of=/tmp/fill bs=1M count=150 2>/dev/null || true
sys1=$(stat heap_sys) rel1=$(stat heap_released)
echo "after pressure: heap_sys=$sys1 heap_released=$rel1"
rm -f /tmp/fill
test "$rel1" -gt "$rel0"
test "$sys1" -lt "$sys0"
# still a working allocator
./goalloc alloc 100 1000 >/dev/null
rmmod goalloc
