#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/build-debug-kernel.sh [--dry-run]
#
# Builds the debug kernel (KUnit, KASAN, lockdep, kmemleak, fault injection)
# from Debian's linux-source-6.12 with x86_64 tinyconfig plus the fragment
# kunit/debug.config.  The build lives in the cache, keyed by the source
# version and the fragment's hash; a second run with the same key returns at
# once.  Prints the build directory (usable as KDIR for external modules).
# --dry-run readies the cache as a build would, then prints the directory
# and stops (the scripts' own test of a fresh cache).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dry=0
case "${1:-}" in
-h | --help) usage_of "$0"; exit 0 ;;
--dry-run) dry=1 ;;
"") ;;
*) usage_of "$0" >&2; exit 2 ;;
esac

frag="$GOALLOC_TOP/kunit/debug.config"
tarball=$(ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null) ||
	die "linux-source-6.12 is not installed; run scripts/install-deps.sh"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
# Bump when the build recipe below changes in a way that changes the kernel.
recipe=2
key="$srcver-$( (cat "$frag"; echo "recipe $recipe") | sha256sum | cut -c1-12)"
dir="$GOALLOC_CACHE/debug-kernel/$key"

if [ -f "$dir/.goalloc-built" ]; then
	echo "$dir"
	exit 0
fi

# Built in place (paths inside a kernel build tree are absolute); the stamp
# file marks a finished build, anything else is started over.  Builds for
# other keys (an older fragment or source) are removed: each is gigabytes.
mkdir -p "$GOALLOC_CACHE/debug-kernel"
find "$GOALLOC_CACHE/debug-kernel" -mindepth 1 -maxdepth 1 ! -name "$key" -exec rm -rf {} +
rm -rf "$dir"
mkdir -p "$dir"
if [ $dry = 1 ]; then
	echo "$dir"
	exit 0
fi
log "unpacking linux-source-6.12 $srcver"
tar -xJf "$tarball" -C "$dir" --strip-components=1

start=$(date +%s)
cd "$dir"
make -s ARCH=x86_64 tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
make -s ARCH=x86_64 olddefconfig >/dev/null
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_* | "# CONFIG_"*) grep -qx "$line" .config || { log "not set: $line"; bad=1; } ;; esac
done <"$frag"
[ $bad = 0 ] || die "kunit/debug.config does not apply to linux-source-6.12 $srcver"

log "building the debug kernel in $dir ($(nproc) jobs; the first build takes a while)"
make -s ARCH=x86_64 -j"$(nproc)" bzImage modules >build.log 2>&1 ||
	{ tail -n 40 build.log >&2; die "debug kernel build failed (see $dir/build.log)"; }
echo "$(( $(date +%s) - start ))" >.goalloc-build-seconds
log "debug kernel built in $(cat .goalloc-build-seconds) s"
touch .goalloc-built
echo "$dir"
