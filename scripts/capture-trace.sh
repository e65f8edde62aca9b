#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/capture-trace.sh [OUTPUT]
#
# Captures a real allocation trace from Debian's stock 6.12 kernel: boots it
# in QEMU with the kmem:kmalloc and kmem:kfree trace events on from early
# boot, runs a busybox workload (scripts/vm/capture-trace.sh), and writes
# the events as a goalloc trace ("a ID SIZE" / "f ID" lines, the format of
# goalloc replay and the benchmarks) to OUTPUT (default
# tools/traces/kernel-6.12.trace).  Allocations never freed stay live.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
case "${1:-}" in -h | --help) usage_of "$0"; exit 0 ;; esac
cd "$GOALLOC_TOP"
out=${1:-tools/traces/kernel-6.12.trace}
scripts/install-deps.sh --quiet
r=$(stock612_release)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
scripts/vm-run.sh --kernel "$(vmlinuz_of "$r")" --script scripts/vm/capture-trace.sh \
	--smp 2 --timeout 900 --log "$log" \
	--append "trace_event=kmem:kmalloc,kmem:kfree trace_buf_size=32M" >/dev/null
{
	echo "# kmem:kmalloc/kmem:kfree of Debian's $r: boot and a busybox workload"
	echo "# (scripts/capture-trace.sh). a ID SIZE | f ID"
	console_section "$log" trace | grep -E '^[af] '
} >"$out"
grep -a 'goalloc-trace: [0-9]' "$log" | tr -d '\r'
echo "$out: $(grep -c '^a ' "$out") allocations, $(grep -c '^f ' "$out") frees"
