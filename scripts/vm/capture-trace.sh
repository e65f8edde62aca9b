# Runs inside the VM (scripts/capture-trace.sh), in one of two modes:
#  - boot (the default): the kernel was booted with kmem:kmalloc and
#    kmem:kfree traced from early boot; run a workload that mostly builds
#    up (file systems walked, files made, a tar unpacked);
#  - steady (goalloc_capture=steady on the command line): trace a workload
#    alone, from a booted system, whose objects come and go: an HTTP server
#    and its client on the loopback device, processes, pipes and short-lived
#    files, round after round.
# Then stop tracing and print the events as a goalloc trace ("a ID SIZE" /
# "f ID") between two markers.  Pointers are matched as the trace prints
# them; a free of an object allocated before tracing began is left out.
t=/sys/kernel/tracing
mount -t tracefs tracefs $t 2>/dev/null || true
if grep -q 'goalloc_capture=steady' /proc/cmdline; then
	mkdir -p /www /tmp/w
	seq 1 3000 >/www/a.txt
	dd if=/dev/urandom of=/www/b bs=1k count=48 2>/dev/null
	ifconfig lo 127.0.0.1 up
	httpd -p 127.0.0.1:8080 -h /www
	echo 16384 >$t/buffer_size_kb
	echo 1 >$t/events/kmem/kmalloc/enable
	echo 1 >$t/events/kmem/kfree/enable
	echo 1 >$t/tracing_on
	i=0
	while [ $i -lt 150 ]; do
		wget -q -O /dev/null http://127.0.0.1:8080/a.txt
		wget -q -O - http://127.0.0.1:8080/b | md5sum >/dev/null
		echo "round $i $(date)" >/tmp/w/f$i
		cat /tmp/w/* | sort | uniq -c | wc -l >/dev/null
		ls -l /proc/self/ /tmp/w >/dev/null
		[ $i -lt 8 ] || rm -f /tmp/w/f$((i - 8))
		(echo ping; sleep 0) | nc -w 1 127.0.0.1 8080 >/dev/null 2>&1
		ps >/dev/null
		i=$((i + 1))
	done
	tar cf - /bin 2>/dev/null | gzip -1 | gunzip | tar tf - | wc -l >/dev/null
	rm -rf /tmp/w
else
	# the workload: walk the file systems, read process and sysfs files,
	# make, copy and remove files in tmpfs, pipes and processes
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
fi
echo 0 >$t/tracing_on
echo "goalloc-trace: $(grep -c ' kmalloc: ' $t/trace) kmalloc, $(grep -c ' kfree: ' $t/trace) kfree events; lost: $(grep -o 'entries-in-buffer/entries-written: [0-9/]*' $t/trace)"
echo "goalloc-begin trace"
awk '
BEGIN { n = 0 }
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
