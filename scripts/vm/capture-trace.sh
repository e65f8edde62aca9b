# Runs inside the VM (scripts/capture-trace.sh): the kernel was booted with
# kmem:kmalloc and kmem:kfree traced from early boot; run a workload, stop
# tracing, and print the events as a goalloc trace ("a ID SIZE" / "f ID")
# between two markers.  Pointers are matched as the trace prints them.
t=/sys/kernel/tracing
mount -t tracefs tracefs $t 2>/dev/null || true
# the workload: walk the file systems, read process and sysfs files, make,
# copy and remove files in tmpfs, pipes and processes
find / -xdev >/dev/null 2>&1
ls -lR /sys/class /sys/bus >/dev/null 2>&1
for f in /proc/[0-9]*/status /proc/[0-9]*/maps; do cat "$f" >/dev/null 2>&1; done
mkdir -p /tmp/w
i=0
while [ $i -lt 300 ]; do
	echo "file $i $(date)" >/tmp/w/f$i
	i=$((i + 1))
done
tar cf /tmp/bin.tar /bin 2>/dev/null
mkdir -p /tmp/x && tar xf /tmp/bin.tar -C /tmp/x
cat /tmp/w/* | sort | uniq -c | wc -l >/dev/null
ls -l /tmp/x/bin | wc -l >/dev/null
rm -rf /tmp/w /tmp/x /tmp/bin.tar
dd if=/dev/zero of=/tmp/z bs=64k count=100 2>/dev/null && rm /tmp/z
ifconfig lo 127.0.0.1 up 2>/dev/null
ps >/dev/null
echo 0 >$t/tracing_on
echo "goalloc-trace: $(grep -c ' kmalloc: ' $t/trace) kmalloc, $(grep -c ' kfree: ' $t/trace) kfree events; lost: $(grep -o 'entries-in-buffer/entries-written: [0-9/]*' $t/trace)"
echo "goalloc-begin trace"
awk '
function field(name,   i) {
	for (i = 1; i <= NF; i++)
		if (index($i, name "=") == 1)
			return substr($i, length(name) + 2)
	return ""
}
/ kmalloc: / {
	p = field("ptr"); r = field("bytes_req") + 0
	if (r == 0 || p ~ /^0+$/) next
	id[p] = n; print "a " n " " r; n++; next
}
/ kfree: / {
	p = field("ptr")
	if (p in id) { print "f " id[p]; delete id[p] }
}' $t/trace
echo "goalloc-end trace"
