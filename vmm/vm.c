/* SPDX-License-Identifier: MIT */
/* VM setup, the run, the stop protocol and the end-of-run summary. */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <umbra/boot.h>
#include <umbra/hypercall.h>

#include "../shadow/fault_inject.h"
#include "../shadow/mmu_trace.h"
#include "../shadow/tsc_clock.h"
#include "control.h"
#include "fdt_build.h"
#include "file_io.h"
#include "pc_boot.h"
#include "vcpu.h"
#include "vcpu_signal.h"
#include "vcpu_watch.h"

/* The idle watchdog's period: a BSP without exits for one period is asked
 * whether it halted for good. */
#define WATCHDOG_NS (250 * 1000 * 1000L)

/* A host failure the guest cannot survive (shadow/fault_inject.h). */
static void stop_for_host_failure(void *opaque)
{
	vm_stop(opaque, UMBRA_EXIT_INTERNAL, false);
}

void vm_stop(struct vm *vm, int status, bool exited)
{
	pthread_mutex_lock(&vm->lock);
	if (!vm->stopped) {
		vm->stopped = true;
		vm->exited = exited;
		vm->status = status;
		atomic_store(&vm->stopping, true);
		for (unsigned int i = 0; i < vm->nvcpus; i++)
			vcpu_kick(&vm->vcpus[i]);
		pthread_cond_signal(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
}

/* The pause lives with tdp host memory (vcpu_pause.h), whose reclaim and
 * chaos thread pause too: one mechanism, so two pausers never wait on each
 * other. */
int vm_pause(struct vm *vm)
{
	vcpu_pause(&vm->hmem.pause, false);
	pthread_mutex_lock(&vm->lock);
	bool stopped = vm->stopped;
	pthread_mutex_unlock(&vm->lock);
	if (stopped) {
		vcpu_continue(&vm->hmem.pause);
		return -ESHUTDOWN;
	}
	return 0;
}

void vm_resume(struct vm *vm)
{
	vcpu_continue(&vm->hmem.pause);
}

void vm_pause_point(struct vm *vm)
{
	vcpu_pause_point(&vm->hmem.pause);
}

/* The pause's kick (vcpu_pause.h): every started vCPU but the caller's. */
static void vm_kick_others(void *opaque)
{
	struct vm *vm = opaque;
	pthread_mutex_lock(&vm->lock);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].started && !pthread_equal(vm->vcpus[i].thread, pthread_self()))
			vcpu_kick(&vm->vcpus[i]);
	pthread_mutex_unlock(&vm->lock);
}

/* Reads the initrd file straight into guest memory. */
int vm_load_initrd(struct vm *vm, const char *path, const struct boot_layout *bl)
{
	uint8_t *dst = guest_mem_hva(&vm->mem, bl->initrd_gpa, bl->initrd_size);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!dst || fd < 0) {
		fprintf(stderr, "umbra: initrd %s: %s\n", path,
			fd < 0 ? strerror(errno) : "not in guest RAM");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ssize_t n = read_full(fd, dst, bl->initrd_size);
	if (n < 0 || (uint64_t)n != bl->initrd_size) {
		fprintf(stderr, "umbra: initrd %s: %s\n", path,
			n < 0 ? strerror(errno) : "file shrank while loading");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* UMBRA_STAT_KVM_*: KVM's own counters of the calling vCPU. */
static int64_t vm_kvm_stat(void *opaque, unsigned int vcpu, unsigned int which)
{
	struct vm *vm = opaque;
	if (vcpu >= vm->nvcpus || which >= KVM_STAT_N)
		return -1;
	return kvm_stats_get(&vm->vcpus[vcpu].kstats, (enum kvm_vcpu_stat)which);
}

/* Everything up to the vCPU threads' start. Returns 0 or an exit status. */
static int setup(struct vm *vm, const struct vm_image *img)
{
	char err[512];
	int status = kvm_init(&vm->kvm, err, sizeof(err));
	if (status) {
		fprintf(stderr, "umbra: %s\n", err);
		return status;
	}
	if (vm->cfg->cpus > vm->kvm.max_vcpus) {
		fprintf(stderr, "umbra: -c/--cpus %u: this KVM supports at most %u vCPUs\n",
			vm->cfg->cpus, vm->kvm.max_vcpus);
		return UMBRA_EXIT_NO_KVM;
	}

	vm->mem = img->mem;
	bool shadow = vm->cfg->paging == PAGING_SHADOW;
	int r = guest_mem_map(&vm->mem);
	/* Shadow mode: vm->mem only stages the boot image; KVM's memory is
	 * the machine-frame pool, guest-physical memory the p2m over it. */
	if (r == 0 && shadow && (status = shadow_vm_init(&vm->shadow, vm->cfg, &vm->kvm,
							 &vm->mem)) != 0)
		return status;
	if (r == 0 && !shadow && (r = kvm_set_memory(&vm->kvm, &vm->mem)) != 0) {
		fprintf(stderr, "umbra: KVM_SET_USER_MEMORY_REGION: %s\n", strerror(-r));
		return UMBRA_EXIT_INTERNAL;
	}
	if (r) {
		fprintf(stderr, "umbra: guest RAM (%llu MiB): %s\n",
			(unsigned long long)(vm->mem.total >> 20), strerror(-r));
		return UMBRA_EXIT_INTERNAL;
	}

	host_mem_vm_init(&vm->hmem, vm->cfg, shadow ? &vm->shadow.hm : NULL, &vm->mem,
			 &vm->hc.shadow_lock);
	vm->hc.balloon = host_mem_vm_balloon;
	vm->hc.after_shadow = host_mem_vm_after_shadow;
	vm->hc.after_answers = host_mem_vm_after_answers;
	vm->hc.dedup_merges = host_mem_vm_dedup_merges;
	vm->hc.host_mem = &vm->hmem;
	vcpu_pause_init(&vm->hmem.pause, vm_kick_others, vm);
	if (shadow) {
		/* Zaps from other threads kick the vCPUs (docs/shadow.md). */
		shadow_vm_kick_init(&vm->shadow, &vm->kvm, vm->cfg->cpus, &vm->stopping,
				    &vm->stats);
		vm->hc.kick = &vm->shadow.kick;
		vm->hc.start_cpu = shadow_vm_start_cpu;
		vm->hc.start_cpu_opaque = vm;
		vm->hmem.mmu = vm->shadow.mmu;
		vm->hmem.kick = &vm->shadow.kick;
	}

	ioport_bus_init(&vm->io, &vm->stats);
	if (ioport_register(&vm->io, UMBRA_COM1_PORT, SERIAL_PORTS, serial_io, &vm->com1)) {
		fprintf(stderr, "umbra: cannot claim the COM1 ports\n");
		return UMBRA_EXIT_INTERNAL;
	}
	vm->vcpus = calloc(vm->cfg->cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		fprintf(stderr, "umbra: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	for (unsigned int i = 0; i < vm->cfg->cpus; i++) {
		/* Counted before creation, so teardown sees a half-made one. */
		vm->nvcpus = i + 1;
		if (vcpu_create(vm, &vm->vcpus[i], i))
			return UMBRA_EXIT_INTERNAL;
	}

	/* The MMU's and the poll thread's waits read the TSC from now on
	 * (the vCPU's rate is the host's: umbra sets no TSC scaling); no
	 * thread that reads the clock runs yet. */
	uint32_t tsc_khz = vcpu_tsc_khz(&vm->vcpus[0]);
	tsc_clock_set_khz(tsc_khz);

	if (img->pc && img->pc->kind != IMAGE_UMBRA) {
		status = pc_boot_setup(vm, img->pc);
		if (status)
			return status;
		goto common;
	}
	/* Guest memory: kernel, initrd, boot tables, FDT (through firmware,
	 * the kernel's PVH entry builds its boot tables itself). */
	if (elf_load(img->kernel, &vm->mem)) {
		fprintf(stderr, "umbra: kernel: a segment is not in guest RAM\n");
		return UMBRA_EXIT_INTERNAL;
	}
	if (img->initrd_path && vm_load_initrd(vm, img->initrd_path, &img->layout))
		return UMBRA_EXIT_BAD_IMAGE;
	if (!img->pc && boot_write_tables(&vm->mem, err, sizeof(err))) {
		fprintf(stderr, "umbra: %s\n", err);
		return UMBRA_EXIT_INTERNAL;
	}
	struct fdt_info fi = {
		.mem = &vm->mem, .layout = &img->layout, .bootargs = vm->cfg->params,
		.cpus = vm->cfg->cpus, .paging = vm->cfg->paging,
		.tsc_khz = tsc_khz,
	};
	void *fdt = guest_mem_hva(&vm->mem, img->layout.fdt_gpa, BOOT_FDT_MAX);
	if (!fdt || fdt_build(fdt, BOOT_FDT_MAX, &fi, err, sizeof(err))) {
		fprintf(stderr, "umbra: %s\n", fdt ? err : "FDT slot not in guest RAM");
		return UMBRA_EXIT_INTERNAL;
	}
	if (img->pc) {
		status = pc_boot_setup(vm, img->pc);
		if (status)
			return status;
		goto common;
	}
	if (vcpu_set_boot_state(&vm->vcpus[0], img->kernel->entry, img->layout.fdt_gpa))
		return UMBRA_EXIT_INTERNAL;
	if (shadow) {
		status = shadow_vm_boot(&vm->shadow, &vm->mem, img->kernel,
					img->layout.fdt_gpa, BOOT_FDT_MAX);
		if (status)
			return status;
		/* From here guest-physical memory is the p2m only. */
		guest_mem_unmap(&vm->mem);
		hc_set_shadow(&vm->hc, vm->shadow.mmu);
		if (vcpu_set_cr3(&vm->vcpus[0], vm->shadow.boot_cr3))
			return UMBRA_EXIT_INTERNAL;
	}
common:
	if ((status = vm_dump_init(vm)) != 0)
		return status;
	vm->hc.dump = vm_dump_hypercall;
	vm->hc.dump_opaque = vm;
	vm->hc.kvm_stat = vm_kvm_stat;
	vm->hc.kvm_stat_opaque = vm;
	if (vm->cfg->trace_events &&
	    (shadow ? shadow_trace_start(vm->shadow.mmu, vm->cfg->trace_events)
		    : uffd_mem_trace_start(&vm->hmem.uffd, vm->cfg->trace_events))) {
		fprintf(stderr, "umbra: --trace %u: out of memory\n", vm->cfg->trace_events);
		return UMBRA_EXIT_INTERNAL;
	}
	if ((status = control_start(vm)) != 0)
		return status;
	if (vcpu_signals_init()) {
		fprintf(stderr, "umbra: sigaction: %s\n", strerror(errno));
		return UMBRA_EXIT_INTERNAL;
	}
	return 0;
}

/*
 * Waits for the first vm_stop(). Once per watchdog period it asks an idle
 * BSP whether it halted for good (vcpu_watch.h; and says so when the
 * BSP's thread leaves the question unanswered for VCPU_WAIT_REPORT_S), and
 * takes any stop signal (blocked in every thread, see vm_run) to end the
 * run cleanly: output flushed, summary printed, status 128 + signal as a
 * shell reports it.
 */
static void wait_for_stop(struct vm *vm, const sigset_t *stop_signals)
{
	struct vcpu *bsp = &vm->vcpus[0];
	uint64_t seen = atomic_load(&bsp->progress);
	long unanswered = 0; /* periods the BSP's thread left a check unanswered */
	pthread_mutex_lock(&vm->lock);
	while (!vm->stopped) {
		const struct timespec poll = {0, 0};
		int sig = sigtimedwait(stop_signals, NULL, &poll);
		if (sig == SIGUSR2) {
			/* Not a stop: a dump (docs/dump-format.md). */
			pthread_mutex_unlock(&vm->lock);
			struct vm_dump_args a = {.reason = "signal", .label = "SIGUSR2"};
			if (vm_dump_request(vm, &a, NULL) == -UMBRA_ENOENT)
				fprintf(stderr, "umbra: SIGUSR2: no dump file "
					"(--dump-on-exit FILE)\n");
			pthread_mutex_lock(&vm->lock);
			continue;
		}
		if (sig > 0) {
			pthread_mutex_unlock(&vm->lock);
			fprintf(stderr, "umbra: stopped by SIG%s\n", sigabbrev_np(sig));
			vm_stop(vm, 128 + sig, false);
			pthread_mutex_lock(&vm->lock);
			continue;
		}
		struct timespec until = clock_after_ns(CLOCK_MONOTONIC, WATCHDOG_NS);
		if (pthread_cond_timedwait(&vm->cond, &vm->lock, &until) != ETIMEDOUT ||
		    vm->stopped)
			continue;
		uint64_t now = atomic_load(&bsp->progress);
		if (now == seen) {
			/* Still asked: its thread has not come back since. */
			if (!atomic_exchange(&bsp->check_halt, true))
				unanswered = 0;
			else if (++unanswered == VCPU_WAIT_REPORT_S * 1000000000L / WATCHDOG_NS)
				vcpu_watch_unanswered(bsp, VCPU_WAIT_REPORT_S);
			vcpu_kick(bsp);
		}
		seen = now;
	}
	pthread_mutex_unlock(&vm->lock);
}

static void teardown(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	kvm_close(&vm->kvm);
	host_mem_vm_destroy(&vm->hmem);
	guest_mem_unmap(&vm->mem);
	shadow_vm_destroy(&vm->shadow);
	control_stop(vm);
	vm_dump_fini(vm);
	serial_destroy(&vm->com1);
	rtc_destroy(&vm->rtc);
	fw_cfg_destroy(&vm->fw_cfg);
	hc_destroy(&vm->hc);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
}

void (*vm_result_hook)(int status);

int vm_run(const struct umbra_config *cfg, const struct vm_image *img)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		fprintf(stderr, "umbra: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	vm->cfg = cfg;
	vm->kvm.dev_fd = vm->kvm.vm_fd = -1;
	stats_init(&vm->stats);
	atomic_init(&vm->stopping, false);
	atomic_init(&vm->mmio_logged, false);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->cond, &ca);
	pthread_condattr_destroy(&ca);
	serial_init(&vm->com1, UMBRA_COM1_PORT, STDOUT_FILENO);
	rtc_init(&vm->rtc);
	fw_cfg_init(&vm->fw_cfg, &vm->mem);
	hc_init(&vm->hc, &vm->mem, &vm->stats);
	host_failure_set_stop(stop_for_host_failure, vm);
	if (cfg->fault_inject) {
		char err[160]; /* checked by the command line already */
		fault_inject_parse(cfg->fault_inject, err, sizeof(err));
	}

	/* Stop signals stay blocked in every thread (the vCPU threads inherit
	 * the mask); wait_for_stop() collects them. */
	sigset_t stop_signals, old_mask;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	sigaddset(&stop_signals, SIGUSR2); /* a dump, not a stop */
	pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);

	int status = setup(vm, img);
	if (status == 0)
		status = host_mem_vm_start(&vm->hmem);
	if (status == 0 && vm->shadow.mmu)
		status = shadow_vm_poll_start(&vm->shadow, &vm->hc, cfg);
	if (status == 0) {
		unsigned int started = 0;
		for (; started < vm->nvcpus; started++) {
			/* Under the lock, so vm_stop() sees a consistent set. */
			pthread_mutex_lock(&vm->lock);
			int r = vcpu_start(&vm->vcpus[started]);
			pthread_mutex_unlock(&vm->lock);
			if (r) {
				vm_stop(vm, UMBRA_EXIT_INTERNAL, false);
				break;
			}
		}
		wait_for_stop(vm, &stop_signals);
		for (unsigned int i = 0; i < started; i++)
			pthread_join(vm->vcpus[i].thread, NULL);
		control_stop(vm);
		shadow_vm_poll_stop(&vm->shadow, &vm->hc);
		host_mem_vm_stop(&vm->hmem);
		serial_flush(&vm->com1);
		char line[1024];
		stats_summary(&vm->stats, vm->exited, vm->status, hc_boot_ns(&vm->hc),
			      line, sizeof(line));
		if (vm->shadow.mmu)
			shadow_vm_summary(&vm->shadow, &vm->stats, line, sizeof(line));
		host_mem_vm_summary(&vm->hmem, line, sizeof(line));
		fprintf(stderr, "umbra: %s\n", line);
		if (vm->shadow.mmu && cfg->stats)
			shadow_vm_print_stats(&vm->shadow, &vm->stats, stderr);
		if (vm->dump.f) {
			struct vm_dump_args a = {.reason = "exit"};
			if (vm_dump_now(vm, -1, &a, NULL) < 0)
				fprintf(stderr, "umbra: --dump-on-exit %s: the dump could "
					"not be written\n", cfg->dump_path);
			/* Before the result is reported: a nested run's
			 * serial port drains on this close. */
			vm_dump_fini(vm);
		}
		if (cfg->stats) {
			host_mem_vm_print_stats(&vm->hmem, stderr);
			fault_inject_print_stats(stderr);
		}
		status = vm->status;
		if (vm_result_hook)
			vm_result_hook(status);
	}
	teardown(vm);
	host_failure_set_stop(NULL, NULL);
	free(vm);
	/* A dump asked for after the VM is gone has nothing to dump: ignored
	 * (which drops one pending), not SIGUSR2's default action, which
	 * would end umbra without the guest's status. A stop signal that
	 * came after the stop is delivered now. */
	signal(SIGUSR2, SIG_IGN);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return status;
}
