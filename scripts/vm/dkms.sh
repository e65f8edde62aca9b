# Runs inside the VM (scripts/check-dkms.sh): the module DKMS built, renamed
# for its kernel, loads, passes the /dev/goalloc tests and unloads; installed
# as DKMS installs it, modprobe and opening /dev/goalloc load it.
mv ./goalloc-*.ko ./goalloc.ko
insmod ./goalloc.ko scavenge_interval_ms=0
./goalloc_test -f 3
./goalloc --version
./goalloc stats >/dev/null
rmmod goalloc

# Installed where DKMS installs it: depmod indexes it, modprobe loads it,
# and opening /dev/goalloc loads it on demand (misc minor 247: the node
# kmod static-nodes makes at boot from the devname alias).
dir=/lib/modules/$(uname -r)/updates/dkms
mkdir -p "$dir"
cp ./goalloc.ko "$dir/"
depmod
grep -q 'char.major.10.247 goalloc$' "/lib/modules/$(uname -r)/modules.alias"
modprobe goalloc
grep -q '^goalloc ' /proc/modules
modprobe -r goalloc
if grep -q '^goalloc ' /proc/modules; then echo "modprobe -r left goalloc loaded"; exit 1; fi
echo /bin/modprobe >/proc/sys/kernel/modprobe	# busybox installed it in /bin
mknod /dev/goalloc c 10 247
: </dev/goalloc
grep -q '^goalloc ' /proc/modules
./goalloc stats >/dev/null
echo "goalloc-dkms: modprobe goalloc, and the first open of /dev/goalloc, load the module"
rmmod goalloc
