/* SPDX-License-Identifier: MIT */
/* The idle watchdog's questions to the BSP (see vcpu_watch.h). */
#include "vcpu_watch.h"

#include <stdio.h>
#include <sys/ioctl.h>

#include "elf_syms.h"
#include "lapic_state.h"
#include "stats.h"
#include "vm.h"

#define MSR_IA32_TSC 0x10
#define MSR_IA32_TSC_DEADLINE 0x6e0

/* "guest kernel FUNC+0xOFF" for rip, or "" where the kernel file has no
 * symbol for it. */
static void describe_rip(const struct vcpu *v, uint64_t rip, char *buf, size_t len)
{
	struct elf_syms syms;
	const char *name;
	uint64_t off;
	buf[0] = '\0';
	if (elf_syms_load(v->vm->cfg->kernel, &syms) == 0 &&
	    elf_syms_find(&syms, rip, &name, &off) && name)
		snprintf(buf, len, "guest kernel %s+0x%llx", name, (unsigned long long)off);
	elf_syms_free(&syms);
}

static enum lapic_wake wake_source(struct vcpu *v)
{
	struct kvm_lapic_state lapic;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[2];
	} msrs = {.hdr.nmsrs = 2, .e = {{.index = MSR_IA32_TSC_DEADLINE}, {.index = MSR_IA32_TSC}}};
	/* What cannot be read counts as a way out: no false report. */
	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0 || ioctl(v->fd, KVM_GET_MSRS, &msrs) != 2)
		return LAPIC_WAKE_TIMER;
	return lapic_wake_source(&lapic, msrs.e[0].data, msrs.e[1].data);
}

/*
 * A wait in HLT with interrupts on: said once when it lasted
 * VCPU_WAIT_REPORT_S past a TSC deadline whose interrupt never came, or
 * with nothing armed to end it. The latter only in a VM of one vCPU that
 * umbra's boot set up: an idle CPU of several waits for another's IPI
 * with its timer off, and a PC image may wait for the PIT or COM1, whose
 * interrupts do not pass through the local APIC's IRR. Any exit between
 * two checks starts the wait again.
 */
static void check_wait(struct vcpu *v, uint64_t rip)
{
	uint64_t progress = atomic_load(&v->progress);
	enum lapic_wake wake = wake_source(v);
	bool only_lapic = v->vm->nvcpus == 1 && !v->vm->legacy_irqs;
	bool stuck = wake == LAPIC_WAKE_OVERDUE || (wake == LAPIC_WAKE_NONE && only_lapic);
	bool same_wait = progress == v->wait_progress;
	v->wait_progress = progress;
	if (!held_long(&v->wait, stuck && same_wait, VCPU_WAIT_REPORT_S * 1000000000ull))
		return;
	char sym[160], where[176] = "";
	describe_rip(v, rip, sym, sizeof(sym));
	if (sym[0])
		snprintf(where, sizeof(where), " (%s)", sym);
	if (wake == LAPIC_WAKE_OVERDUE)
		fprintf(stderr, "umbra: vcpu%u: the guest has waited in HLT for %u s past its "
			"TSC deadline, whose interrupt never came, at rip 0x%llx%s: the "
			"timer's interrupt was lost\n", v->id, VCPU_WAIT_REPORT_S,
			(unsigned long long)rip, where);
	else
		fprintf(stderr, "umbra: vcpu%u: the guest has waited in HLT for %u s with no "
			"timer armed and no interrupt requested, at rip 0x%llx%s: only a "
			"device can wake it\n", v->id, VCPU_WAIT_REPORT_S,
			(unsigned long long)rip, where);
}

void vcpu_watch_halted(struct vcpu *v)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) < 0 || mp.mp_state != KVM_MP_STATE_HALTED ||
	    ioctl(v->fd, KVM_GET_REGS, &regs) < 0) {
		held_long(&v->wait, false, 0);
		return;
	}
	if (regs.rflags & RFLAGS_IF) {
		check_wait(v, regs.rip);
		return;
	}
	char sym[160];
	describe_rip(v, regs.rip, sym, sizeof(sym));
	fprintf(stderr, "umbra: vcpu%u: guest halted with interrupts disabled (rip 0x%llx%s%s)\n",
		v->id, (unsigned long long)regs.rip, sym[0] ? "; " : "", sym);
	vm_stop(v->vm, UMBRA_EXIT_GUEST_FAULT, false);
}

void vcpu_watch_unanswered(struct vcpu *v, unsigned seconds)
{
	const char *place;
	char exit_buf[64];
	switch (atomic_load(&v->place)) {
	case VCPU_IN_KVM_RUN:
		place = "in KVM_RUN";
		break;
	case VCPU_IN_DUMP:
		place = "writing a dump";
		break;
	case VCPU_IN_EXIT: {
		const char *name = kvm_exit_name(v->run->exit_reason);
		if (name)
			snprintf(exit_buf, sizeof(exit_buf), "handling a %s exit", name);
		else
			snprintf(exit_buf, sizeof(exit_buf), "handling exit reason %u",
				 v->run->exit_reason);
		place = exit_buf;
		break;
	}
	default: {
		struct vcpu_pause *p = &v->vm->hmem.pause;
		pthread_mutex_lock(&p->lock);
		bool on = p->on;
		pthread_mutex_unlock(&p->lock);
		place = on ? "at its pause point, with a pause on" : "between two exits";
	}
	}
	fprintf(stderr, "umbra: vcpu%u: its thread has not answered the idle watchdog for "
		"%u s; it is %s\n", v->id, seconds, place);
}
