#!/bin/sh
# Runs the guest test suite under another Linux: the Debian kernel that
# tools/deps.sh unpacked for nested runs (cache/kernel), booted in QEMU
# with an initramfs of busybox and the suite. A second oracle next to the
# host's kernel: a check that passes on one Linux and fails on the other
# depends on something version-specific and must be fixed.
#
# Usage: tests/guest/linux-vm.sh BUILD_DIR CACHE_DIR
# The suite runs twice, as root and as uid 65534. Exits 0 iff every program
# passed both times.
set -eu
build=${1:?usage: linux-vm.sh BUILD_DIR CACHE_DIR}
cache=${2:?usage: linux-vm.sh BUILD_DIR CACHE_DIR}
vmlinuz=$(ls "$cache"/kernel/boot/vmlinuz-* | head -n1)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/suite" "$root/dev" "$root/proc" "$root/tmp"
cp /bin/busybox "$root/bin/"
for applet in sh mount mkdir poweroff cat; do ln -s busybox "$root/bin/$applet"; done
cp "$build"/tests/guest/t_* "$build"/tests/guest/runner "$build"/tests/guest/hello "$root/suite/"
# /tmp and /dev/shm as tmpfs, as a distribution would have them.
cat >"$root/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
exec >/dev/ttyS0 2>&1
echo; echo "# $(cat /proc/version)" # a line of its own, after the firmware's escapes
/suite/runner /suite
root_status=$?
echo "# again as uid 65534"
/suite/runner -u 65534 /suite
user_status=$?
echo "linux-vm: runner status $((root_status | user_status))"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$work/initrd.gz"

timeout 600 qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 1 -nographic -no-reboot \
	-nodefaults -serial stdio -kernel "$vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1" </dev/null | tr -d '\r' | tee "$work/log" |
	grep -a -E '^(# Linux|# again|FAIL|not ok|suite:|linux-vm:)' || true
status=$(sed -n 's/^linux-vm: runner status \([0-9]*\).*/\1/p' "$work/log")
[ -n "$status" ] || { echo "linux-vm: no result from the VM" >&2; exit 1; }
exit "$status"
