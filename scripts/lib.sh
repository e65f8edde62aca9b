# SPDX-License-Identifier: GPL-2.0
# Shared helpers for goalloc's scripts.  Sourced, not run.

GOALLOC_CACHE="${GOALLOC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goalloc}"
GOALLOC_TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[goalloc] %s\n' "$*" >&2; }
die() { printf '[goalloc] error: %s\n' "$*" >&2; exit 1; }

# The usage of script $1: its header comment, from "Usage:" to the first line
# that is not a comment.
usage_of() { awk '/^# Usage:/ { on = 1 } on && !/^#/ { exit } on { sub(/^# ?/, ""); print }' "$1"; }

# Newest Debian 6.12 stock kernel release, e.g. 6.12.117+deb12-amd64.
stock612_release() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sed 's/^linux-headers-//' | sort -V | tail -n 1
}

# Release of Debian's default (6.1) kernel, e.g. 6.1.0-56-amd64.
stock61_release() {
	apt-cache depends linux-headers-amd64 2>/dev/null |
		awk '/Depends: linux-headers-/{sub("linux-headers-", "", $2); print $2; exit}'
}

# GOALLOC_VERSION of include/uapi/goalloc.h (MODULE_VERSION, dkms.conf,
# debian/changelog).
goalloc_version() {
	sed -n 's/^#define GOALLOC_VERSION[[:space:]]*"\(.*\)"/\1/p' "$GOALLOC_TOP/include/uapi/goalloc.h"
}

# A guest's console LOG without the reports its tests expected: a test
# that expects one (KASAN in kunit/kasan_test.c, goalloc's own in
# kunit/debug_test.c, the OOM killer's in scripts/vm/pressure.sh) brackets
# it with two markers, and what lies between them is not a splat.
console_unexpected() {
	awk '/goalloc-[a-z]+: expecting an? [A-Za-z]+ report/ { skip = 1 }
	     !skip { print }
	     /goalloc-[a-z]+: end of expected [A-Za-z]+ report/ { skip = 0 }' "$1"
}

# A kernel splat on a guest's console (an extended regex): vm-run.sh fails
# a run that shows one outside the reports its tests expected.
CONSOLE_SPLAT='BUG:|WARNING:|KASAN:|possible circular locking|inconsistent lock state|kmemleak: [0-9]+ new suspected|unreferenced object|Oops|Call Trace'

# Why a VM run failed, in one line for make check's summary: the first
# failed test ("not ok"), kernel splat or panic, or the missing exit
# status on the console LOG, outside the reports its tests expected.
console_why() {
	local why rc
	why=$(console_unexpected "$1" | tr -d '\r' |
		grep -aE "^[[:space:]]*not ok |Kernel panic|$CONSOLE_SPLAT" |
		sed -n '1{s/^\[ *[0-9]*\.[0-9]*\] //;p}' | cut -c 1-160 || true)
	rc=$(grep -aoE 'GOALLOC-VM-EXIT=[0-9]+' "$1" | tail -n 1 | cut -d= -f2 || true)
	if [ -n "$why" ]; then
		echo "$why"
	elif [ -n "$rc" ]; then
		echo "the guest's script exited with status $rc"
	else
		echo "no exit status: the guest crashed or timed out"
	fi
}

# Whether the console LOG shows a CPU trapping on an int3 that memory no
# longer holds: in the oops's Code: line the byte before the trap address
# (marked <..>) is not cc.  The kernel patches its text with a temporary
# int3 (text_poke_bp()); under TCG a vCPU has been seen to run that int3
# after the patch was done, and die of it.
console_stale_int3() {
	tr -d '\r' <"$1" | awk '
		/int3: 0000 \[#[0-9]+\]/ { oops = 1; next }
		oops && /Code: / {
			oops = 0
			for (i = 2; i <= NF; i++)
				if ($i ~ /^<[0-9a-f][0-9a-f]>$/ && $(i - 1) != "cc")
					stale = 1
		}
		END { exit !stale }'
}

# What a guest printed on its console LOG between "goalloc-begin NAME"
# and "goalloc-end NAME" (scripts/vm/*.sh), without the kernel's messages.
console_section() {
	tr -d '\r' <"$1" | sed -n "/^goalloc-begin $2\$/,/^goalloc-end $2\$/p" | sed '1d;$d' |
		grep -av '^\[ *[0-9]*\.[0-9]*\]' || true
}

# For scripts whose output make check reads line by line: check WHAT
# COMMAND... prints "PASS WHAT" or "FAIL WHAT" by COMMAND's status and
# counts it; checks_summary prints "N passed, N failed" and fails if any did.
checks_passed=0 checks_failed=0
check() {
	local what=$1
	shift
	if "$@"; then
		checks_passed=$((checks_passed + 1))
		echo "PASS $what"
	else
		checks_failed=$((checks_failed + 1))
		echo "FAIL $what"
	fi
}
checks_summary() {
	echo "$checks_passed passed, $checks_failed failed"
	[ "$checks_failed" = 0 ]
}

# Where the headers of release $1 live.
kdir_of() { echo "/usr/src/linux-headers-$1"; }

# Where the bootable image of release $1 is kept (extracted from its .deb).
vmlinuz_of() { echo "$GOALLOC_CACHE/images/$1/boot/vmlinuz-$1"; }

# Build the modules in a copy of the tree, build/$1, for the kernel build
# directory $2 (so builds for different kernels coexist); more arguments go
# to make.
build_in_copy() {
	local dir=$GOALLOC_TOP/build/$1 kdir=$2
	shift 2
	mkdir -p "$dir"
	tar -C "$GOALLOC_TOP" --exclude=./build --exclude=./.git -cf - . | tar -C "$dir" -xf -
	make -C "$kdir" M="$dir" W=1 "$@" modules
}

# === The accelerator for QEMU: KVM only where it can really run a guest ===
#
# A /dev/kvm may exist and still fail to run a guest (nested KVM without the
# features the guest needs: "KVM internal error ... emulation failure", and
# QEMU then waits forever).  So before the first VM, vm_accel boots a tiny
# guest under KVM, the stock 6.12 kernel (or the kernel about to be booted)
# with a one-line init that prints a marker, and uses KVM only if the marker
# arrives within GOALLOC_KVM_PROBE_SECONDS (default 30); otherwise TCG.  The
# verdict is cached per machine, host kernel and QEMU version.
# GOALLOC_ACCEL=kvm|tcg forces a choice; forcing KVM where the probe fails
# stops at once, saying why.  GOALLOC_KVM_DEV (default /dev/kvm) exists for
# the scripts' own tests.

# qemu_accel_args ACCEL: QEMU's arguments for it.
qemu_accel_args() {
	case "$1" in
	kvm) echo "-accel kvm -cpu host" ;;
	*) echo "-accel tcg" ;;
	esac
}

# kvm_probe KERNEL: boots KERNEL under KVM with a marker-printing init.
# Status 0 if the marker arrived; the reason otherwise on stdout.
kvm_probe() {
	local kernel=$1 tmp pid i rc=1 limit=${GOALLOC_KVM_PROBE_SECONDS:-30}
	tmp=$(mktemp -d)
	mkdir -p "$tmp/root/bin"
	cp /bin/busybox "$tmp/root/bin/busybox"
	printf '#!/bin/busybox sh\necho GOALLOC-KVM-PROBE-OK\n/bin/busybox poweroff -f\n' >"$tmp/root/init"
	chmod +x "$tmp/root/init"
	(cd "$tmp/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.gz"
	: >"$tmp/log"	# before the loop's first grep, which may beat QEMU's start
	qemu-system-x86_64 -accel kvm -cpu host -smp 1 -m 256 -nographic -no-reboot \
		-kernel "$kernel" -initrd "$tmp/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet" </dev/null >"$tmp/log" 2>&1 &
	pid=$!
	for ((i = 0; i < limit * 10; i++)); do
		if grep -aq GOALLOC-KVM-PROBE-OK "$tmp/log"; then
			rc=0
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -aq GOALLOC-KVM-PROBE-OK "$tmp/log" && rc=0
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [ $rc != 0 ]; then
		local why
		why=$(grep -aE -m 1 'KVM internal error|emulation failure|[Cc]ould not access KVM|failed to initialize kvm|kvm' "$tmp/log" | tr -d '\r' || true)
		[ -n "$why" ] || why="no marker from the guest within ${limit} s"
		echo "KVM probe failed: $why"
	fi
	rm -rf "$tmp"
	return $rc
}

# vm_accel [KERNEL]: prints "kvm" or "tcg" on stdout and one line on stderr
# saying which and why.  KERNEL is booted for the probe if the stock 6.12
# image is not in the cache.
vm_accel() {
	local dev=${GOALLOC_KVM_DEV:-/dev/kvm} want=${GOALLOC_ACCEL:-auto} key verdict why kernel
	local qver r612
	case "$want" in
	tcg) log "accelerator: tcg (GOALLOC_ACCEL=tcg)"; echo tcg; return 0 ;;
	kvm | auto) ;;
	*) die "GOALLOC_ACCEL=$want: use kvm, tcg or leave it unset" ;;
	esac
	if ! [ -c "$dev" ] || ! [ -w "$dev" ]; then
		why="no usable $dev"
		[ -e "$dev" ] && why="$dev is not writable by $(id -un)"
		[ "$want" = kvm ] && die "GOALLOC_ACCEL=kvm, but $why; unset GOALLOC_ACCEL to use TCG"
		log "accelerator: tcg ($why)"
		echo tcg
		return 0
	fi
	qver=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)
	key=$( (cat /etc/machine-id 2>/dev/null || hostname; uname -r; echo "$qver"; echo "$dev") |
		sha256sum | cut -c1-16)
	mkdir -p "$GOALLOC_CACHE/accel"
	verdict="$GOALLOC_CACHE/accel/$key"
	if ! [ -s "$verdict" ]; then
		r612=$(stock612_release)
		kernel=$(vmlinuz_of "$r612")
		[ -f "$kernel" ] || kernel=${1:-}
		[ -f "$kernel" ] || die "no kernel to probe KVM with; run scripts/install-deps.sh"
		log "probing KVM: booting $(basename "$kernel") with a one-line init"
		if why=$(kvm_probe "$kernel"); then
			echo "kvm probe passed ($qver)" >"$verdict"
		else
			echo "tcg $why" >"$verdict"
		fi
	fi
	read -r verdict why <"$verdict"
	if [ "$verdict" = kvm ]; then
		log "accelerator: kvm ($why)"
		echo kvm
		return 0
	fi
	[ "$want" = kvm ] && die "GOALLOC_ACCEL=kvm, but $why; unset GOALLOC_ACCEL to use TCG"
	log "accelerator: tcg ($why; cached in $GOALLOC_CACHE/accel)"
	echo tcg
}
