# Runs inside the VM: the goalloc vs kmalloc benchmark, then the user-space
# allocation rate through /dev/goalloc.
insmod ./goalloc.ko $(echo "${goalloc_args:-}" | tr , " ")
# The benchmark runs while the module loads and prints its table.
insmod ./goalloc_bench.ko $(echo "${goalloc_bench_args:-}" | tr , " ")
rmmod goalloc_bench
./goalloc bench -n 5000
rmmod goalloc
