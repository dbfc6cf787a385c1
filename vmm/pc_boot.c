/* SPDX-License-Identifier: MIT */
/* Booting guest images umbra did not build: devices and entry states. */
#include "pc_boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <umbra/boot.h>
#include <umbra/hypercall.h>

#include "acpi.h"
#include "boot.h"
#include "e820.h"
#include "file_io.h"
#include "fw_cfg.h"
#include "pc_ports.h"
#include "rtc.h"
#include "vcpu.h"
#include "vm.h"

#define COM1_IRQ 4
/* The memslot of the firmware's ROM image (RAM uses slots from 0 up). */
#define BIOS_SLOT 8
#define GIB4 (1ULL << 32)

/* QEMU's option ROMs (qemu-system-x86's /usr/share/qemu), in this binary:
 * nested runs have no /usr/share/qemu. */
#define OPTION_ROM(sym, file)                                             \
	__asm__(".section .rodata\n"                                     \
		".balign 16\n" #sym ":\n"                                 \
		".incbin \"/usr/share/qemu/" file "\"\n" #sym "_end:\n"    \
		".previous\n");                                          \
	extern const uint8_t sym[] __asm__(#sym);                         \
	extern const uint8_t sym##_end[] __asm__(#sym "_end")
/* Loads a Linux kernel through fw_cfg DMA. */
OPTION_ROM(linuxboot_dma_rom, "linuxboot_dma.bin");
/* Enters umbra's kernel at its PVH note entry in 32-bit protected mode. */
OPTION_ROM(pvh_rom, "pvh.bin");
/* Copies a multiboot image and its information, then enters it. */
OPTION_ROM(multiboot_dma_rom, "multiboot_dma.bin");

static void com1_irq(void *ctx, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level l = {.irq = COM1_IRQ, .level = (uint32_t)level};
	/* Cannot fail for a valid ISA IRQ on an in-kernel irqchip. */
	(void)ioctl(vm->kvm.vm_fd, KVM_IRQ_LINE, &l);
}

static void pc_stop(void *ctx, int status, const char *why)
{
	(void)why;
	vm_stop(ctx, status, true);
}

/* The PIT (its speaker port 0x61 handled in the kernel too), COM1's
 * interrupt, the reset, debug-exit and ACPI PM ports. */
static int pc_devices(struct vm *vm)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	if (ioctl(vm->kvm.vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		fprintf(stderr, "umbra: KVM_CREATE_PIT2: %s\n", strerror(errno));
		return UMBRA_EXIT_INTERNAL;
	}
	vm->legacy_irqs = true;
	pthread_mutex_lock(&vm->com1.lock);
	vm->com1.irq_set = com1_irq;
	vm->com1.irq_ctx = vm;
	pthread_mutex_unlock(&vm->com1.lock);
	vm->pc_ports = (struct pc_ports){.stop = pc_stop, .ctx = vm};
	if (ioport_register(&vm->io, I8042_DATA_PORT, 1, i8042_io, &vm->pc_ports) ||
	    ioport_register(&vm->io, I8042_CMD_PORT, 1, i8042_io, &vm->pc_ports) ||
	    ioport_register(&vm->io, RTC_PORT, RTC_PORTS, rtc_io, &vm->rtc) ||
	    ioport_register(&vm->io, FW_CFG_PORT_SEL, FW_CFG_PORTS, fw_cfg_io, &vm->fw_cfg) ||
	    ioport_register(&vm->io, DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, debug_exit_io,
			    &vm->pc_ports) ||
	    ioport_register(&vm->io, ACPI_PM1A_EVT_PORT, ACPI_PM_PORTS, acpi_pm_io,
			    &vm->pc_ports)) {
		fprintf(stderr, "umbra: cannot claim the PC's ports\n");
		return UMBRA_EXIT_INTERNAL;
	}
	return 0;
}

/* What every PC image may read from fw_cfg: CPUs, RAM, the e820 map. */
static int fw_cfg_basics(struct vm *vm)
{
	struct fw_cfg *fc = &vm->fw_cfg;
	struct e820_entry map[E820_MAX];
	unsigned int n = e820_build(&vm->mem, false, map);
	uint8_t e820[E820_MAX * 20];
	for (unsigned int i = 0; i < n; i++) {
		memcpy(e820 + 20 * i, &map[i].addr, 8);
		memcpy(e820 + 20 * i + 8, &map[i].size, 8);
		memcpy(e820 + 20 * i + 16, &map[i].type, 4);
	}
	uint64_t low = guest_mem_low_size(&vm->mem);
	if (fw_cfg_set_u16(fc, FW_CFG_NB_CPUS, (uint16_t)vm->cfg->cpus) ||
	    fw_cfg_set_u16(fc, FW_CFG_MAX_CPUS, (uint16_t)vm->cfg->cpus) ||
	    fw_cfg_set_u64(fc, FW_CFG_RAM_SIZE, low) ||
	    fw_cfg_set_u16(fc, FW_CFG_NOGRAPHIC, 1) ||
	    fw_cfg_add_file(fc, "etc/e820", e820, 20 * n) < 0) {
		fprintf(stderr, "umbra: fw_cfg: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	return 0;
}

static int set_regs(struct vcpu *v, const struct kvm_sregs *s, const struct kvm_regs *r)
{
	if (ioctl(v->fd, KVM_SET_SREGS, s) < 0 || ioctl(v->fd, KVM_SET_REGS, r) < 0) {
		fprintf(stderr, "umbra: vcpu%u: setting the entry state: %s\n", v->id,
			strerror(errno));
		return UMBRA_EXIT_INTERNAL;
	}
	return 0;
}

/* The ACPI tables (acpi.h) in the reserved BIOS area; their address. */
static uint64_t write_acpi(struct vm *vm)
{
	uint8_t *t = guest_mem_hva(&vm->mem, ACPI_TABLES_GPA, ACPI_TABLES_MAX);
	if (!t || !acpi_build(t, ACPI_TABLES_MAX, ACPI_TABLES_GPA, vm->cfg->cpus))
		return 0;
	return ACPI_TABLES_GPA;
}

/* The 64-bit boot protocol: the VMM's boot GDT and identity-mapping page
 * tables (boot.c), RIP = the 64-bit entry, RSI = the zero page. */
static int linux_setup(struct vm *vm, const struct pc_image *pi)
{
	const struct bzimage *bz = &pi->bz;
	const struct linux_layout *ll = &pi->ll;
	char err[256];
	size_t cmdlen = strlen(pi->cmdline);
	uint8_t *kernel = guest_mem_hva(&vm->mem, ll->kernel, bz->kernel_len);
	uint8_t *zp = guest_mem_hva(&vm->mem, ll->zero_page, BP_SIZE);
	uint8_t *cmdline = guest_mem_hva(&vm->mem, ll->cmdline, cmdlen + 1);
	if (!kernel || !zp || !cmdline) {
		fprintf(stderr, "umbra: kernel: not in guest RAM\n");
		return UMBRA_EXIT_INTERNAL;
	}
	memcpy(kernel, bz->file + bz->kernel_off, bz->kernel_len);
	memcpy(cmdline, pi->cmdline, cmdlen + 1);
	struct e820_entry map[E820_MAX];
	unsigned int n = e820_build(&vm->mem, true, map);
	linux_write_zero_page(zp, bz, ll, map, n);
	uint64_t rsdp = write_acpi(vm);
	memcpy(zp + BP_ACPI_RSDP_ADDR, &rsdp, sizeof(rsdp));
	if (pi->initrd_path) {
		struct boot_layout bl = {.initrd_gpa = ll->initrd,
					 .initrd_size = ll->initrd_size};
		if (vm_load_initrd(vm, pi->initrd_path, &bl))
			return UMBRA_EXIT_BAD_IMAGE;
	}
	if (boot_write_tables(&vm->mem, err, sizeof(err))) {
		fprintf(stderr, "umbra: %s\n", err);
		return UMBRA_EXIT_INTERNAL;
	}
	struct vcpu *bsp = &vm->vcpus[0];
	struct kvm_sregs s;
	struct kvm_regs r;
	if (ioctl(bsp->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "umbra: KVM_GET_SREGS: %s\n", strerror(errno));
		return UMBRA_EXIT_INTERNAL;
	}
	boot_init_sregs(&s);
	boot_init_regs(&r, ll->kernel + BZ_ENTRY64_OFFSET, 0);
	r.rsi = ll->zero_page;
	return set_regs(bsp, &s, &r);
}

/* A flat 32-bit segment of the multiboot entry state. */
static struct kvm_segment flat32(uint16_t sel, uint8_t type)
{
	return (struct kvm_segment){.base = 0, .limit = 0xffffffffu, .selector = sel,
				    .type = type, .present = 1, .dpl = 0, .db = 1,
				    .s = 1, .l = 0, .g = 1};
}

/* The image, its information and its module in guest RAM, as the plan
 * placed them. 0 or an exit status. */
static int multiboot_stage(struct vm *vm, const struct pc_image *pi)
{
	const struct mb_layout *ml = &pi->ml;
	struct e820_entry map[E820_MAX];
	unsigned int n = e820_build(&vm->mem, true, map);
	const char *mod_name = pi->initrd_path ? pi->initrd_path : "";
	const char *slash = strrchr(mod_name, '/');
	if (multiboot_load(&pi->mb, &vm->mem) ||
	    multiboot_write_info(ml, &vm->mem, pi->cmdline, slash ? slash + 1 : mod_name,
				 map, n)) {
		fprintf(stderr, "umbra: kernel: not in guest RAM\n");
		return UMBRA_EXIT_INTERNAL;
	}
	if (pi->initrd_path) {
		struct boot_layout bl = {.initrd_gpa = ml->module,
					 .initrd_size = ml->module_size};
		if (vm_load_initrd(vm, pi->initrd_path, &bl))
			return UMBRA_EXIT_BAD_IMAGE;
	}
	return 0;
}

/* Multiboot: 32-bit protected mode, paging off, EAX = the boot magic,
 * EBX = the information; flat CS 0x08 and data 0x10 as in a GDT at
 * UMBRA_BOOT_GDT (the image loads its own before reloading segments). */
static int multiboot_setup(struct vm *vm, const struct pc_image *pi)
{
	const struct mb_layout *ml = &pi->ml;
	int status = multiboot_stage(vm, pi);
	if (status)
		return status;
	write_acpi(vm);
	uint64_t *gdt = guest_mem_hva(&vm->mem, UMBRA_BOOT_GDT, 4 * 8);
	if (!gdt)
		return UMBRA_EXIT_INTERNAL;
	gdt[0] = 0;
	gdt[1] = 0x00cf9b000000ffffULL; /* code: base 0, 4 GiB, 32-bit */
	gdt[2] = 0x00cf93000000ffffULL; /* data */
	gdt[3] = 0x00008b0000000067ULL; /* busy 32-bit TSS at 0 (VT-x wants a TR) */
	struct vcpu *bsp = &vm->vcpus[0];
	struct kvm_sregs s;
	if (ioctl(bsp->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "umbra: KVM_GET_SREGS: %s\n", strerror(errno));
		return UMBRA_EXIT_INTERNAL;
	}
	s.cs = flat32(0x08, 11);
	s.ds = s.es = s.fs = s.gs = s.ss = flat32(0x10, 3);
	s.tr = (struct kvm_segment){.limit = 0x67, .selector = 0x18, .type = 11,
				    .present = 1};
	s.ldt = (struct kvm_segment){.limit = 0xffff, .type = 2, .present = 1};
	s.gdt = (struct kvm_dtable){.base = UMBRA_BOOT_GDT, .limit = 4 * 8 - 1};
	s.idt = (struct kvm_dtable){.base = 0, .limit = 0};
	s.cr0 = 0x11; /* PE, ET */
	s.cr3 = s.cr4 = 0;
	s.efer = 0;
	struct kvm_regs r = {.rip = pi->mb.entry, .rax = MB_BOOT_MAGIC, .rbx = ml->info,
			     .rflags = 0x2};
	return set_regs(bsp, &s, &r);
}

/* Reads the whole file at path, of the size checked before, into a new
 * buffer; NULL after an error line. */
static uint8_t *load_file(const char *what, const char *path, uint64_t size)
{
	uint64_t got = 0;
	uint8_t *buf = read_file(path, size, &got);
	if (buf && got == size)
		return buf;
	int e = errno;
	fprintf(stderr, "umbra: %s %s: %s\n", what, path,
		buf ? "file shrank while reading"
		: e == EFBIG ? "file grew while reading" : read_file_strerror(e));
	free(buf);
	return NULL;
}

static int firmware_pvh(struct vm *vm, const struct pc_image *pi);
static int firmware_linux(struct vm *vm, const struct pc_image *pi);
static int firmware_multiboot(struct vm *vm, const struct pc_image *pi);

/*
 * Firmware boot: the firmware's image ends at 4 GiB (read-only where KVM can
 * do that) and its last 128 KiB are also RAM below 1 MiB, as on a PC; the
 * vCPU stays in its reset state (CS:IP f000:fff0). The kernel goes to the
 * firmware through fw_cfg, with QEMU's linuxboot_dma.bin as the option ROM
 * that loads it.
 */
static int firmware_setup(struct vm *vm, const struct pc_image *pi)
{
	uint64_t size = pi->bios_size;
	uint8_t *rom = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *bios = load_file("--bios", pi->bios_path, size);
	if (rom == MAP_FAILED || !bios) {
		if (rom != MAP_FAILED)
			munmap(rom, size);
		free(bios);
		return UMBRA_EXIT_BAD_IMAGE;
	}
	memcpy(rom, bios, size);
	uint64_t low_len = size < PC_BIOS_LOW_MAX ? size : PC_BIOS_LOW_MAX;
	uint8_t *low = guest_mem_hva(&vm->mem, 0x100000 - low_len, low_len);
	if (low)
		memcpy(low, bios + size - low_len, low_len);
	free(bios);
	/* The ROM mapping lives as long as the process (the VM's memslot). */
	bool ro = ioctl(vm->kvm.dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
	struct kvm_userspace_memory_region region = {
		.slot = BIOS_SLOT, .flags = ro ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = GIB4 - size, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)rom,
	};
	if (!low || ioctl(vm->kvm.vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		fprintf(stderr, "umbra: --bios: cannot map the firmware: %s\n",
			low ? strerror(errno) : "no RAM below 1 MiB");
		return UMBRA_EXIT_INTERNAL;
	}
	/* What either option ROM needs: itself, first in the boot order, no
	 * boot menu, and the command line. */
	const char *name = "genroms/linuxboot_dma.bin";
	const uint8_t *rom_data = linuxboot_dma_rom, *rom_end = linuxboot_dma_rom_end;
	if (pi->kind == IMAGE_UMBRA) {
		name = "genroms/pvh.bin";
		rom_data = pvh_rom;
		rom_end = pvh_rom_end;
	} else if (pi->kind == IMAGE_MULTIBOOT) {
		name = "genroms/multiboot_dma.bin";
		rom_data = multiboot_dma_rom;
		rom_end = multiboot_dma_rom_end;
	}
	size_t rom_len = (size_t)(rom_end - rom_data);
	static const uint8_t no_menu[2] = {0, 0};
	char bootorder[64];
	snprintf(bootorder, sizeof(bootorder), "/rom@%s\n", name);
	size_t cmdlen = strlen(pi->cmdline) + 1;
	if (fw_cfg_add_file(&vm->fw_cfg, name, rom_data, rom_len) < 0 ||
	    fw_cfg_add_file(&vm->fw_cfg, "bootorder", bootorder, strlen(bootorder)) < 0 ||
	    fw_cfg_add_file(&vm->fw_cfg, "etc/show-boot-menu", no_menu, sizeof(no_menu)) < 0 ||
	    fw_cfg_set_u32(&vm->fw_cfg, FW_CFG_CMDLINE_SIZE, (uint32_t)cmdlen) ||
	    fw_cfg_set(&vm->fw_cfg, FW_CFG_CMDLINE_DATA, pi->cmdline, cmdlen)) {
		fprintf(stderr, "umbra: fw_cfg: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	return pi->kind == IMAGE_UMBRA       ? firmware_pvh(vm, pi)
	       : pi->kind == IMAGE_MULTIBOOT ? firmware_multiboot(vm, pi)
					     : firmware_linux(vm, pi);
}

/*
 * umbra's kernel for pvh.bin: the VMM has already put the kernel, initrd and
 * FDT in RAM (as QEMU preloads a PVH kernel); the ROM needs the entry (and
 * the command line, given in firmware_setup), and the kernel's PVH entry
 * reads the FDT's address from etc/umbra/fdt (docs/boot.md).
 */
static int firmware_pvh(struct vm *vm, const struct pc_image *pi)
{
	struct fw_cfg *fc = &vm->fw_cfg;
	uint64_t fdt = pi->fdt_gpa; /* little-endian, as x86 reads it */
	if (fw_cfg_set_u32(fc, FW_CFG_KERNEL_ENTRY, pi->pvh_entry) ||
	    fw_cfg_add_file(fc, "etc/umbra/fdt", &fdt, sizeof(fdt)) < 0) {
		fprintf(stderr, "umbra: fw_cfg: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	return 0;
}

/* The ACPI tables (acpi.h) as fw_cfg files for SeaBIOS's loader: Linux
 * finds the CPUs in the MADT and powers off through the FADT. */
static int firmware_acpi(struct fw_cfg *fc, unsigned int cpus)
{
	struct acpi_fw_files *f = malloc(sizeof(*f));
	int bad = !f || acpi_fw_build(f, cpus) ||
		  fw_cfg_add_file(fc, ACPI_FW_TABLES_FILE, f->tables, f->tables_len) < 0 ||
		  fw_cfg_add_file(fc, ACPI_FW_RSDP_FILE, f->rsdp, f->rsdp_len) < 0 ||
		  fw_cfg_add_file(fc, ACPI_FW_LOADER_FILE, f->loader, f->loader_len) < 0;
	free(f);
	return bad;
}

/*
 * A multiboot image for multiboot_dma.bin, as QEMU offers it: staged in RAM
 * as for a direct boot, then given as two blobs the ROM copies back after
 * the firmware's start-up (which uses low memory): the image with its
 * module as the "kernel", the information as the "initrd" (multiboot.h).
 */
static int firmware_multiboot(struct vm *vm, const struct pc_image *pi)
{
	const struct mb_layout *ml = &pi->ml;
	struct fw_cfg *fc = &vm->fw_cfg;
	int status = multiboot_stage(vm, pi);
	if (status)
		return status;
	uint64_t lo = multiboot_load_start(&pi->mb);
	uint64_t end = ml->module_size ? ml->module + ml->module_size : pi->mb.load_end;
	const uint8_t *image = guest_mem_hva(&vm->mem, lo, end - lo);
	const uint8_t *info = guest_mem_hva(&vm->mem, MB_INFO, MB_FW_INFO_END - MB_INFO);
	if (!image || !info) {
		fprintf(stderr, "umbra: kernel: not in guest RAM\n");
		return UMBRA_EXIT_INTERNAL;
	}
	if (fw_cfg_set_u32(fc, FW_CFG_KERNEL_ENTRY, pi->mb.entry) ||
	    fw_cfg_set_u32(fc, FW_CFG_KERNEL_ADDR, (uint32_t)lo) ||
	    fw_cfg_set_u32(fc, FW_CFG_KERNEL_SIZE, (uint32_t)(end - lo)) ||
	    fw_cfg_set(fc, FW_CFG_KERNEL_DATA, image, end - lo) ||
	    fw_cfg_set_u32(fc, FW_CFG_INITRD_ADDR, (uint32_t)MB_INFO) ||
	    fw_cfg_set_u32(fc, FW_CFG_INITRD_SIZE, (uint32_t)(MB_FW_INFO_END - MB_INFO)) ||
	    fw_cfg_set(fc, FW_CFG_INITRD_DATA, info, MB_FW_INFO_END - MB_INFO) ||
	    firmware_acpi(fc, vm->cfg->cpus)) {
		fprintf(stderr, "umbra: fw_cfg: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	return 0;
}

/* A bzImage for linuxboot_dma.bin, as QEMU offers it. */
static int firmware_linux(struct vm *vm, const struct pc_image *pi)
{
	const struct bzimage *bz = &pi->bz;
	const struct linux_layout *ll = &pi->ll;
	struct fw_cfg *fc = &vm->fw_cfg;
	uint8_t *setup = malloc(bz->setup_len);
	uint8_t *initrd = NULL;
	if (pi->initrd_path)
		initrd = load_file("initrd", pi->initrd_path, ll->initrd_size);
	if (!setup || (pi->initrd_path && !initrd)) {
		free(setup);
		free(initrd);
		return setup ? UMBRA_EXIT_BAD_IMAGE : UMBRA_EXIT_INTERNAL;
	}
	memcpy(setup, bz->file, bz->setup_len);
	linux_fw_patch_setup(setup, ll);
	int bad = fw_cfg_set_u32(fc, FW_CFG_SETUP_ADDR, (uint32_t)ll->zero_page) ||
		  fw_cfg_set_u32(fc, FW_CFG_SETUP_SIZE, bz->setup_len) ||
		  fw_cfg_set(fc, FW_CFG_SETUP_DATA, setup, bz->setup_len) ||
		  fw_cfg_set_u32(fc, FW_CFG_KERNEL_ADDR, (uint32_t)ll->kernel) ||
		  fw_cfg_set_u32(fc, FW_CFG_KERNEL_SIZE, (uint32_t)bz->kernel_len) ||
		  fw_cfg_set(fc, FW_CFG_KERNEL_DATA, bz->file + bz->kernel_off,
			     bz->kernel_len) ||
		  fw_cfg_set_u32(fc, FW_CFG_CMDLINE_ADDR, (uint32_t)ll->cmdline) ||
		  fw_cfg_set_u32(fc, FW_CFG_INITRD_ADDR, (uint32_t)ll->initrd) ||
		  fw_cfg_set_u32(fc, FW_CFG_INITRD_SIZE, (uint32_t)ll->initrd_size) ||
		  fw_cfg_set(fc, FW_CFG_INITRD_DATA, initrd, ll->initrd_size) ||
		  firmware_acpi(fc, vm->cfg->cpus);
	free(setup);
	free(initrd);
	if (bad) {
		fprintf(stderr, "umbra: fw_cfg: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	return 0;
}

int pc_boot_setup(struct vm *vm, const struct pc_image *pi)
{
	int status = pc_devices(vm);
	if (!status)
		status = fw_cfg_basics(vm);
	if (status)
		return status;
	if (pi->bios_path)
		return firmware_setup(vm, pi);
	switch (pi->kind) {
	case IMAGE_LINUX:
		return linux_setup(vm, pi);
	case IMAGE_MULTIBOOT:
		return multiboot_setup(vm, pi);
	default:
		fprintf(stderr, "umbra: internal error: image kind %d\n", (int)pi->kind);
		return UMBRA_EXIT_INTERNAL;
	}
}
