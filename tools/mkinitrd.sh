#!/bin/sh
# Build a guest initrd (newc cpio): mkinitrd.sh OUT INIT [PROGRAM...]
# INIT becomes /init; each PROGRAM is copied to /bin/<its name>. Also the
# empty directories Linux programs expect: /proc, /dev, and /tmp and /dev/shm
# writable by everyone (mode 1777; the guest test suite writes files there).
set -eu
out=${1:?usage: mkinitrd.sh OUT INIT [PROGRAM...]}
init=${2:?usage: mkinitrd.sh OUT INIT [PROGRAM...]}
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/dev/shm" "$root/tmp"
chmod 1777 "$root/tmp" "$root/dev/shm"
cp "$init" "$root/init"
for p in "$@"; do cp "$p" "$root/bin/"; done
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out_abs.tmp"
mv "$out_abs.tmp" "$out_abs"
