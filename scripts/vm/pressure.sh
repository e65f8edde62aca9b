# Runs inside a small VM (256 MiB): goalloc's idle memory must go back to
# the buddy allocator through the shrinker when memory runs short, and a
# process that takes all memory through /dev/goalloc is OOM-killed (or
# refused) without anything lost.
insmod ./goalloc.ko max_bytes=1073741824 max_dev_bytes=1073741824
stat() { ./goalloc stats --bytes | awk -v k="$1" '$1 == k { print $2 }'; }
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

# OOM: ask for 512 MiB in a 256 MiB VM, as the OOM killer's first choice
# (objects whose spans need order-1 pages: the OOM killer runs for those)
objs0=$(stat heap_objects)
echo "goalloc-oom: expecting an OOM report" >/dev/kmsg
rc=0
(echo 1000 >/proc/self/oom_score_adj && exec ./goalloc alloc 4096 131072) >/dev/null 2>&1 || rc=$?
echo "goalloc-oom: end of expected OOM report" >/dev/kmsg
killed=$(dmesg | grep -c 'Killed process' || true)
echo "taking all memory ended with status $rc, OOM kills: $killed"
test "$rc" -ne 0
# whether killed or refused (ENOMEM), every object came back, nothing bad
test "$(stat heap_objects)" -eq "$objs0"
test "$(stat invalid_frees)" -eq 0
./goalloc alloc 100 1000 >/dev/null
echo "goalloc: survived the OOM killer (status $rc, kills $killed)"
rmmod goalloc
