/* SPDX-License-Identifier: MIT */
/* vCPU threads and the run loop: every KVM exit is handled or reported by
 * name. Nothing a guest does may crash the VMM: all guest-controlled values
 * (port data, MMIO lengths, hypercall arguments) are bounds-checked. */
#include "vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <umbra/hypercall.h>

#include "../shadow/mmu.h"
#include "boot.h"
#include "cpuid.h"
#include "vcpu_signal.h"
#include "vcpu_watch.h"
#include "vm.h"

static void vcpu_error(const struct vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vcpu_error(const struct vcpu *v, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "umbra: vcpu%u: %s\n", v->id, line);
}

int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int id)
{
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	atomic_init(&v->progress, 0);
	atomic_init(&v->check_halt, false);
	v->fd = ioctl(vm->kvm.vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0) {
		vcpu_error(v, "KVM_CREATE_VCPU: %s", strerror(errno));
		return -1;
	}
	kvm_stats_open(&v->kstats, v->fd);
	v->run = mmap(NULL, vm->kvm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		vcpu_error(v, "mmap of kvm_run: %s", strerror(errno));
		return -1;
	}

	/* KVM's supported CPUID for this vCPU (cpuid.h). */
	const struct kvm_cpuid2 *sup = vm->kvm.cpuid;
	size_t size = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	if (!c) {
		vcpu_error(v, "out of memory");
		return -1;
	}
	memcpy(c, sup, size);
	bool shadow = vm->cfg->paging == PAGING_SHADOW;
	cpuid_for_vcpu(c, id, shadow);
	int r = ioctl(v->fd, KVM_SET_CPUID2, c);
	int e = errno;
	free(c);
	if (r < 0) {
		vcpu_error(v, "KVM_SET_CPUID2: %s", strerror(e));
		return -1;
	}
	/* Shadow mode: a guest that writes the PV MSRs anyway (kvm-clock's
	 * address is a machine address here) gets a #GP, as the CPUID says. */
	struct kvm_enable_cap pv = {.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = {1}};
	if (shadow && ioctl(v->fd, KVM_ENABLE_CAP, &pv) < 0) {
		vcpu_error(v, "KVM_ENABLE_CAP(ENFORCE_PV_FEATURE_CPUID): %s", strerror(errno));
		return -1;
	}
	if (id != 0) {
		/* KVM parks non-BSPs this way already; say so explicitly. */
		struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_UNINITIALIZED};
		if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0) {
			vcpu_error(v, "KVM_SET_MP_STATE: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int vcpu_set_boot_state(struct vcpu *v, uint64_t entry, uint64_t fdt_gpa)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
		vcpu_error(v, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	boot_init_sregs(&sregs);
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0) {
		vcpu_error(v, "KVM_SET_SREGS: %s", strerror(errno));
		return -1;
	}
	boot_init_regs(&regs, entry, fdt_gpa);
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0) {
		vcpu_error(v, "KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int vcpu_set_cr3(struct vcpu *v, uint64_t cr3)
{
	struct kvm_sregs sregs;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
		vcpu_error(v, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	sregs.cr3 = cr3;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0) {
		vcpu_error(v, "KVM_SET_SREGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

uint32_t vcpu_tsc_khz(struct vcpu *v)
{
	if (v->vm->kvm.has_tsc_khz) {
		int khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
		if (khz > 0)
			return (uint32_t)khz;
	}
	return host_tsc_khz();
}

static void dump_segment(const struct vcpu *v, const char *name,
			 const struct kvm_segment *s)
{
	vcpu_error(v, "%s sel 0x%04x base 0x%llx limit 0x%x type %u s %u dpl %u p %u l %u db %u g %u",
		   name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		   s->s, s->dpl, s->present, s->l, s->db, s->g);
}

/* The registers on stderr, after a fatal exit. */
static void dump_state(const struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		vcpu_error(v, "(registers unreadable: %s)", strerror(errno));
		return;
	}
	/* On AMD SVM, KVM resets the vCPU on a shutdown (the VMCB is undefined
	 * after one): a dump would only show the reset vector. */
	if (r.rip == 0xfff0 && s.cs.base == 0xffff0000 && !(s.cr0 & 1)) {
		vcpu_error(v, "(no register dump: KVM reset the vCPU when it shut "
			   "down, as it does on AMD SVM)");
		return;
	}
#define X(v) ((unsigned long long)(v))
	vcpu_error(v, "rip %016llx rsp %016llx rbp %016llx rflags %08llx",
		   X(r.rip), X(r.rsp), X(r.rbp), X(r.rflags));
	vcpu_error(v, "rax %016llx rbx %016llx rcx %016llx rdx %016llx",
		   X(r.rax), X(r.rbx), X(r.rcx), X(r.rdx));
	vcpu_error(v, "rsi %016llx rdi %016llx r8  %016llx r9  %016llx",
		   X(r.rsi), X(r.rdi), X(r.r8), X(r.r9));
	vcpu_error(v, "r10 %016llx r11 %016llx r12 %016llx r13 %016llx",
		   X(r.r10), X(r.r11), X(r.r12), X(r.r13));
	vcpu_error(v, "r14 %016llx r15 %016llx", X(r.r14), X(r.r15));
	vcpu_error(v, "cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx",
		   X(s.cr0), X(s.cr2), X(s.cr3), X(s.cr4), X(s.efer));
	vcpu_error(v, "gdt base 0x%llx limit 0x%x; idt base 0x%llx limit 0x%x",
		   X(s.gdt.base), s.gdt.limit, X(s.idt.base), s.idt.limit);
#undef X
	dump_segment(v, "cs", &s.cs);
	dump_segment(v, "ss", &s.ss);
	dump_segment(v, "ds", &s.ds);
	dump_segment(v, "tr", &s.tr);
}

/* After a fault the guest could not handle (a triple fault, or a panic
 * such as a kernel double fault): what the shadow tables the vCPU ran on
 * miss of the pinned ranges and its hinted kernel stack. */
static void describe_shadow(struct vcpu *v)
{
	if (!v->vm->hc.shadow)
		return;
	char what[512];
	pthread_mutex_lock(&v->vm->hc.shadow_lock);
	shadow_describe_vcpu(v->vm->hc.shadow, v->id, what, sizeof(what));
	pthread_mutex_unlock(&v->vm->hc.shadow_lock);
	vcpu_error(v, "shadow: %s", what);
}

static void hypercall(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct kvm_regs *regs = &v->run->s.regs.regs;
	struct hc_call call = {
		.nr = regs->rax,
		.args = {regs->rdi, regs->rsi, regs->r10, regs->r8, regs->r9},
	};
	struct hc_outcome out;
	/* In shadow mode out.flush_tlb is in the result the guest sees
	 * (UMBRA_SHADOW_FLUSH): the guest reloads CR3 then, and AS_ACTIVATE
	 * loads a new one. Other vCPUs that may cache what the call zapped
	 * were kicked and flushed before it returned (hypercall.c). */
	hc_dispatch_vcpu_rsp(&vm->hc, v->id, &call, regs->rsp, &out);
	if (out.log_unknown)
		vcpu_error(v, "unknown hypercall %llu returns -ENOSYS (reported once per number)",
			   (unsigned long long)call.nr);
	switch (out.action) {
	case HC_RETURN:
		regs->rax = out.ret;
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		break;
	case HC_EXIT:
		vm_stop(vm, out.status, true);
		break;
	case HC_PANIC:
		if (out.message_ok)
			fprintf(stderr, "umbra: guest panic: %s\n", out.message);
		else
			fprintf(stderr, "umbra: guest panic (unreadable message)\n");
		describe_shadow(v);
		vm_stop(vm, UMBRA_EXIT_GUEST_FAULT, false);
		break;
	}
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t size = run->io.size, count = run->io.count;
	uint64_t off = run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	if ((size != 1 && size != 2 && size != 4) || off > v->vm->kvm.run_size ||
	    (uint64_t)size * count > v->vm->kvm.run_size - off) {
		vcpu_error(v, "KVM_EXIT_IO with a bad layout (size %u, count %u, offset %llu)",
			   size, count, (unsigned long long)off);
		vm_stop(v->vm, UMBRA_EXIT_INTERNAL, false);
		return;
	}
	uint8_t *data = (uint8_t *)run + off;
	if (out && run->io.port == UMBRA_HC_PORT && size == 4 && count == 1) {
		hypercall(v);
		return;
	}
	/* A guest doing port I/O is running: its next fault may come at
	 * once (shadow_poll.h). */
	if (v->vm->hc.poll)
		shadow_poll_note_activity(v->vm->hc.poll);
	/* count > 1: a rep ins/outs, one access per element. */
	for (uint32_t i = 0; i < count; i++)
		ioport_access(&v->vm->io, run->io.port, data + (size_t)i * size, size, out);
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t len = run->mmio.len < sizeof(run->mmio.data) ? run->mmio.len
							    : sizeof(run->mmio.data);
	bool write = run->mmio.is_write;
	stats_inc(write ? &v->vm->stats.mmio_writes : &v->vm->stats.mmio_reads);
	if (v->vm->hc.poll)
		shadow_poll_note_activity(v->vm->hc.poll);
	if (!write)
		memset(run->mmio.data, 0xff, len);
	if (!atomic_exchange(&v->vm->mmio_logged, true))
		vcpu_error(v, "MMIO %s at 0x%llx (%u bytes): no device there, %s "
			   "(reported once)", write ? "write" : "read",
			   (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			   write ? "ignored" : "reads all-ones");
}

static const char *internal_error_name(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION: return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "event delivery failed";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected hardware exit";
	default: return "unknown suberror";
	}
}

static void handle_internal_error(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t n = run->internal.ndata;
	if (n > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
		n = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
	char data[200] = "";
	size_t pos = 0;
	for (uint32_t i = 0; i < n && pos < sizeof(data); i++)
		pos += (size_t)snprintf(data + pos, sizeof(data) - pos, " 0x%llx",
					(unsigned long long)run->internal.data[i]);
	vcpu_error(v, "KVM_EXIT_INTERNAL_ERROR: %s (suberror %u; data:%s)",
		   internal_error_name(run->internal.suberror), run->internal.suberror,
		   n ? data : " none");
	dump_state(v);
	vm_stop(v->vm, UMBRA_EXIT_GUEST_FAULT, false);
}

static void log_exit(const struct vcpu *v)
{
	const struct kvm_run *run = v->run;
	const char *name = kvm_exit_name(run->exit_reason);
	if (run->exit_reason == KVM_EXIT_IO) {
		const uint8_t *d = (const uint8_t *)run + run->io.data_offset;
		uint32_t val = 0;
		if (run->io.data_offset <= v->vm->kvm.run_size - 4)
			memcpy(&val, d, 4);
		if (run->io.size < 4)
			val &= (1u << (8 * run->io.size)) - 1;
		vcpu_error(v, "exit KVM_EXIT_IO %s port 0x%x size %u count %u data 0x%x",
			   run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			   run->io.port, run->io.size, run->io.count, val);
	} else if (run->exit_reason == KVM_EXIT_MMIO) {
		uint64_t val = 0;
		memcpy(&val, run->mmio.data, sizeof(val));
		if (run->mmio.len < 8)
			val &= (1ULL << (8 * run->mmio.len)) - 1;
		vcpu_error(v, "exit KVM_EXIT_MMIO %s 0x%llx len %u data 0x%llx",
			   run->mmio.is_write ? "write" : "read",
			   (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			   (unsigned long long)val);
	} else if (name) {
		vcpu_error(v, "exit %s", name);
	} else {
		vcpu_error(v, "exit reason %u", run->exit_reason);
	}
}

static void handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		return;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		return;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; kept for a userspace one. */
		if (!(run->s.regs.regs.rflags & RFLAGS_IF)) {
			vcpu_error(v, "guest halted with interrupts disabled (rip 0x%llx)",
				   (unsigned long long)run->s.regs.regs.rip);
			vm_stop(v->vm, UMBRA_EXIT_GUEST_FAULT, false);
		}
		return;
	case KVM_EXIT_SHUTDOWN:
		vcpu_error(v, "guest triple fault");
		dump_state(v);
		describe_shadow(v);
		vm_stop(v->vm, UMBRA_EXIT_GUEST_FAULT, false);
		return;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_error(v, "KVM_EXIT_FAIL_ENTRY: hardware refused the guest state "
			   "(reason 0x%llx, cpu %u)",
			   (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			   run->fail_entry.cpu);
		dump_state(v);
		vm_stop(v->vm, UMBRA_EXIT_INTERNAL, false);
		return;
	case KVM_EXIT_INTERNAL_ERROR:
		handle_internal_error(v);
		return;
	default: {
		const char *name = kvm_exit_name(run->exit_reason);
		if (name)
			vcpu_error(v, "unexpected exit %s", name);
		else
			vcpu_error(v, "unexpected exit reason %u", run->exit_reason);
		vm_stop(v->vm, UMBRA_EXIT_GUEST_FAULT, false);
		return;
	}
	}
}

int vcpu_get_sregs(struct vcpu *v, struct kvm_sregs *sregs)
{
	if (ioctl(v->fd, KVM_GET_SREGS, sregs) < 0) {
		vcpu_error(v, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void vcpu_request_start(struct vcpu *v, const struct kvm_sregs *sregs, uint64_t rip,
			uint64_t rsp)
{
	v->start_sregs = *sregs;
	v->start_rip = rip;
	v->start_rsp = rsp;
	atomic_store(&v->start_pending, true);
	vcpu_kick(v);
}

/* In v's thread, outside KVM_RUN: the state UMBRA_HC_SMP_START_CPU asked
 * for, then runnable. Its own APIC base (not the BSP flag of the caller's)
 * stays. */
static int apply_start(struct vcpu *v)
{
	struct kvm_sregs s;
	if (vcpu_get_sregs(v, &s))
		return -1;
	uint64_t apic_base = s.apic_base;
	s = v->start_sregs;
	s.apic_base = apic_base;
	memset(s.interrupt_bitmap, 0, sizeof(s.interrupt_bitmap));
	struct kvm_regs regs = {.rip = v->start_rip, .rsp = v->start_rsp, .rflags = 2};
	struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0) {
		vcpu_error(v, "cannot start it: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct kvm_run *run = v->run;
	vcpu_pause_enter(&vm->hmem.pause);
	while (!atomic_load(&vm->stopping)) {
		/* A dump asked for from another thread (vm_dump.c). */
		if (v->id == 0 && atomic_load(&vm->dump.pending)) {
			atomic_store_explicit(&v->place, VCPU_IN_DUMP, memory_order_relaxed);
			vm_dump_service(v);
		}
		/* tdp host-memory changes stop every vCPU here (vcpu_pause.h). */
		atomic_store_explicit(&v->place, VCPU_BETWEEN_EXITS, memory_order_relaxed);
		vm_pause_point(vm);
		if (atomic_exchange(&v->start_pending, false) && apply_start(v)) {
			vm_stop(vm, UMBRA_EXIT_INTERNAL, false);
			break;
		}
		run->kvm_valid_regs = KVM_SYNC_X86_REGS;
		atomic_store_explicit(&v->place, VCPU_IN_KVM_RUN, memory_order_relaxed);
		int ran = ioctl(v->fd, KVM_RUN, 0);
		atomic_store_explicit(&v->place, VCPU_IN_EXIT, memory_order_relaxed);
		if (ran < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				vcpu_error(v, "KVM_RUN: %s", strerror(errno));
				vm_stop(vm, UMBRA_EXIT_INTERNAL, false);
				break;
			}
			/* Kicked: not a guest exit, so not counted. */
			__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
			if (atomic_exchange(&v->check_halt, false))
				vcpu_watch_halted(v);
			continue;
		}
		atomic_fetch_add_explicit(&v->progress, 1, memory_order_relaxed);
		stats_count_exit(&vm->stats, run->exit_reason);
		handle_exit(v);
		host_mem_vm_after_exit(&vm->hmem);
		/* After handling, so an in or MMIO read shows what it got. */
		if (vm->cfg->debug_exits)
			log_exit(v);
	}
	vcpu_pause_leave(&vm->hmem.pause);
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	int r = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (r != 0) {
		vcpu_error(v, "cannot start its thread: %s", strerror(r));
		return -1;
	}
	v->started = true;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->started)
		return;
	/* immediate_exit covers a kick that lands just before KVM_RUN, where
	 * the signal alone would be lost. */
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	vcpu_signal_kick(v->thread);
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->vm->kvm.run_size);
	if (v->fd >= 0) {
		kvm_stats_close(&v->kstats);
		close(v->fd);
	}
	v->run = NULL;
	v->fd = -1;
}
