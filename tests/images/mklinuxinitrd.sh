#!/bin/sh
# The initramfs for Linux guests (docs/boot.md): static busybox and an /init
# that prints the marker line "umbra-linux-init: up ..." with the uptime and
# CPU count, runs the command in $umbra_cmd if the kernel command line set one
# (Linux passes unknown name=value parameters to init as environment),
# then reboots: without ACPI, Linux's reboot goes through the i8042 reset
# line, which ends the umbra run with status 0.
# Usage: mklinuxinitrd.sh OUT (an uncompressed newc cpio)
set -eu
out=${1:?usage: mklinuxinitrd.sh OUT}
if readelf -l /bin/busybox | grep -q INTERP; then
	echo "mklinuxinitrd: /bin/busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/dev" "$root/sys"
cp /bin/busybox "$root/bin/busybox"
for applet in sh mount cat cut grep echo reboot uname; do
	ln -s busybox "$root/bin/$applet"
done
cat >"$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
up="up $(cut -d' ' -f1 /proc/uptime) s, $(grep -c ^processor /proc/cpuinfo) cpus"
echo "umbra-linux-init: $up"
if [ -n "${umbra_cmd:-}" ]; then
	sh -c "$umbra_cmd"
	echo "umbra-linux-init: command status $?"
fi
reboot -f
INIT
chmod 755 "$root/init"
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out_abs.tmp"
mv "$out_abs.tmp" "$out_abs"
