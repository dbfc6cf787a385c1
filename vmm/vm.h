/* SPDX-License-Identifier: MIT */
/*
 * One virtual machine from setup to the end of its run: KVM, guest RAM,
 * devices, vCPUs, and the stop protocol. The first vm_stop() decides the
 * run's status; it makes every vCPU leave KVM_RUN and the main thread,
 * waiting in vm_run(), collect them.
 */
#ifndef UMBRA_VMM_VM_H
#define UMBRA_VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot.h"
#include "config.h"
#include "elf_load.h"
#include "guest_mem.h"
#include "host_mem_vm.h"
#include "hypercall.h"
#include "ioport.h"
#include "kvm.h"
#include "pc_image.h"
#include "pc_ports.h"
#include "rtc.h"
#include "fw_cfg.h"
#include "serial.h"
#include "shadow_vm.h"
#include "stats.h"
#include "vm_dump.h"

struct vcpu;
struct control;

/* What umbra_run_main() validated before deciding to create a VM. */
struct vm_image {
	const struct elf_image *kernel;
	const char *initrd_path; /* NULL: none */
	struct guest_mem mem;    /* layout only, not mapped */
	struct boot_layout layout;
	const struct pc_image *pc; /* not NULL: an image umbra did not build */
};

struct vm {
	const struct umbra_config *cfg;
	struct kvm kvm;
	struct guest_mem mem;
	struct stats stats;
	struct ioport_bus io;
	struct serial com1;
	struct hc_state hc;
	struct shadow_vm shadow; /* --paging shadow only */
	struct vm_dump_state dump; /* --dump-on-exit, UMBRA_HC_DUMP */
	struct control *control;   /* --control (control.c) */
	struct host_mem_vm hmem; /* balloon; reclaim, dedup, chaos in shadow mode */
	struct vcpu *vcpus;
	unsigned int nvcpus;
	atomic_bool mmio_logged;
	struct pc_ports pc_ports; /* pc_boot.c */
	/* pc_boot.c made the PIT and wired COM1's IRQ: interrupts that reach
	 * a vCPU as ExtINT, never in its local APIC's IRR (vcpu_watch.c). */
	bool legacy_irqs;
	struct rtc rtc;
	struct fw_cfg fw_cfg;

	atomic_bool stopping; /* polled by the vCPU loops */
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* signalled by the first vm_stop() */
	bool stopped;         /* under lock, with: */
	bool exited;          /* by UMBRA_HC_EXIT (else by an error) */
	int status;
};

/* Sets up the VM for cfg and img, runs it to the end and prints the summary
 * line. Returns the run's exit status. */
int vm_run(const struct umbra_config *cfg, const struct vm_image *img);

/*
 * Called with the run's exit status once it is known, before the VM is torn
 * down (NULL: nothing). Nested runs use it to report the status early: under
 * a loaded TCG host, KVM's teardown inside L1 has been seen to soft-lock.
 */
extern void (*vm_result_hook)(int status);

/* Reads the initrd file at path to bl->initrd_gpa (bl->initrd_size
 * bytes). Returns 0, or -1 after an error line. */
int vm_load_initrd(struct vm *vm, const char *path, const struct boot_layout *bl);

/* Stops the VM with status (exited: the guest asked to). Only the first
 * call counts; callable from any thread. */
void vm_stop(struct vm *vm, int status, bool exited);

/*
 * Stops every vCPU outside KVM_RUN, between two exits, for work on guest
 * memory that no guest access may race (tdp mode's reclaim from the control
 * socket): like QEMU's pause_all_vcpus, through hmem.pause (vcpu_pause.h,
 * which tdp reclaim at exits and the chaos thread use too). Not from a
 * vCPU thread (they call vcpu_pause(..., true)), and only
 * where a vCPU's exit never waits for another vCPU (not shadow mode, whose
 * hypercalls wait for kick acknowledgments). 0 with every started vCPU
 * parked, then vm_resume() is due; or -ESHUTDOWN when the VM stopped
 * meanwhile (nothing to resume).
 */
int vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
/* A vCPU loop's side: parks while a pause is asked for. */
void vm_pause_point(struct vm *vm);

#endif
