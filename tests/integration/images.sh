# Sourced by run.sh: guest images umbra did not build (docs/boot.md). Uses
# run.sh's helpers and $build, $tmp.
vmlinuz=$build/nested/vmlinuz
linux_initrd=$build/images/linux-initrd.cpio

# patch FILE OFFSET BYTE...: overwrites bytes in place (octal escapes).
patch_bytes() {
	f=$1 off=$2
	shift 2
	printf "$@" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

echo "-- images umbra did not build: bad input"
head -c 2048 "$vmlinuz" >"$tmp/bz-trunc"
expect_error "truncated bzImage" 121 "truncated" run -k "$tmp/bz-trunc"
cp "$vmlinuz" "$tmp/bz-old"
patch_bytes "$tmp/bz-old" $((0x206)) '\000\002' # protocol 2.00
expect_error "bzImage with an old boot protocol" 121 "2.12" run -k "$tmp/bz-old"
cp "$vmlinuz" "$tmp/bz-no64"
patch_bytes "$tmp/bz-no64" $((0x236)) '\000\000' # xloadflags
expect_error "bzImage without a 64-bit entry" 121 "64-bit" run -k "$tmp/bz-no64"
expect_error "bzImage larger than guest RAM" 121 "RAM" run -m 16M -k "$vmlinuz"
expect_error "two kernels" 120 "already" run -k "$vmlinuz" -k "$vmlinuz"

echo "-- images umbra did not build: Linux"
# The Debian kernel of nested runs, with 2 vCPUs (found through the ACPI
# MADT), to the initramfs's marker and a command, which powers off through
# ACPI (the FADT's sleep control register, docs/boot.md).
run_umbra run -c 2 -k "$vmlinuz" -i "$linux_initrd" \
	-p 'console=ttyS0 quiet panic=-1 umbra_cmd="uname -s; poweroff -f"'
# Linux's tty ends lines with \r\n.
tr -d '\r' <"$tmp/out" >"$tmp/out.lf" && mv "$tmp/out.lf" "$tmp/out"
if [ "$rc" -ne 0 ]; then
	bad "Linux by the 64-bit boot protocol" "exit status $rc, want 0 (ACPI power-off)"
elif ! grep -q '^umbra-linux-init: up .* 2 cpus' "$tmp/out"; then
	bad "Linux by the 64-bit boot protocol" "no marker line from its /init with 2 CPUs"
elif ! grep -qx 'Linux' "$tmp/out"; then
	bad "Linux by the 64-bit boot protocol" "the command in its initramfs did not run"
elif ! grep -q 'reboot: Power down' "$tmp/out" || grep -q 'command status' "$tmp/out"; then
	bad "Linux by the 64-bit boot protocol" "it did not end by powering off"
else
	ok "Linux by the 64-bit boot protocol: $(grep '^umbra-linux-init: up' "$tmp/out")"
fi

echo "-- images umbra did not build: multiboot"
mbtest=$build/images/mbtest.elf
cp "$mbtest" "$tmp/mb-video"
# Header flags 7 (page-aligned modules, memory, video mode) and its checksum.
patch_bytes "$tmp/mb-video" $((0x1004)) '\007\000\000\000\367\117\122\344'
expect_error "multiboot image that requires a video mode" 121 "video" run "$tmp/mb-video"
head -c 5000 "$mbtest" >"$tmp/mb-trunc"
expect_error "truncated multiboot image" 121 "outside the file" run "$tmp/mb-trunc"
printf 'umbra multiboot module\nsecond line\n' >"$tmp/module.txt"
run_umbra run -c 2 -p "mb cmd line" -i "$tmp/module.txt" "$mbtest"
# isa-debug-exit: code 0 (every check passed) is status (0 << 1) | 1.
if [ "$rc" -ne 1 ]; then
	bad "multiboot test image" "exit status $rc, want 1 (isa-debug-exit code 0)"
elif ! grep -q '^mbtest: 0 failed' "$tmp/out" || grep -q 'FAIL' "$tmp/out"; then
	bad "multiboot test image" "its checks failed"
elif ! grep -q "^mbtest: cmdline 'mb cmd line'" "$tmp/out" ||
	! grep -q "^mbtest: module 'umbra multiboot module'" "$tmp/out" ||
	! grep -q '^mbtest: fw_cfg cpus 2' "$tmp/out"; then
	bad "multiboot test image" "command line, module or CPU count not as given"
else
	ok "multiboot test image: $(grep -c '^mbtest: ok' "$tmp/out") checks, status 1 through port 0xf4"
fi

echo "-- images umbra did not build: firmware (SeaBIOS)"
seabios=/usr/share/seabios/bios-microvm.bin
expect_error "firmware file of a wrong size" 121 "firmware" run --bios "$tmp/module.txt" -k "$vmlinuz"
objcopy --remove-section=.note.Xen "$kernel" "$tmp/no-pvh.elf"
expect_error "firmware with an ELF kernel without a PVH note" 121 "PVH" run --bios "$seabios" "$tmp/no-pvh.elf"
expect_error "firmware in shadow mode" 121 "tdp" run --paging shadow --bios "$seabios" "$kernel"
# umbra's own kernel through SeaBIOS: QEMU's pvh.bin enters its PVH note;
# the whole guest suite, as natively.
saved_nested=$UMBRA_NESTED_TIMEOUT saved_test=$UMBRA_TEST_TIMEOUT
UMBRA_NESTED_TIMEOUT=$UMBRA_SUITE_TIMEOUT UMBRA_TEST_TIMEOUT=$((UMBRA_SUITE_TIMEOUT + 60))
run_umbra run --bios "$seabios" -i "$initrd" "$kernel"
UMBRA_NESTED_TIMEOUT=$saved_nested UMBRA_TEST_TIMEOUT=$saved_test
summary_fw=$(grep -o 'suite: .*' "$tmp/out")
if [ "$rc" -ne 0 ] || ! grep -q 'SeaBIOS (version' "$tmp/out" || ! grep -q 'Booting from ROM' "$tmp/out"; then
	bad "umbra's kernel through SeaBIOS" "status $rc, or no SeaBIOS banner or option-ROM boot"
elif [ "$summary_fw" != "$native_summary" ]; then
	bad "umbra's kernel through SeaBIOS" "'$summary_fw' differs from natively: '$native_summary'"
else
	ok "umbra's kernel through SeaBIOS (PVH), guest suite as natively: $summary_fw"
fi
# The multiboot test image through SeaBIOS and QEMU's multiboot_dma.bin:
# the same checks, with the memory map the ROM read from SeaBIOS's e820.
run_umbra run -c 2 --bios "$seabios" -p "mb cmd line" -i "$tmp/module.txt" "$mbtest"
if [ "$rc" -ne 1 ] || ! grep -q 'Booting from ROM' "$tmp/out"; then
	bad "multiboot image through SeaBIOS" "exit status $rc, want 1, or no option-ROM boot"
elif ! grep -q '^mbtest: 0 failed' "$tmp/out" ||
	! grep -q "^mbtest: cmdline 'mb cmd line'" "$tmp/out" ||
	! grep -q "^mbtest: module 'umbra multiboot module'" "$tmp/out" ||
	! grep -q '^mbtest: fw_cfg cpus 2' "$tmp/out"; then
	bad "multiboot image through SeaBIOS" "$(grep -e FAIL -e 'mbtest: [0-9]* failed' "$tmp/out" | head -n 3 | tr '\n' ' ')"
else
	# (SeaBIOS's "Booting from ROM.." has no newline before the first.)
	ok "multiboot test image through SeaBIOS (multiboot_dma.bin): $(grep -o 'mbtest: ok' "$tmp/out" | wc -l) checks, status 1 through port 0xf4"
fi
# Linux through SeaBIOS with 2 vCPUs: SeaBIOS installs the VMM's ACPI
# tables from fw_cfg (etc/table-loader), so Linux finds both CPUs in the
# MADT and powers off through the FADT.
run_umbra run -c 2 --bios "$seabios" -k "$vmlinuz" -i "$linux_initrd" \
	-p 'console=ttyS0 quiet panic=-1 umbra_cmd="uname -s; poweroff -f"'
tr -d '\r' <"$tmp/out" >"$tmp/out.lf" && mv "$tmp/out.lf" "$tmp/out"
if [ "$rc" -ne 0 ]; then
	bad "Linux through SeaBIOS" "exit status $rc, want 0 (ACPI power-off)"
elif ! grep -q 'SeaBIOS (version' "$tmp/out" || ! grep -q 'Booting from ROM' "$tmp/out"; then
	bad "Linux through SeaBIOS" "no SeaBIOS banner or option-ROM boot"
elif ! grep -q '^umbra-linux-init: up .* 2 cpus' "$tmp/out"; then
	bad "Linux through SeaBIOS" "no marker line from its /init with 2 CPUs (COM1's interrupt, the MADT)"
elif ! grep -qx 'Linux' "$tmp/out"; then
	bad "Linux through SeaBIOS" "the command in its initramfs did not run"
elif ! grep -q 'reboot: Power down' "$tmp/out" || grep -q 'command status' "$tmp/out"; then
	bad "Linux through SeaBIOS" "it did not end by powering off through ACPI"
else
	ok "Linux through SeaBIOS with its ACPI tables: $(grep '^umbra-linux-init: up' "$tmp/out"), powered off"
fi
