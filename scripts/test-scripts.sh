#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/test-scripts.sh
#
# Tests of the scripts themselves (make check's "scripts" step), each in an
# empty cache of its own:
#   - the KVM probe falls back to TCG when KVM cannot run a guest (a
#     stand-in qemu-system-x86_64 early in PATH prints KVM's "emulation
#     failure" and hangs, as nested KVM does), within its time limit, and
#     says why; the verdict is cached; GOALLOC_ACCEL=kvm then fails at once
#     naming the reason, GOALLOC_ACCEL=tcg is obeyed, no /dev/kvm means TCG;
#   - a whole VM run through that broken KVM passes under TCG;
#   - a guest that dies before init is booted once more, and says so; so is
#     one that TCG faults on an int3 already patched away, but not one
#     that meets a real int3;
#   - the debug-kernel step gets past its preparation in an empty cache;
#   - console_why gives make check's one-line reason for a failed VM run;
#   - check-layers.sh passes on the tree and fails when levels are swapped;
#   - every script's --help prints its whole usage and exits 0.
# Prints "PASS ..." or "FAIL ..." per test and ends with "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || { usage_of "$0"; [ "$1" = -h ] || [ "$1" = --help ]; exit; }
cd "$GOALLOC_TOP"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
real_qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 missing: run scripts/install-deps.sh"
kernel=$(vmlinuz_of "$(stock612_release)")
[ -f "$kernel" ] || die "no stock 6.12 image in the cache: run scripts/install-deps.sh"

# A QEMU whose KVM fails as nested KVM does: an error, then no progress.
mkdir -p "$work/bin"
cat >"$work/bin/qemu-system-x86_64" <<EOF
#!/bin/sh
case " \$* " in
*" -accel kvm "*)
	echo "KVM internal error. Suberror: 1" >&2
	echo "extra data[0]: 0x0000000000000000" >&2
	echo "emulation failure" >&2
	exec sleep 600 ;;
esac
exec "$real_qemu" "\$@"
EOF
chmod +x "$work/bin/qemu-system-x86_64"
# A writable character device stands in for /dev/kvm.
broken=(env PATH="$work/bin:$PATH" GOALLOC_KVM_DEV=/dev/null GOALLOC_KVM_PROBE_SECONDS=10)

t0=$(date +%s)
out=$(GOALLOC_CACHE=$work/c1 "${broken[@]}" bash -c '. scripts/lib.sh; vm_accel "$1"' _ "$kernel" 2>"$work/err1") || true
t1=$(date +%s)
check "broken KVM: probe falls back to TCG in $((t1 - t0)) s" test "$out" = tcg -a $((t1 - t0)) -le 30
check "broken KVM: the fallback says why" grep -q 'accelerator: tcg (KVM probe failed: .*KVM internal error' "$work/err1"

t0=$(date +%s)
out=$(GOALLOC_CACHE=$work/c1 "${broken[@]}" bash -c '. scripts/lib.sh; vm_accel "$1"' _ "$kernel" 2>"$work/err2") || true
t1=$(date +%s)
check "broken KVM: the verdict is cached (no second probe, $((t1 - t0)) s)" \
	test "$out" = tcg -a $((t1 - t0)) -le 5 -a "$(grep -c 'probing KVM' "$work/err2")" = 0

t0=$(date +%s)
rc=0
GOALLOC_CACHE=$work/c1 GOALLOC_ACCEL=kvm "${broken[@]}" \
	bash -c '. scripts/lib.sh; vm_accel "$1"' _ "$kernel" >/dev/null 2>"$work/err3" || rc=$?
t1=$(date +%s)
check "GOALLOC_ACCEL=kvm on a broken KVM fails at once ($((t1 - t0)) s), naming the reason" \
	test $rc != 0 -a $((t1 - t0)) -le 5 -a "$(grep -c 'GOALLOC_ACCEL=kvm, but KVM probe failed' "$work/err3")" = 1

out=$(GOALLOC_CACHE=$work/c1 GOALLOC_ACCEL=tcg "${broken[@]}" bash -c '. scripts/lib.sh; vm_accel' 2>/dev/null) || true
check "GOALLOC_ACCEL=tcg is obeyed" test "$out" = tcg

out=$(GOALLOC_CACHE=$work/c2 GOALLOC_KVM_DEV=$work/no-kvm bash -c '. scripts/lib.sh; vm_accel' 2>"$work/err4") || true
check "no /dev/kvm: TCG, and it says so" test "$out" = tcg -a "$(grep -c "accelerator: tcg (no usable $work/no-kvm)" "$work/err4")" = 1

rc=0
GOALLOC_CACHE=$work/c2 GOALLOC_KVM_DEV=$work/no-kvm GOALLOC_ACCEL=kvm \
	bash -c '. scripts/lib.sh; vm_accel' >/dev/null 2>"$work/err5" || rc=$?
check "GOALLOC_ACCEL=kvm without /dev/kvm fails, saying why" \
	test $rc != 0 -a "$(grep -c 'GOALLOC_ACCEL=kvm, but no usable' "$work/err5")" = 1

# A whole VM run on the machine with the broken KVM: it must not hang.
echo 'echo "goalloc-vm: hello from $(uname -r)"' >"$work/hello.sh"
t0=$(date +%s)
rc=0
GOALLOC_CACHE=$work/c3 "${broken[@]}" scripts/vm-run.sh --kernel "$kernel" --script "$work/hello.sh" \
	--timeout 120 --log "$work/hello.log" >/dev/null 2>"$work/err6" || rc=$?
t1=$(date +%s)
check "vm-run.sh on a broken KVM boots under TCG ($((t1 - t0)) s)" \
	test $rc = 0 -a "$(grep -ac 'goalloc-vm: hello from' "$work/hello.log")" -ge 1

# A stand-in qemu-system-x86_64 in DIR that prints the console LINEs
# instead of booting: every time, or with ONCE (a file it then creates)
# only the first time, after which the real QEMU boots.
stand_in_qemu() {
	local dir=$1 once=$2
	shift 2
	mkdir -p "$dir"
	printf '%s\n' "$@" >"$dir/console"
	cat >"$dir/qemu-system-x86_64" <<EOF
#!/bin/sh
if [ -z "$once" ] || [ ! -e "$once" ]; then
	[ -z "$once" ] || touch "$once"
	cat "$dir/console"
	exit 0
fi
exec "$real_qemu" "\$@"
EOF
	chmod +x "$dir/qemu-system-x86_64"
}

# vm-run.sh of hello.sh under TCG through the stand-in QEMU in DIR, with
# its console in LOG and its messages in ERR; its status in rc.
vm_run_stand_in() {
	rc=0
	GOALLOC_CACHE=$work/c3 GOALLOC_ACCEL=tcg PATH="$1:$PATH" scripts/vm-run.sh --kernel "$kernel" \
		--script "$work/hello.sh" --timeout 120 --log "$2" >/dev/null 2>"$3" || rc=$?
}

# A guest kernel that dies before init (a stand-in QEMU that panics once).
# The real boot after it may itself die before init, rarely, under TCG and
# be booted again too, so the message comes at least once.
stand_in_qemu "$work/bin2" "$work/died-once" "Oops: int3: 0000 [#1] PREEMPT SMP NOPTI" \
	"Kernel panic - not syncing: Fatal exception in interrupt"
vm_run_stand_in "$work/bin2" "$work/died.log" "$work/err8"
check "vm-run.sh boots again when the guest dies before init, and says so" \
	test $rc = 0 -a "$(grep -ac 'goalloc-vm: hello from' "$work/died.log")" -ge 1 -a \
	"$(grep -c 'died before init' "$work/err8")" -ge 1

# Under TCG, an int3 trap where memory holds none (the emulator ran text
# already patched) boots the guest again, once; a real int3 (cc before
# the trap address) fails the run at every boot.
for kind in stale real; do
	byte=66 once=$work/int3-once
	[ $kind = real ] && byte=cc once=""
	stand_in_qemu "$work/bin-$kind" "$once" "goalloc-vm: 6.12.0, 2 CPUs" \
		"[    9.000001] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI" \
		"[    9.000002] Code: f3 0f 1e fa 41 54 55 53 $byte <90> e8 71 ad f0 ff" \
		"[    9.000003] Kernel panic - not syncing: Fatal exception in interrupt"
	vm_run_stand_in "$work/bin-$kind" "$work/int3-$kind.log" "$work/err-$kind"
	again=$(grep -c 'patched away: booting again' "$work/err-$kind" || true)
	if [ $kind = stale ]; then
		check "vm-run.sh boots again when TCG traps on an int3 already patched away, and says so" \
			test $rc = 0 -a "$(grep -ac 'goalloc-vm: hello from' "$work/int3-$kind.log")" -ge 1 -a "$again" -ge 1
	else
		check "vm-run.sh fails a run that traps on a real int3 (status $rc), booting once" \
			test $rc = 90 -a "$again" = 0
	fi
done

# The debug-kernel step from an empty cache (the directory did not exist).
out=$(GOALLOC_CACHE=$work/c4 scripts/build-debug-kernel.sh --dry-run 2>"$work/err7") || true
check "build-debug-kernel.sh in an empty cache gets to the build" \
	test -n "$out" -a -d "$out" -a "${out#"$work/c4/debug-kernel/"}" != "$out"

# make check's one-line reason for a failed VM run: the first failed test
# or splat outside the reports a test expected, else the exit status.
printf '[    1.0] goalloc-kasan: expecting a KASAN report\r\n[    1.1] BUG: KASAN: use-after-free\r\n' >"$work/why1"
printf '[    1.2] goalloc-kasan: end of expected KASAN report\r\nok 1 a\r\nnot ok 2 b: lost 3 objects\r\n' >>"$work/why1"
printf '[    1.3] WARNING: CPU: 1 PID: 7 at x.c:1\r\nGOALLOC-VM-EXIT=1\r\n' >>"$work/why1"
printf 'ok 1 a\nGOALLOC-VM-EXIT=2\n' >"$work/why2"
printf 'ok 1 a\n' >"$work/why3"
check "console_why names the first failure, not an expected report" \
	test "$(console_why "$work/why1")" = "not ok 2 b: lost 3 objects"
check "console_why gives the exit status when no test says more" \
	test "$(console_why "$work/why2")" = "the guest's script exited with status 2"
check "console_why tells a crash or timeout" \
	test "$(console_why "$work/why3")" = "no exit status: the guest crashed or timed out"

# The layer check passes on the tree, and fails, naming the call, when two
# levels are swapped (stats below malloc: malloc.c uses goalloc_get_stats).
rc=0
scripts/check-layers.sh >"$work/layers" 2>&1 || rc=$?
check "check-layers.sh passes on the tree" test $rc = 0
rc=0
scripts/check-layers.sh "platform report profile sizeclasses fixalloc mheap mspan debug mcentral mcache:tiny malloc stats" \
	>"$work/layers" 2>&1 || rc=$?
check "check-layers.sh fails when a call goes up, and names it" \
	test $rc = 1 -a "$(grep -c 'malloc.c (level 10) uses goalloc_get_stats of goalloc/stats.c' "$work/layers")" = 1

for s in scripts/*.sh; do
	[ "$s" = scripts/lib.sh ] && continue
	rc=0
	bash "$s" --help >"$work/help" 2>&1 </dev/null || rc=$?
	# the header comment, from "Usage:" on
	expect=$(awk '/^# Usage:/ { on = 1 } on && !/^#/ { exit } on { n++ } END { print n }' "$s")
	check "$s --help: its whole usage ($expect lines), exit 0" \
		test $rc = 0 -a "$(wc -l <"$work/help")" = "$expect" -a \
		"$(grep -c 'set -euo' "$work/help")" = 0 -a "$(head -c 6 "$work/help")" = Usage:
done

checks_summary
