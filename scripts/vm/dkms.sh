# Runs inside the VM (scripts/check-dkms.sh): the module DKMS built, renamed
# for its kernel, loads, passes the /dev/goalloc tests and unloads.
mv ./goalloc-*.ko ./goalloc.ko
insmod ./goalloc.ko
./goalloc_test -f 3
./goalloc --version
./goalloc stats >/dev/null
rmmod goalloc
