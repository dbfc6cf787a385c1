#!/bin/sh
# Build the fixed files of nested runs (see vmm/nested.c): the L1 kernel and
# the part of its initramfs that is the same for every run.
#
# Usage: tools/mkl1base.sh KERNEL_DIR OUT_DIR
#   KERNEL_DIR  an unpacked Debian kernel package (cache/kernel, by deps.sh)
#   OUT_DIR     gets vmlinuz and l1-base.cpio.gz
#
# l1-base.cpio.gz is a gzip'd newc cpio with a static busybox, the KVM
# modules (irqbypass, kvm, kvm-amd) and /init. Each run appends an
# uncompressed archive with /umbra/{umbra,kernel,initrd,argv,env}; /init
# loads KVM, holds a VM for the life of L1 (`/umbra/umbra nested-hold-kvm`,
# vmm/nested_hold.c) and runs `/umbra/umbra nested-child /umbra/argv`.
set -eu

kdir=${1:?usage: mkl1base.sh KERNEL_DIR OUT_DIR}
out=${2:?usage: mkl1base.sh KERNEL_DIR OUT_DIR}

vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | head -n1)
version=${vmlinuz##*/vmlinuz-}
mods=$kdir/lib/modules/$version/kernel
for m in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko; do
	if [ ! -f "$mods/$m" ]; then
		echo "mkl1base: $mods/$m missing (run tools/deps.sh)" >&2
		exit 1
	fi
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/lib/modules"
# For the VMM's temporary files (rootfs is a tmpfs: they live in L1's RAM).
mkdir -m 1777 "$root/tmp"
# L1 has no C library: a dynamically linked busybox (Debian's "busybox"
# package rather than "busybox-static") would leave /init unable to start.
if readelf -l /bin/busybox | grep -q 'INTERP'; then
	echo "mkl1base: /bin/busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi
cp /bin/busybox "$root/bin/busybox"
# The applets /init uses.
for applet in sh mount insmod stty dmesg tail poweroff; do
	ln -s busybox "$root/bin/$applet"
done
cp "$mods/virt/lib/irqbypass.ko" "$mods/arch/x86/kvm/kvm.ko" \
	"$mods/arch/x86/kvm/kvm-amd.ko" "$root/lib/modules/"

# /init speaks to the host through two serial ports: ttyS0 carries the
# markers and the inner umbra's stdout, ttyS1 only its stderr. Markers are
# whole lines "umbra-l1-start MARK", "umbra-l1-exit MARK STATUS" and
# "umbra-l1-error MARK MESSAGE"; MARK is a per-run nonce from /umbra/env, so
# guest output cannot forge them. The kernel's own console (ttyS0, quiet)
# is ignored by the host until the start marker.
cat >"$root/init" <<'EOF'
#!/bin/sh
export PATH=/bin TMPDIR=/tmp
mount -t devtmpfs devtmpfs /dev
# Only this script and the inner umbra hold the serial ports open (not the
# kernel's /dev/console), so the last close of a port waits until the UART
# has sent everything: nothing is lost at poweroff.
exec </dev/null >/dev/ttyS0 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
UMBRA_MARK=none
KVM_AMD_PARAMS=
[ -f /umbra/env ] && . /umbra/env
# The inner umbra writes the exit marker itself as soon as it knows the status.
export UMBRA_MARK

# end LINE: write the last line through the only open of ttyS0, power off.
end() {
	exec >/dev/null 2>&1
	echo "$1" >/dev/ttyS0
	poweroff -f
}
fail() {
	end "umbra-l1-error $UMBRA_MARK $1"
}

m=/lib/modules
for mod in irqbypass.ko kvm.ko "kvm-amd.ko $KVM_AMD_PARAMS"; do
	# $mod unquoted on purpose: the module's parameters are separate words.
	out=$(insmod $m/$mod 2>&1) ||
		fail "cannot load ${mod%% *}: $out; kernel: $(dmesg | tail -n 1)"
done
[ -c /dev/kvm ] || fail "kvm_amd is loaded but /dev/kvm did not appear"
[ -x /umbra/umbra ] || fail "no /umbra/umbra in the initramfs"
# A VM held for the life of L1 (vmm/nested_hold.c): the inner umbra's VM
# then makes L1's kernel patch no code while it runs.
out=$(/umbra/umbra nested-hold-kvm 2>&1) || fail "cannot hold a KVM VM: $out"

# Raw output: no \n -> \r\n on either port.
stty -F /dev/ttyS0 -opost && stty -F /dev/ttyS1 -opost ||
	fail "cannot set up the serial ports ttyS0/ttyS1"
echo "umbra-l1-start $UMBRA_MARK"
/umbra/umbra nested-child /umbra/argv >/dev/ttyS0 2>/dev/ttyS1
end "umbra-l1-exit $UMBRA_MARK $?"
EOF
chmod 755 "$root/init"

mkdir -p "$out"
cp "$vmlinuz" "$out/vmlinuz.tmp"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc --quiet -R 0:0 --reproducible) | gzip -9 -n >"$out/l1-base.cpio.gz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/l1-base.cpio.gz.tmp" "$out/l1-base.cpio.gz"
