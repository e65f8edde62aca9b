#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/check-layers.sh [LEVELS]
#
# Layers call downward only (make check's "style" step).  Compiles each
# core file (goalloc/*.c) as the user-space build does, with the host
# compiler, and checks that every function or variable it uses from another
# core file is defined at its own level or a lower one.  Levels, lowest
# first, files of one level joined by ":" (LEVELS replaces this list, to
# show that the check fails when the order is wrong):
#   platform report profile sizeclasses fixalloc mheap mspan debug mcentral
#   mcache:tiny stats malloc
# Prints each call that goes up, and exits 1 if there is one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
case "${1:-}" in -h | --help) usage_of "$0"; exit 0 ;; esac
levels=${1:-"platform report profile sizeclasses fixalloc mheap mspan debug mcentral mcache:tiny stats malloc"}
cd "$GOALLOC_TOP/tools/testing/goalloc"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s build/go_sizeclasses_fixture.h O=build >/dev/null 2>&1 || true

# level of each file; every core file must have one
declare -A level
n=0
for l in $levels; do
	for f in ${l//:/ }; do level[$f]=$n; done
	n=$((n + 1))
done
for src in ../../../goalloc/*.c; do
	f=$(basename "$src" .c)
	[ -n "${level[$f]:-}" ] || { echo "goalloc/$f.c has no level" >&2; exit 1; }
done

# what each file defines and uses (platform: the user-space stand-in, whose
# functions are the kernel platform's)
for f in "${!level[@]}"; do
	src=../../../goalloc/$f.c
	[ "$f" = platform ] && src=platform.c
	cc -std=gnu11 -O1 -mpopcnt -include platform.h -Iinclude -I../../../include -Ibuild \
		-c "$src" -o "$tmp/$f.o"
	nm --defined-only "$tmp/$f.o" | awk '$2 ~ /^[A-Z]$/ { print $3 }' >"$tmp/$f.def"
	nm -u "$tmp/$f.o" | awk '{ print $2 }' >"$tmp/$f.use"
done

bad=0
for f in "${!level[@]}"; do
	for g in "${!level[@]}"; do
		[ "${level[$g]}" -gt "${level[$f]}" ] || continue
		for sym in $(grep -Fxf "$tmp/$g.def" "$tmp/$f.use" || true); do
			echo "goalloc/$f.c (level ${level[$f]}) uses $sym of goalloc/$g.c (level ${level[$g]})"
			bad=1
		done
	done
done
[ $bad = 0 ] && echo "layers: every core file uses only its own level and those below ($levels)"
exit $bad
