#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/install-deps.sh [--quiet]
#
# Installs, if missing, everything goalloc's build, VM and test scripts need
# on Debian 12: build tools, QEMU, busybox-static, cpio, sparse, clang with
# libFuzzer, valgrind, tcmalloc, jemalloc, mimalloc and gnuplot (for the
# user-space build of the core and its benchmark), dkms and what builds and
# checks Debian packages (debhelper, dh-dkms, lintian), Sphinx (the
# documentation), the headers of
# Debian's stock 6.1 and newest 6.12 kernels and linux-source-6.12.  The stock
# kernel images are not installed (that runs update-initramfs for minutes):
# their .deb is downloaded and unpacked into the cache, which is enough to
# boot them under QEMU.  Prints where each kernel is.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1
[ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ] && { usage_of "$0"; exit 0; }

stamp="$GOALLOC_CACHE/apt-updated"
mkdir -p "$GOALLOC_CACHE/images"
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
	log "apt-get update"
	apt-get update -qq >/dev/null
	touch "$stamp"
fi

r61=$(stock61_release)
r612=$(stock612_release)
[ -n "$r61" ] && [ -n "$r612" ] || die "cannot find Debian's 6.1/6.12 kernel packages in apt"

pkgs=(build-essential bc bison flex libelf-dev libssl-dev dwarves python3 kmod
      qemu-system-x86 busybox-static cpio xz-utils sparse
      clang libclang-rt-14-dev valgrind libtcmalloc-minimal4 libjemalloc2 libmimalloc2.0
      gnuplot-nox dkms debhelper dh-dkms lintian dpkg-dev fakeroot python3-sphinx golang-go
      linux-headers-amd64 "linux-headers-$r61" "linux-headers-$r612" linux-source-6.12)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

for r in "$r61" "$r612"; do
	img=$(vmlinuz_of "$r")
	[ -f "$img" ] && continue
	log "unpacking linux-image-$r into the cache"
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	(cd "$tmp" && apt-get download -qq "linux-image-$r" >/dev/null)
	dpkg-deb -x "$tmp"/linux-image-"$r"_*.deb "$GOALLOC_CACHE/images/$r"
	rm -rf "$tmp"
	[ -f "$img" ] || die "no $img in linux-image-$r"
done

if [ $quiet = 0 ]; then
	echo "stock 6.1 : $r61 headers=$(kdir_of "$r61") image=$(vmlinuz_of "$r61")"
	echo "stock 6.12: $r612 headers=$(kdir_of "$r612") image=$(vmlinuz_of "$r612")"
	echo "source    : $(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)"
fi
