/* SPDX-License-Identifier: MIT */
/* Booting guest images umbra did not build: devices and entry states. */
#include "pc_boot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <umbra/boot.h>
#include <umbra/hypercall.h>

#include "boot.h"
#include "e820.h"
#include "pc_ports.h"
#include "rtc.h"
#include "vcpu.h"
#include "vm.h"

#define COM1_IRQ 4

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
 * interrupt, the reset and debug-exit ports. */
static int pc_devices(struct vm *vm)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	if (ioctl(vm->kvm.vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		fprintf(stderr, "umbra: KVM_CREATE_PIT2: %s\n", strerror(errno));
		return UMBRA_EXIT_INTERNAL;
	}
	pthread_mutex_lock(&vm->com1.lock);
	vm->com1.irq_set = com1_irq;
	vm->com1.irq_ctx = vm;
	pthread_mutex_unlock(&vm->com1.lock);
	vm->pc_ports = (struct pc_ports){.stop = pc_stop, .ctx = vm};
	if (ioport_register(&vm->io, I8042_DATA_PORT, 1, i8042_io, &vm->pc_ports) ||
	    ioport_register(&vm->io, I8042_CMD_PORT, 1, i8042_io, &vm->pc_ports) ||
	    ioport_register(&vm->io, RTC_PORT, RTC_PORTS, rtc_io, &vm->rtc) ||
	    ioport_register(&vm->io, DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, debug_exit_io,
			    &vm->pc_ports)) {
		fprintf(stderr, "umbra: cannot claim the PC's ports\n");
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

int pc_boot_setup(struct vm *vm, const struct pc_image *pi)
{
	int status = pc_devices(vm);
	if (status)
		return status;
	switch (pi->kind) {
	case IMAGE_LINUX:
		return linux_setup(vm, pi);
	default:
		fprintf(stderr, "umbra: internal error: image kind %d\n", (int)pi->kind);
		return UMBRA_EXIT_INTERNAL;
	}
}
