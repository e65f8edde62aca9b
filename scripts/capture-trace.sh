#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/capture-trace.sh [--steady] [OUTPUT]
#
# Captures a real allocation trace from Debian's stock 6.12 kernel: boots it
# in QEMU and records its kmem:kmalloc and kmem:kfree trace events, as
# scripts/vm/capture-trace.sh says, over one of two workloads:
#   (default)  from early boot, then a busybox workload that mostly builds
#              up: tools/traces/kernel-6.12.trace
#   --steady   from a booted system, a busybox workload whose objects come
#              and go (HTTP over loopback, processes, pipes, short-lived
#              files): tools/traces/kernel-6.12-steady.trace
# and writes the events as a goalloc trace ("a ID SIZE" / "f ID" lines, the
# format of goalloc replay and the benchmarks) to OUTPUT (default as
# above).  Allocations never freed stay live.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mode=boot
case "${1:-}" in
-h | --help) usage_of "$0"; exit 0 ;;
--steady) mode=steady; shift ;;
esac
cd "$GOALLOC_TOP"
if [ $mode = steady ]; then
	out=${1:-tools/traces/kernel-6.12-steady.trace}
	append="goalloc_capture=steady"
	what="a busybox workload of objects that come and go, traced after boot"
	opt=" --steady"
else
	out=${1:-tools/traces/kernel-6.12.trace}
	append="trace_event=kmem:kmalloc,kmem:kfree trace_buf_size=32M"
	what="boot and a busybox workload"
	opt=""
fi
scripts/install-deps.sh --quiet
r=$(stock612_release)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
scripts/vm-run.sh --kernel "$(vmlinuz_of "$r")" --script scripts/vm/capture-trace.sh \
	--smp 2 --timeout 900 --log "$log" --append "$append" >/dev/null
{
	echo "# kmem:kmalloc/kmem:kfree of Debian's $r: $what"
	echo "# (scripts/capture-trace.sh$opt). a ID SIZE | f ID"
	console_section "$log" trace | grep -E '^[af] '
} >"$out"
grep -a 'goalloc-trace: [0-9]' "$log" | tr -d '\r'
echo "$out: $(grep -c '^a ' "$out") allocations, $(grep -c '^f ' "$out") frees"
