#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/check-dkms.sh
#
# goalloc as a DKMS module (make check's "dkms" step), in DKMS trees of its
# own under build/dkms (goalloc puts nothing in /var/lib/dkms, /usr/src or
# /lib/modules; DKMS makes its module signing key in /var/lib/dkms, as on
# any machine): dkms.conf's version is GOALLOC_VERSION; dkms add, build and
# install against Debian's 6.1 and 6.12 headers give goalloc.ko and nothing
# else, of that version, for that kernel, with the devname alias; the
# DKMS-built 6.12 module boots in QEMU and passes the /dev/goalloc tests.
# Prints "PASS ..." or "FAIL ..." per check and ends with "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || { usage_of "$0"; [ "$1" = -h ] || [ "$1" = --help ]; exit; }
cd "$GOALLOC_TOP"
scripts/install-deps.sh --quiet

version=$(goalloc_version)
conf_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
check "dkms.conf's version ($conf_version) is GOALLOC_VERSION ($version)" \
	test -n "$version" -a "$version" = "$conf_version"

work=$GOALLOC_TOP/build/dkms
rm -rf "$work"
mkdir -p "$work/src/goalloc-$version" "$work/tree" "$work/installed"
# the source a package would ship: the module, its headers, dkms.conf
tar -C "$GOALLOC_TOP" --exclude=./build --exclude=./.git --exclude=./tools \
	--exclude=./bench/results -cf - . | tar -C "$work/src/goalloc-$version" -xf -
trees=(--sourcetree "$work/src" --dkmstree "$work/tree" --installtree "$work/installed")
rc=0
dkms add -m goalloc -v "$version" "${trees[@]}" >"$work/add.log" 2>&1 || rc=$?
check "dkms add" test $rc = 0

for r in "$(stock61_release)" "$(stock612_release)"; do
	mkdir -p "$work/installed/$r"
	args=(-m goalloc -v "$version" -k "$r" --kernelsourcedir "$(kdir_of "$r")" "${trees[@]}")
	if dkms build "${args[@]}" >"$work/build-$r.log" 2>&1 &&
		dkms install "${args[@]}" >"$work/install-$r.log" 2>&1; then
		check "dkms build and install on $r" true
	else
		tail -n 20 "$work/build-$r.log" "$work/install-$r.log" 2>/dev/null || true
		check "dkms build and install on $r" false
		continue
	fi
	mods=$(cd "$work/installed/$r" && find . -name '*.ko*' | sort)
	check "on $r only goalloc.ko is installed ($(echo $mods))" \
		test "$mods" = "./updates/dkms/goalloc.ko.xz" -o "$mods" = "./updates/dkms/goalloc.ko"
	ko=$work/goalloc-$r.ko
	if [ -f "$work/installed/$r/updates/dkms/goalloc.ko.xz" ]; then
		xz -dc "$work/installed/$r/updates/dkms/goalloc.ko.xz" >"$ko"
	else
		cp "$work/installed/$r/updates/dkms/goalloc.ko" "$ko" 2>/dev/null || true
	fi
	check "on $r: version $version, vermagic $r, devname alias" \
		test "$(modinfo -F version "$ko" 2>/dev/null)" = "$version" -a \
		"$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" = "$r" -a \
		"$(modinfo -F alias "$ko" 2>/dev/null | grep -c '^devname:goalloc$')" = 1
done

r=$(stock612_release)
make -s -C tools >/dev/null
if [ -f "$work/goalloc-$r.ko" ] &&
	scripts/vm-run.sh --kernel "$(vmlinuz_of "$r")" --script scripts/vm/dkms.sh --smp 2 \
		--timeout 300 --log "$work/vm.console" "$work/goalloc-$r.ko" tools/goalloc \
		tools/goalloc_test >/dev/null; then
	check "the DKMS-built module on $r boots, passes the /dev/goalloc tests, unloads" true
else
	tail -n 20 "$work/vm.console" 2>/dev/null || true
	check "the DKMS-built module on $r boots, passes the /dev/goalloc tests, unloads" false
fi

checks_summary
