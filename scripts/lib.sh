# SPDX-License-Identifier: GPL-2.0
# Shared helpers for goalloc's scripts.  Sourced, not run.

GOALLOC_CACHE="${GOALLOC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goalloc}"
GOALLOC_TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[goalloc] %s\n' "$*" >&2; }
die() { printf '[goalloc] error: %s\n' "$*" >&2; exit 1; }

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
