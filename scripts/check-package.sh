#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/check-package.sh
#
# The Debian packages (make check's "package" step): dpkg-buildpackage -b
# in a copy of the tree under build/pkg makes goalloc-dkms (the module's
# source and dkms.conf, nothing else), goalloc-tools (the tool and its man
# page) and goalloc-dev (the ioctl header); debian/changelog's version is
# GOALLOC_VERSION; lintian finds no error or warning; the packaged tool
# says its version; the packaged source builds goalloc.ko with DKMS (in
# trees of its own) against Debian's 6.12 headers.
# Prints "PASS ..." or "FAIL ..." per check and ends with "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# = 0 ] || { usage_of "$0"; [ "$1" = -h ] || [ "$1" = --help ]; exit; }
cd "$GOALLOC_TOP"
scripts/install-deps.sh --quiet

version=$(goalloc_version)
deb_version=$(sed -n '1s/^goalloc (\(.*\)) .*/\1/p' debian/changelog)
check "debian/changelog's version ($deb_version) is GOALLOC_VERSION ($version)" \
	test -n "$version" -a "$version" = "$deb_version"

work=$GOALLOC_TOP/build/pkg
rm -rf "$work"
mkdir -p "$work/goalloc-$version"
tar -C "$GOALLOC_TOP" --exclude=./build --exclude=./.git --exclude=./tools/testing/goalloc/build \
	-cf - . | tar -C "$work/goalloc-$version" -xf -
rc=0
(cd "$work/goalloc-$version" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || rc=$?
[ $rc = 0 ] || tail -n 20 "$work/build.log"
check "dpkg-buildpackage -us -uc -b" test $rc = 0

contents() { dpkg-deb -c "$work/$1" 2>/dev/null | awk '{ print $6 }' | grep -v '/$' | sort; }
dkms_deb=goalloc-dkms_${version}_all.deb
tools_deb=goalloc-tools_${version}_amd64.deb
dev_deb=goalloc-dev_${version}_all.deb
src=./usr/src/goalloc-$version
check "goalloc-dkms: dkms.conf and the module's source, no tests, tools or benchmark" \
	test -n "$(contents "$dkms_deb" | grep -x "$src/dkms.conf")" -a \
	-n "$(contents "$dkms_deb" | grep -x "$src/goalloc/malloc.c")" -a \
	-z "$(contents "$dkms_deb" | grep -E "^$src/(kunit|bench|tools|scripts)/")"
check "goalloc-tools: /usr/bin/goalloc and its man page" \
	test "$(contents "$tools_deb" | grep -cE '^\./usr/(bin/goalloc|share/man/man1/goalloc\.1\.gz)$')" = 2
check "goalloc-dev: /usr/include/goalloc.h" \
	test "$(contents "$dev_deb" | grep -c '^\./usr/include/goalloc\.h$')" = 1

lint=$(lintian --fail-on error,warning "$work"/goalloc_"$version"_amd64.changes 2>&1 |
	grep -v 'running with root privileges' || true)
[ -z "$lint" ] || echo "$lint"
check "lintian: no error, no warning ($(echo "$lint" | grep -c '^[EW]:' || true) found)" test -z "$(echo "$lint" | grep '^[EW]:')"

mkdir -p "$work/x-tools" "$work/x-dkms"
dpkg-deb -x "$work/$tools_deb" "$work/x-tools"
check "the packaged tool says goalloc $version" \
	test "$("$work/x-tools/usr/bin/goalloc" --version 2>&1)" = "goalloc $version"

dpkg-deb -x "$work/$dkms_deb" "$work/x-dkms"
r=$(stock612_release)
trees=(--sourcetree "$work/x-dkms/usr/src" --dkmstree "$work/dkms-tree")
mkdir -p "$work/dkms-tree"
rc=0
{ dkms add -m goalloc -v "$version" "${trees[@]}" &&
	dkms build -m goalloc -v "$version" -k "$r" --kernelsourcedir "$(kdir_of "$r")" "${trees[@]}"
} >"$work/dkms.log" 2>&1 || rc=$?
[ $rc = 0 ] || tail -n 20 "$work/dkms.log"
check "the packaged source builds goalloc.ko with DKMS on $r" \
	test $rc = 0 -a -n "$(find "$work/dkms-tree" -name 'goalloc.ko*')"

checks_summary
