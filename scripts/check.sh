#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/check.sh [--only STEP] [--stress-ops N] [--fuzz-seconds N]
#
# Every goalloc test, in order (make check):
#   scripts   the scripts themselves (scripts/test-scripts.sh): KVM probe and
#             its TCG fallback, an empty cache, every --help
#   build     goalloc.ko against Debian's 6.1 and 6.12 headers, W=1, no warning
#   style     checkpatch (--no-tree -f) on every C file and header; sparse;
#             kernel-doc -Wall, and on every exported function;
#             Documentation/goalloc.rst built with Sphinx; layers call
#             downward only (scripts/check-layers.sh)
#   user      the core built in user space (tools/testing/goalloc): the
#             portable KUnit suites under ASan+UBSan (as booted by default,
#             with init_on_alloc and init_on_free, and debug mode's suite), a
#             threaded soak under ASan, TSan and in debug mode, a bounded
#             libFuzzer run (60 s)
#   stock     on each stock kernel: load, smoke test through /dev/goalloc (also
#             with debug=1), unload; on 6.12 in 256 MiB: memory pressure makes
#             the shrinker give back, and the OOM killer; 512 MiB plugged in
#             after load (past the arena index sized at load) is used
#   dkms      scripts/check-dkms.sh: dkms add/build/install on both stock
#             kernels in DKMS trees of its own, goalloc.ko alone, its
#             version and vermagic; the DKMS-built module booted in QEMU
#   package   scripts/check-package.sh: the Debian packages goalloc-dkms,
#             goalloc-tools, goalloc-dev built with dpkg-buildpackage,
#             their contents, lintian, the packaged source built by DKMS
#   kunit     debug kernel (KASAN, lockdep, kmemleak) with 2 vCPUs,
#             init_on_alloc=0 and numa=fake=2, with 4 vCPUs on two NUMA
#             nodes, init_on_alloc=1 init_on_free=1 and numa=fake=4:
#             the KUnit suites, debug mode's suite (debug=1), the KASAN suite
#             (bad accesses KASAN must report), rmmod, kmemleak scan finds
#             nothing; then CPU hotplug under load with 4 vCPUs on 2 nodes
# --only STEP runs one step.  Ends with "N passed, N failed": every KUnit
# case of every run counts, and every other check counts once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

only="" stress_ops=20000 fuzz_seconds=60
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift 2 ;;
	--stress-ops) stress_ops=$2; shift 2 ;;
	--fuzz-seconds) fuzz_seconds=$2; shift 2 ;;
	-h | --help) usage_of "$0"; exit 0 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done

passed=0 failed=0
failures=()
pass() { passed=$((passed + ${2:-1})); printf '[check] PASS %s\n' "$1"; }
fail() { failed=$((failed + ${2:-1})); failures+=("$1"); printf '[check] FAIL %s\n' "$1"; }
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

cd "$GOALLOC_TOP"
scripts/install-deps.sh --quiet
r61=$(stock61_release)
r612=$(stock612_release)
out=$GOALLOC_TOP/build
mkdir -p "$out"

# A script of checks (lib.sh's check): run it with its output in
# build/NAME.log, count each of its PASS and FAIL lines as "NAME: ...", and
# fail if it did not get to its summary.
checks_of() { # name script
	"$2" >"$out/$1.log" 2>&1 || true
	while IFS= read -r line; do
		case "$line" in
		"PASS "*) pass "$1: ${line#PASS }" ;;
		"FAIL "*) fail "$1: ${line#FAIL }" ;;
		esac
	done <"$out/$1.log"
	grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$out/$1.log" ||
		{ tail -n 20 "$out/$1.log"; fail "$2 did not finish"; }
}

# build_in_copy (lib.sh), with the output in build/NAME/build.log.
build_for() { # name kdir [make args...]
	mkdir -p "$out/$1"
	build_in_copy "$@" >"$out/$1/build.log" 2>&1
}

if want scripts; then
	checks_of scripts scripts/test-scripts.sh
fi

# The debug kernel is needed for checkpatch (its source) and kunit.
debug_kdir=""
if want style || want kunit; then
	debug_kdir=$(scripts/build-debug-kernel.sh)
fi

if want build; then
	for r in "$r61" "$r612"; do
		if build_for "stock-$r" "$(kdir_of "$r")" && ! grep -q 'warning:' "$out/stock-$r/build.log"; then
			pass "build on $r (W=1, no warnings)"
		else
			grep -E 'warning:|error:' "$out/stock-$r/build.log" | head -n 20 || true
			fail "build on $r"
		fi
	done
fi

if want style; then
	# Not the user-space stand-ins for kernel headers (tools/testing/goalloc's
	# platform.h and include/): they define the very macros checkpatch asks
	# for, as the kernel's own compiler headers do.
	files=$(git ls-files '*.c' '*.h' | grep -v -e '^tools/testing/goalloc/platform\.h$' \
		-e '^tools/testing/goalloc/include/')
	# checkpatch misreads X-macros (the one list of statistics,
	# GOALLOC_STATS in include/uapi/goalloc.h, and of size classes,
	# GOALLOC_SIZE_CLASSES in include/goalloc.h): drop its findings on the
	# lines that define or expand one, and nothing else.
	findings=$(perl "$debug_kdir/scripts/checkpatch.pl" --no-tree -f --terse --quiet $files |
		grep -v '^total: 0 errors, 0 warnings' |
		awk -F: '{ line = ""; if ((getline line < $1) > 0) { n = 1; while (n < $2 && (getline line < $1) > 0) n++ } close($1)
			   if (line !~ /GOALLOC_STATS|GOALLOC_SIZE_CLASSES|#define [A-Z_]+\((name, desc|c?size, npages)\)/ && $0 !~ /^total: /) print }' || true)
	if [ -z "$findings" ]; then
		pass "checkpatch on $(echo "$files" | wc -w) files"
	else
		echo "$findings"
		fail "checkpatch"
	fi
	# kernel-doc: well formed, and on every exported function
	kd=$(perl "$debug_kdir/scripts/kernel-doc" -none -Wall include/goalloc.h goalloc/*.c 2>&1 || true)
	undocumented=$(for f in $(sed -n 's/^EXPORT_SYMBOL_GPL(\(.*\));/\1/p' goalloc/*.c); do
		grep -q "^ \* $f() - " goalloc/*.c include/goalloc.h || echo "$f"
	done)
	nexp=$(grep -c '^EXPORT_SYMBOL_GPL(' goalloc/*.c | awk -F: '{ n += $2 } END { print n }')
	if [ -z "$kd" ] && [ -z "$undocumented" ]; then
		pass "kernel-doc -Wall clean; all $nexp exported functions documented"
	else
		echo "$kd"
		echo "undocumented: $undocumented"
		fail "kernel-doc"
	fi
	# Documentation/goalloc.rst, built as the kernel builds its own (Sphinx
	# with the kernel's kernel-doc extension), warnings as errors
	rm -rf "$out/doc"
	if KERNEL_SRC=$debug_kdir /usr/bin/sphinx-build -W -q -b html Documentation "$out/doc" \
		>"$out/doc.log" 2>&1 && grep -q 'id="c.goalloc_alloc"' "$out/doc/goalloc.html"; then
		pass "Documentation/goalloc.rst builds with Sphinx and kernel-doc, no warning"
	else
		tail -n 20 "$out/doc.log"
		fail "Documentation/goalloc.rst (sphinx-build -W)"
	fi
	if scripts/check-layers.sh >"$out/layers.log" 2>&1; then
		pass "layers call downward only: $(tail -n 1 "$out/layers.log" | sed 's/^layers: //')"
	else
		cat "$out/layers.log"
		fail "layers call downward only (scripts/check-layers.sh)"
	fi
	if build_for sparse "$(kdir_of "$r612")" C=1 && ! grep -qE 'warning:|error:' "$out/sparse/build.log"; then
		pass "sparse (make C=1) on $r612"
	else
		grep -E 'warning:|error:' "$out/sparse/build.log" | head -n 20 || true
		fail "sparse"
	fi
fi

if want user; then
	u=$out/user
	make -C tools/testing/goalloc O="$u" "$u/kunit-asan" "$u/threads-asan" "$u/threads-tsan" \
		"$u/fuzz" >"$out/user.build.log" 2>&1 ||
		{ tail -n 20 "$out/user.build.log"; fail "user-space build of the core"; }
	if [ -x "$u/kunit-asan" ]; then
		# init_on_alloc=init_on_free=0 on one node, then 1 on two NUMA nodes,
		# then debug mode's own suite
		for run in init0 init1 debug; do
			init=${run#init}
			[ $run = debug ] && init=0
			nodes=$([ $run = init1 ] && echo 2 || echo 1)
			GL_NODES=$nodes GL_INIT_ON_ALLOC=$init GL_INIT_ON_FREE=$init \
				GL_DEBUG=$([ $run = debug ] && echo 1 || echo 0) \
				"$u/kunit-asan" >"$u/kunit-$run.log" 2>&1 || true
			grep -E '^not ok|FAILED|ERROR' "$u/kunit-$run.log" | head -n 20 || true
			p=$(sed -n 's/^# user-space kunit: \([0-9]*\) passed.*/\1/p' "$u/kunit-$run.log")
			f=$(sed -n 's/^# user-space kunit: [0-9]* passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 + \2/p' "$u/kunit-$run.log")
			f=$(( ${f:-0} ))
			what="user-space KUnit suites under ASan+UBSan, init_on_alloc=init_on_free=$init, $nodes node(s)"
			[ $run = debug ] && what="user-space goalloc-debug suite under ASan+UBSan, debug=1"
			[ "${p:-0}" -gt 0 ] && pass "$what: $p cases passed" "$p"
			[ "$f" -gt 0 ] && fail "$what: $f cases failed or skipped" "$f"
			[ -z "$p" ] && { tail -n 20 "$u/kunit-$run.log"; fail "$what: no results (crash?)"; }
		done
		# the soak (under TSan on two NUMA nodes), and again in debug mode,
		# which must find nothing wrong
		for san in asan tsan asan-debug; do
			bin=$u/threads-${san%-debug}
			mode=""
			[ $san = asan-debug ] && mode=", debug=1"
			nodes=$([ $san = tsan ] && echo 2 || echo 1)
			[ "$nodes" = 2 ] && mode=", 2 NUMA nodes"
			if GL_NODES=$nodes GL_DEBUG=$([ $san = asan-debug ] && echo 1 || echo 0) \
				TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$bin" >"$u/threads-$san.log" 2>&1; then
				pass "threaded soak under $(echo "${san%-debug}" | tr a-z A-Z)$mode: $(tail -n 1 "$u/threads-$san.log" | sed 's/^# threads: //')"
			else
				grep -E 'not ok|ERROR|WARNING: ThreadSanitizer|SUMMARY|BUG' "$u/threads-$san.log" | head -n 20 || true
				fail "threaded soak under $san"
			fi
		done
		mkdir -p "$u/corpus"
		if "$u/fuzz" -max_total_time="$fuzz_seconds" -print_final_stats=1 "$u/corpus" \
			tools/testing/goalloc/corpus >"$u/fuzz.log" 2>&1; then
			pass "differential fuzzer, $fuzz_seconds s: $(sed -n 's/^stat::number_of_executed_units: *//p' "$u/fuzz.log") inputs, no invariant broken"
		else
			grep -E 'fuzz:|ERROR|SUMMARY|Test unit written' "$u/fuzz.log" | head -n 20 || true
			fail "differential fuzzer"
		fi
	fi
fi

if want stock; then
	for r in "$r61" "$r612"; do
		# the module of this tree: the build step's, or built now (--only
		# stock must not boot one a run before left behind)
		if ! want build || ! [ -f "$out/stock-$r/goalloc.ko" ]; then
			build_for "stock-$r" "$(kdir_of "$r")" || true
		fi
		make -s -C tools >/dev/null
		# the client module, built the way another module would be
		client=$out/client-$r
		mkdir -p "$client"
		cp examples/client/* "$client/"
		make -C "$(kdir_of "$r")" M="$client" GOALLOC="$GOALLOC_TOP" W=1 \
			KBUILD_EXTRA_SYMBOLS="$out/stock-$r/Module.symvers" modules >"$client/build.log" 2>&1 ||
			tail -n 20 "$client/build.log"
		# its constant sizes reach goalloc with their class (include/goalloc.h)
		if nm -u "$client/goalloc_client.ko" 2>/dev/null | grep -qw __goalloc_alloc_class; then
			pass "client module for $r: constant sizes resolved to their class at compile time"
		else
			fail "client module for $r: constant sizes resolved to their class at compile time"
		fi
		if scripts/vm-run.sh --kernel "$(vmlinuz_of "$r")" --script scripts/vm/smoke.sh \
			--smp 2 --timeout 300 --log "$out/stock-$r.console" \
			"$out/stock-$r/goalloc.ko" "$client/goalloc_client.ko" \
			tools/goalloc tools/goalloc_test >/dev/null; then
			pass "stock $r: load, client module, /dev/goalloc tests, unload"
		else
			tail -n 30 "$out/stock-$r.console"
			fail "stock $r: load, client module, /dev/goalloc tests, unload ($(console_why "$out/stock-$r.console"))"
		fi
		# the heap profile the guest printed (base64), read by go tool pprof
		prof=$out/heap-$r.pprof
		console_section "$out/stock-$r.console" heap.pprof | grep -E '^[A-Za-z0-9+/=]+$' |
			base64 -d >"$prof" 2>/dev/null || true
		if HOME=$out GOCACHE=$out/gocache go tool pprof -top -sample_index=alloc_space \
			"$prof" >"$prof.top" 2>&1 && grep -q 'uobj_alloc' "$prof.top"; then
			pass "stock $r: go tool pprof -top reads the heap profile ($(grep -c . "$prof.top") lines, uobj_alloc among them)"
		else
			head -n 20 "$prof.top" 2>/dev/null || true
			fail "stock $r: go tool pprof -top reads the heap profile"
		fi
	done
	if scripts/vm-run.sh --kernel "$(vmlinuz_of "$r612")" --script scripts/vm/pressure.sh \
		--smp 2 --mem 256 --timeout 300 --log "$out/pressure.console" \
		"$out/stock-$r612/goalloc.ko" tools/goalloc >/dev/null; then
		pass "stock $r612, 256 MiB: memory pressure gives idle memory back (shrinker)"
	else
		tail -n 20 "$out/pressure.console"
		fail "stock $r612: memory pressure ($(console_why "$out/pressure.console"))"
	fi
	if scripts/vm-run.sh --kernel "$(vmlinuz_of "$r612")" --script scripts/vm/memhotplug.sh \
		--smp 2 --mem 256 --hotplug-mem 512 --timeout 400 --log "$out/memhotplug.console" \
		"$out/stock-$r612/goalloc.ko" tools/goalloc tools/goalloc_test >/dev/null; then
		pass "stock $r612, 256 MiB + 512 MiB plugged in after load: 320 MB through /dev/goalloc, freed cleanly, tests pass"
	else
		tail -n 20 "$out/memhotplug.console"
		fail "stock $r612: memory hotplugged after load ($(console_why "$out/memhotplug.console"))"
	fi
fi

if want dkms; then
	checks_of dkms scripts/check-dkms.sh
fi

if want package; then
	checks_of package scripts/check-package.sh
fi

if want kunit; then
	kunit_py=$debug_kdir/tools/testing/kunit/kunit.py
	build_for debug "$debug_kdir" || { tail -n 30 "$out/debug/build.log"; fail "build on the debug kernel"; }
	make -s -C tools >/dev/null
	if [ -f "$out/debug/goalloc_test.ko" ]; then
		for smp in 2 4; do
			log=$out/debug-smp$smp.console
			vm_rc=0
			# both init policies: no stale data either way (goalloc-api);
			# NUMA: two fake nodes, every CPU on node 0; then two nodes of
			# two vCPUs each, faked into four
			init="init_on_alloc=0" numa=1 fake=2
			[ "$smp" = 4 ] && init="init_on_alloc=1 init_on_free=1" numa=2 fake=4
			scripts/vm-run.sh --kernel "$debug_kdir/arch/x86/boot/bzImage" \
				--script scripts/vm/kunit.sh --smp "$smp" --mem 2048 --numa "$numa" \
				--timeout 1800 \
				--append "numa=fake=$fake $init kasan_multi_shot goalloc_stress_ops=$stress_ops" \
				--log "$log" "$out/debug/goalloc.ko" "$out/debug/goalloc_test.ko" \
				"$out/debug/goalloc_debug_test.ko" "$out/debug/goalloc_kasan_test.ko" \
				tools/goalloc_test tools/goalloc >/dev/null || vm_rc=$?
			# KTAP of the module: what the console shows after the VM's init
			# starts, up to the /dev/goalloc tests (debug mode's suite and
			# KASAN's are counted below)
			summary=$(sed -n '/^goalloc-vm:/,/^goalloc-vm: \/dev\/goalloc tests/p' "$log" |
				  python3 "$kunit_py" parse 2>&1 |
				  tee "$out/debug-smp$smp.kunit" |
				  grep -E 'Ran [0-9]+ tests' | tail -n 1 || true)
			grep -E '\[(FAILED|CRASHED)\]|Testing complete' "$out/debug-smp$smp.kunit" || true
			p=$(echo "$summary" | grep -oE 'passed: [0-9]+' | grep -oE '[0-9]+' || echo 0)
			f=$(echo "$summary" | grep -oE '(failed|crashed): [0-9]+' | grep -oE '[0-9]+' |
			    paste -sd+ | bc 2>/dev/null || echo 0)
			s=$(echo "$summary" | grep -oE 'skipped: [0-9]+' | grep -oE '[0-9]+' || echo 0)
			[ -n "$f" ] || f=0
			# a suite whose output was cut short (a lost console line, a
			# hang) shows as [CRASHED] with no case counted as crashed
			if [ "$f" -eq 0 ] && grep -q '\[CRASHED\]' "$out/debug-smp$smp.kunit"; then
				f=1
			fi
			[ "$p" -gt 0 ] && pass "KUnit, $smp vCPUs, $init, $fake NUMA nodes: $p cases passed" "$p"
			[ "$f" -gt 0 ] && fail "KUnit, $smp vCPUs: $f cases failed or crashed" "$f"
			[ "$s" -gt 0 ] && fail "KUnit, $smp vCPUs: $s cases skipped (counted as failed)" "$s"
			[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && fail "KUnit, $smp vCPUs: no results"
			# goalloc-debug (against goalloc.ko debug=1) and goalloc-kasan
			# (expecting KASAN reports): modules of their own, counted apart
			for suite in debug kasan; do
				k=$(grep -aoE "# goalloc-$suite: pass:[0-9]+ fail:[0-9]+ skip:[0-9]+" "$log" |
				    tail -n 1 || true)
				kp=$(echo "$k" | sed -n 's/.*pass:\([0-9]*\).*/\1/p')
				kf=$(echo "$k" | sed -n 's/.*fail:\([0-9]*\) skip:\([0-9]*\)/\1 + \2/p')
				kf=$(( ${kf:-0} ))
				what="goalloc-$suite suite, $smp vCPUs"
				[ $suite = debug ] && what="$what (debug=1): $kp cases caught the corruptions they made"
				[ $suite = kasan ] && what="$what: $kp cases saw the KASAN reports they expected"
				[ "${kp:-0}" -gt 0 ] && pass "$what" "$kp"
				[ "$kf" -gt 0 ] && fail "goalloc-$suite suite, $smp vCPUs: $kf cases failed or skipped" "$kf"
				[ -z "$k" ] && fail "goalloc-$suite suite, $smp vCPUs: no results"
			done
			if [ $vm_rc -eq 0 ]; then
				pass "debug kernel, $smp vCPUs: no splat, clean rmmod, kmemleak finds nothing"
			else
				console_unexpected "$log" |
					grep -aE '^not ok|kmemleak|BUG|WARNING|KASAN|Call Trace|GOALLOC' |
					head -n 30 || true
				fail "debug kernel, $smp vCPUs: splat, leak or failed unload (vm-run status $vm_rc: $(console_why "$log"))"
			fi
		done
		# CPU hotplug under load (scripts/hotplug-load.sh on its own)
		log=$out/hotplug-load.console
		if scripts/vm-run.sh --kernel "$debug_kdir/arch/x86/boot/bzImage" \
			--script scripts/vm/hotplug-load.sh --smp 4 --mem 2048 --numa 2 --timeout 900 \
			--log "$log" "$out/debug/goalloc.ko" tools/goalloc tools/goalloc_test >/dev/null; then
			pass "debug kernel, 4 vCPUs on 2 NUMA nodes, CPU hotplug under load: $(grep -aoE '[0-9]+ hotplug cycles; live objects [0-9]+' "$log" | tail -n 1), clean unload"
		else
			console_unexpected "$log" | grep -aE 'goalloc:|BUG|WARNING|KASAN|Call Trace' |
				head -n 30 || true
			fail "debug kernel, 4 vCPUs: CPU hotplug under load ($(console_why "$log"))"
		fi
	else
		fail "goalloc_test.ko was not built for the debug kernel"
	fi
fi

for f in "${failures[@]}"; do
	echo "[check] failed: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
