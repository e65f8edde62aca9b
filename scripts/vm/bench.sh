# Runs inside the VM: the goalloc vs kmalloc benchmark, then the user-space
# allocation rate through /dev/goalloc.
insmod ./goalloc.ko
# The benchmark module prints its table and refuses to stay loaded (EAGAIN).
insmod ./goalloc_bench.ko $(echo "${goalloc_bench_args:-}" | tr , " ") 2>/dev/null || true
dmesg | grep 'goalloc-bench:' | sed 's/^\[[^]]*\] //'
./goalloc bench -n 5000
rmmod goalloc
