#!/bin/sh
# Build a guest initrd (newc cpio): mkinitrd.sh OUT INIT [PROGRAM...]
# INIT becomes /init; each PROGRAM is copied to /bin/<its name>.
set -eu
out=${1:?usage: mkinitrd.sh OUT INIT [PROGRAM...]}
init=${2:?usage: mkinitrd.sh OUT INIT [PROGRAM...]}
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin"
cp "$init" "$root/init"
for p in "$@"; do cp "$p" "$root/bin/"; done
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out_abs.tmp"
mv "$out_abs.tmp" "$out_abs"
