#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/vm-run.sh --kernel BZIMAGE --script SCRIPT [--smp N] [--mem MIB]
#                          [--numa NODES] [--hotplug-mem MIB] [--timeout SECONDS]
#                          [--append ARGS] [--log FILE] [--allow-splat REGEX]
#                          [FILE...]
#
# Boots BZIMAGE under qemu-system-x86_64 (KVM if it works here, else TCG:
# vm_accel in lib.sh; GOALLOC_ACCEL=kvm|tcg forces one) with a busybox initramfs that
# holds FILEs (modules, test programs) in /goalloc, runs SCRIPT there with
# /bin/sh, streams the serial console, and exits with SCRIPT's exit status.
# --numa NODES gives the guest that many NUMA nodes, the memory and the
# vCPUs shared out evenly (vCPUs in blocks: 4 on 2 nodes are 0-1 and 2-3).
# --hotplug-mem MIB gives the guest a free DIMM slot: when SCRIPT prints a
# line "goalloc-hotplug: add memory", a DIMM of MIB is plugged in through
# the QEMU monitor (ACPI memory hotplug, as on a real machine).
# The run fails (status 90) if the console shows a kernel splat: BUG:,
# WARNING:, KASAN:, lockdep reports, kmemleak leaks, Oops, Call Trace.
# Lines matching --allow-splat (an extended regex) are not counted.
# A run that ends without SCRIPT's status (crash, timeout) exits with 91.
# A guest that dies before its init runs (before anything is loaded), or
# that TCG faults by running code already patched, is booted again (at most
# three boots), saying so.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { usage_of "$0" >&2; exit 2; }

kernel="" script="" smp=2 mem=1024 numa=1 hotplug=0 timeout_s=600 append="" log="" allow='^$'
files=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--script) script=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--numa) numa=$2; shift 2 ;;
	--hotplug-mem) hotplug=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--allow-splat) allow=$2; shift 2 ;;
	-h | --help) usage_of "$0"; exit 0 ;;
	-*) echo "unknown option $1" >&2; usage ;;
	*) files+=("$1"); shift ;;
	esac
done
[ -f "$kernel" ] || { echo "no kernel image: '$kernel'" >&2; usage; }
[ -f "$script" ] || { echo "no script: '$script'" >&2; usage; }
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run scripts/install-deps.sh"
[ -x /bin/busybox ] || die "busybox-static missing: run scripts/install-deps.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,goalloc,root}
cp /bin/busybox "$root/bin/busybox"
for f in "${files[@]}"; do
	cp "$f" "$root/goalloc/"
done
cp "$script" "$root/goalloc/run.sh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
echo "goalloc-vm: $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
cd /goalloc
sh -e ./run.sh
rc=$?
echo "GOALLOC-VM-EXIT=$rc"
sync
reboot -f  # with -no-reboot, QEMU exits
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

[[ "$numa" =~ ^[1-9][0-9]*$ ]] || { echo "--numa wants a number of nodes: '$numa'" >&2; usage; }
# NUMA topology: node i has mem/numa MiB and its block of the vCPUs
topo=()
if [ "$numa" -gt 1 ]; then
	for ((i = 0; i < numa; i++)); do
		first=$((i * smp / numa)) last=$(((i + 1) * smp / numa - 1))
		cpus=""
		[ "$last" -ge "$first" ] && cpus=",cpus=$first-$last"
		topo+=(-object "memory-backend-ram,id=mem$i,size=$((mem / numa))M"
		       -numa "node,nodeid=$i$cpus,memdev=mem$i")
	done
	mem=$((mem / numa * numa))
fi

[[ "$hotplug" =~ ^[0-9]+$ ]] || { echo "--hotplug-mem wants MiB: '$hotplug'" >&2; usage; }
memarg=$mem
[ "$hotplug" -eq 0 ] || memarg="${mem}M,slots=1,maxmem=$((mem + hotplug))M"

# monitor_send SOCKET CMD...: QEMU monitor (HMP) commands, one a second
monitor_send() {
	python3 - "$@" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
for _ in range(100):
    try:
        s.connect(sys.argv[1])
        break
    except OSError:
        time.sleep(0.1)
for cmd in sys.argv[2:]:
    s.sendall((cmd + "\n").encode())
    time.sleep(1)
s.settimeout(2)
try:
    out = s.recv(65536).decode(errors="replace")
except OSError:
    out = ""
said = [l.strip() for l in out.splitlines() if l.strip() and "QEMU" not in l and "(qemu)" not in l]
print("[vm-run] monitor: " + " ".join(sys.argv[2:]) + (": " + " | ".join(said) if said else ""),
      file=sys.stderr)
PY
}

# hotplug_when_asked: plug the DIMM in once the console asks for it
hotplug_when_asked() {
	local t
	for ((t = 0; t < timeout_s * 2; t++)); do
		if grep -aq '^goalloc-hotplug: add memory' "$log" 2>/dev/null; then
			monitor_send "$work/monitor" \
				"object_add memory-backend-ram,id=hot0,size=${hotplug}M" \
				"device_add pc-dimm,id=dimm0,memdev=hot0"
			return
		fi
		sleep 0.5
	done
}

[ -n "$log" ] || log=$work/console.log
mode=$(vm_accel "$kernel")
read -ra accel <<<"$(qemu_accel_args "$mode")"
# Two faults of the emulator's, not the guest's, boot the VM again (at
# most three boots), saying why and keeping each failed console:
#   - a guest kernel that dies before init ran (TCG has been seen to trip
#     over the kernel's own text patching at boot): nothing of goalloc's
#     was loaded yet;
#   - under TCG, an int3 trap where memory holds no int3
#     (console_stale_int3): the emulator ran code the kernel had already
#     patched back, as when a tracepoint is switched on or off.
# Anything else after init is the test's.
for attempt in 1 2 3; do
	monitor=() watcher=
	if [ "$hotplug" -gt 0 ]; then
		: >"$log"
		rm -f "$work/monitor"
		monitor=(-monitor "unix:$work/monitor,server=on,wait=off")
		hotplug_when_asked &
		watcher=$!
	fi
	set +e
	timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 "${accel[@]}" \
		-smp "$smp" -m "$memarg" "${topo[@]}" "${monitor[@]}" -nographic -no-reboot \
		-kernel "$kernel" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=7 $append" \
		</dev/null 2>&1 | tee "$log"
	qemu_rc=${PIPESTATUS[0]}
	set -e
	[ -z "$watcher" ] || { kill "$watcher" 2>/dev/null || true; wait "$watcher" 2>/dev/null || true; }
	if ! grep -aq '^goalloc-vm: ' "$log"; then
		why="the guest kernel died before init (goalloc was not loaded yet)"
	elif [ "$mode" = tcg ] && console_stale_int3 "$log"; then
		why="TCG trapped on an int3 the kernel had already patched away"
	else
		break
	fi
	[ $attempt = 3 ] && break
	cp "$log" "$log.failed-boot$attempt"
	echo "[vm-run] $why: booting again; that console is in $log.failed-boot$attempt" >&2
done

# reports the tests expected are not splats
splats=$(console_unexpected "$log" |
	grep -aE "$CONSOLE_SPLAT" |
	grep -avE "$allow" || true)
rc=$(grep -aoE 'GOALLOC-VM-EXIT=[0-9]+' "$log" | tail -n 1 | cut -d= -f2 || true)
if [ -n "$splats" ]; then
	printf '[vm-run] kernel splat on the console:\n%s\n' "$splats" >&2
	exit 90
fi
if [ -z "$rc" ]; then
	echo "[vm-run] the VM ended without the script's status (qemu exit $qemu_rc; timeout ${timeout_s}s)" >&2
	exit 91
fi
exit "$rc"
