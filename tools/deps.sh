#!/bin/sh
# Install what umbra needs on a Debian 12 machine and fetch the Debian cloud
# kernel package used for nested runs (see ../shared/NESTED.md).
#
# Usage: tools/deps.sh CACHE_DIR
# Installs missing Debian packages with apt-get (needs root), then unpacks the
# current linux-image-cloud-amd64 kernel into CACHE_DIR/kernel without
# installing it on this machine. Idempotent: does nothing that is done.
set -eu

cache=${1:?usage: tools/deps.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# The Debian packages umbra needs. Asked of dpkg by package, not by file:
# the ordinary (dynamic) busybox package has the same /bin/busybox path as
# busybox-static, and only the static one runs in the nested initramfs.
# gcc and libc6-dev (libc.a, for the static VMM) are listed so the build
# does not rely on them arriving as recommendations of other packages;
# seabios is the firmware of --bios runs (docs/boot.md).
packages="make gcc libc6-dev qemu-system-x86 busybox-static cpio libfdt-dev musl-tools seabios"
# The tools' tests (issue 7): dumps checked with Python against the JSON
# schema, SVG with xmllint, the HTML page screenshot by headless Chromium.
packages="$packages python3 python3-jsonschema libxml2-utils chromium"
# The fuzz targets (tests/fuzz/, docs/reliability.md): clang and its
# libFuzzer and sanitizer runtimes.
packages="$packages clang libclang-rt-dev"

missing=
for pkg in $packages; do
	dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $pkg"
done

updated=no
apt_update() {
	if [ "$updated" = no ]; then
		echo "deps: apt-get update"
		apt-get update -qq
		updated=yes
	fi
}

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages:$missing; run as root or install them" >&2
		exit 1
	fi
	apt_update
	echo "deps: installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi

# The kernel for the nested (L1) VM: unpack, never install.
kdir="$cache/kernel"
if ! ls "$kdir"/boot/vmlinuz-* >/dev/null 2>&1; then
	apt_update
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
	if [ -z "$pkg" ]; then
		echo "deps: cannot resolve the package behind linux-image-cloud-amd64" >&2
		exit 1
	fi
	echo "deps: fetching $pkg"
	tmp=$(mktemp -d "$cache/dl.XXXXXX")
	(cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null || apt-get download "$pkg")
	rm -rf "$kdir.new"
	dpkg-deb -x "$tmp"/*.deb "$kdir.new"
	rm -rf "$tmp" "$kdir"
	mv "$kdir.new" "$kdir"
fi
echo "deps: ok ($(basename "$(ls "$kdir"/boot/vmlinuz-* | head -n1)"))"
