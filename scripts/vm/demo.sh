# Runs inside the VM for make run: goalloc at work, seen from user space.
echo "== insmod goalloc.ko"
insmod ./goalloc.ko
echo "== goalloc session: allocate and free on one open /dev/goalloc"
printf 'alloc 100\nalloc 5 noscan\nalloc 7 noscan\nalloc 70000\nstats\nfree 1\nfree 1\nstats\nquit\n' |
	./goalloc session
echo "== goalloc alloc 256 10000 (freed when the command exits)"
./goalloc alloc 256 10000
echo "== goalloc replay kernel-mix.trace (a kernel-like mix of sizes)"
./goalloc replay kernel-mix.trace
echo "== a workload holds objects while we look (goalloc alloc ... in the background)"
(printf 'alloc 64\nalloc 64\nalloc 3 noscan\nalloc 3 noscan\nalloc 3 noscan\nalloc 4096\nalloc 100000\n'; sleep 3) |
	./goalloc session >/dev/null &
sleep 1
echo "== goalloc classes (rows with objects)"
./goalloc classes | awk 'NR == 1 || $5 + $9 > 0'
echo "== goalloc stats"
./goalloc stats
echo "== goalloc heap"
./goalloc heap
echo "== goalloc cpus"
./goalloc cpus
wait
echo "== goalloc flush: give cached memory back"
./goalloc flush
./goalloc stats | grep -E 'heap_(sys|released|objects)'
echo "== rmmod goalloc"
rmmod goalloc
