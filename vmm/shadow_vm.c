/* SPDX-License-Identifier: MIT */
/* Shadow paging in the VMM: pool, p2m, MMU and the boot address space. */
#include "shadow_vm.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <umbra/boot.h>
#include <umbra/hypercall.h>

#include "../shadow/mmu.h"
#include "cli.h"
#include "host_mem_vm.h"
#include "kvm.h"
#include "vcpu.h"
#include "vm.h"

/* Frames beyond guest RAM and the shadow budget: copy-on-write breaks,
 * the p2m's own tables are host memory, so a little is enough. */
#define POOL_SLACK_FRAMES 1024ULL
/* Machine memory skips the 32-bit MMIO hole (KVM's helper pages, the
 * APIC), as guest-physical RAM does: frames in it are reserved, and the
 * pool is two KVM slots around it. */
#define HOLE_START UMBRA_LOW_RAM_MAX
#define HOLE_END UMBRA_HIGH_RAM_START
#define POOL_MAX_BYTES (HOLE_END + (128ULL << 30))

static int set_slot(struct kvm *kvm, unsigned slot, uint64_t maddr, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot, .guest_phys_addr = maddr, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};
	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		fprintf(stderr, "umbra: KVM_SET_USER_MEMORY_REGION (shadow pool): %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/* A kick: an MSI to the vCPU's APIC (its APIC ID is its index); one the
 * LAPIC refuses (not enabled yet) counts as not sent. */
static int send_kick_msi(void *opaque, unsigned vcpu)
{
	return kvm_signal_msi(opaque, vcpu, UMBRA_SHADOW_KICK_VECTOR);
}

static uint64_t total_exits(const struct stats *st);

static uint64_t kick_exits(void *opaque)
{
	return total_exits(opaque);
}

void shadow_vm_kick_init(struct shadow_vm *s, struct kvm *kvm, unsigned nr_vcpus,
			 const atomic_bool *stopping, struct stats *st)
{
	shadow_kick_init(&s->kick, nr_vcpus, send_kick_msi, kvm, stopping);
	s->kick.exits = kick_exits;
	s->kick.exits_opaque = st;
	s->kick_ready = true;
}

/* Host-memory events go into the shadow MMU's ring (docs/trace.md). */
static void hm_trace(void *opaque, unsigned type, uint64_t a, uint64_t b)
{
	shadow_trace_event(opaque, type, 0, a, b, 0);
}

int shadow_vm_init(struct shadow_vm *s, const struct umbra_config *cfg,
		   struct kvm *kvm, const struct guest_mem *mem)
{
	memset(s, 0, sizeof(*s));
	s->swap_fd = -1;
	const struct guest_mem_range *last = &mem->ranges[mem->nranges - 1];
	uint64_t nr_gfns = (last->gpa + last->size) >> 12;
	uint64_t ram_frames = mem->total >> 12;
	uint64_t budget = cfg->shadow_budget ? cfg->shadow_budget : ram_frames / 50;
	uint64_t nframes = ram_frames + budget + POOL_SLACK_FRAMES;
	/* 2M runs for first touches: round up to whole 2M units. */
	nframes = (nframes + FRAMES_PER_2M - 1) / FRAMES_PER_2M * FRAMES_PER_2M;
	s->pool_bytes = nframes * FRAME_SIZE;
	/* Above the hole's start, the pool goes on after it. */
	bool split = s->pool_bytes > HOLE_START;
	if (split)
		s->pool_bytes += HOLE_END - HOLE_START;
	if (s->pool_bytes > POOL_MAX_BYTES) {
		fprintf(stderr, "umbra: --paging shadow: guest RAM plus shadow budget "
			"must stay below %llu MiB of machine memory\n",
			(unsigned long long)((POOL_MAX_BYTES - (HOLE_END - HOLE_START)) >> 20));
		return UMBRA_EXIT_USAGE;
	}
	nframes = s->pool_bytes / FRAME_SIZE;
	s->pool_mem = mmap(NULL, s->pool_bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->pool_mem == MAP_FAILED) {
		s->pool_mem = NULL;
		fprintf(stderr, "umbra: shadow frame pool: %s\n", strerror(errno));
		return UMBRA_EXIT_INTERNAL;
	}
	/* 4K host pages: the pool hands out frames scattered on purpose, so
	 * with transparent huge pages each new frame would make the host
	 * allocate and zero a 2 MiB page (and KVM map it); measured nested,
	 * that was most of the cost of a fault that needs a new frame
	 * (docs/bench-notebook.md). */
	madvise(s->pool_mem, s->pool_bytes, MADV_NOHUGEPAGE);
	if (split ? set_slot(kvm, 0, 0, HOLE_START, s->pool_mem) ||
			    set_slot(kvm, 1, HOLE_END, s->pool_bytes - HOLE_END,
				     (uint8_t *)s->pool_mem + HOLE_END)
		  : set_slot(kvm, 0, 0, s->pool_bytes, s->pool_mem))
		return UMBRA_EXIT_INTERNAL;
	if (frame_pool_init(&s->pool, 0, nframes, s->pool_mem) ||
	    (split && frame_pool_reserve(&s->pool, HOLE_START,
					 (HOLE_END - HOLE_START) / FRAME_SIZE)) ||
	    p2m_init(&s->p2m, &s->pool, nr_gfns)) {
		fprintf(stderr, "umbra: shadow frame pool: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	s->p2m.large_first_touch = true;
	/* An unlinked file, empty until something swaps: --mem-limit, chaos
	 * swap-outs, the control socket's reclaim. */
	s->swap_fd = host_mem_vm_swap_file();
	if (host_mem_init(&s->hm, &s->p2m, s->swap_fd)) {
		fprintf(stderr, "umbra: host memory: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	s->hm.release_host = host_mem_vm_release;
	struct shadow_config sc = {
		/* What the guest kernel sets up (arch/x86/cpu.c): NXE, no
		 * SMEP/SMAP/PKE. */
		.efer_nxe = true,
		.budget_pages = (unsigned)budget,
		.prefetch = cfg->prefetch_given ? cfg->prefetch : UINT_MAX,
		.nr_vcpus = cfg->cpus,
		/* The suite runs a runner, a test and its children besides
		 * the kernel's own tables: 4 roots thrash; but each root keeps
		 * its pinned paths, so a small budget holds fewer. */
		.max_roots = budget / 8 < 2 ? 2 : budget / 8 > 16 ? 16 : (unsigned)(budget / 8),
		.audit = cfg->audit,
		.audit_interval = cfg->audit_interval,
	};
	s->mmu = shadow_mmu_create(&sc, &s->p2m);
	if (!s->mmu) {
		fprintf(stderr, "umbra: shadow MMU: cannot create it (budget %llu pages)\n",
			(unsigned long long)budget);
		return UMBRA_EXIT_INTERNAL;
	}
	s->hm.trace = hm_trace;
	s->hm.trace_opaque = s->mmu;
	return 0;
}

/* Copies the resident pages of the staging RAM into the p2m. */
static int copy_staging(struct shadow_vm *s, const struct guest_mem *mem)
{
	for (unsigned r = 0; r < mem->nranges; r++) {
		const struct guest_mem_range *rg = &mem->ranges[r];
		uint64_t pages = rg->size >> 12;
		unsigned char *vec = malloc(pages);
		if (!vec || mincore(rg->hva, rg->size, vec)) {
			free(vec);
			return -1;
		}
		for (uint64_t i = 0; i < pages; i++) {
			if (!(vec[i] & 1))
				continue;
			const uint8_t *src = rg->hva + (i << 12);
			bool zero = true;
			for (unsigned k = 0; k < 4096 && zero; k += 8)
				zero = *(const uint64_t *)(src + k) == 0;
			if (zero)
				continue;
			void *dst = p2m_writable_ptr(&s->p2m, rg->gpa + (i << 12));
			if (!dst) {
				free(vec);
				return -1;
			}
			memcpy(dst, src, 4096);
		}
		free(vec);
	}
	return 0;
}

/* Fills the shadow of [va, va + len) in the boot address space, as a
 * supervisor write (A and D set as the CPU would) where the boot tables
 * allow it. */
static int prefault(struct shadow_vm *s, uint64_t va, uint64_t len)
{
	for (uint64_t p = va & ~0xfffULL; p < va + len; p += 4096) {
		int r = shadow_prefault(s->mmu, 0, p);
		if (r) {
			fprintf(stderr, "umbra: shadow boot: cannot shadow %#llx (%d)\n",
				(unsigned long long)p, r);
			return -1;
		}
	}
	return 0;
}

int shadow_vm_boot(struct shadow_vm *s, const struct guest_mem *mem,
		   const struct elf_image *kernel, uint64_t fdt_gpa, uint64_t fdt_len)
{
	if (copy_staging(s, mem)) {
		fprintf(stderr, "umbra: shadow boot: cannot copy the boot image into "
			"the p2m\n");
		return UMBRA_EXIT_INTERNAL;
	}
	int64_t asid = shadow_as_create(s->mmu, UMBRA_BOOT_PGTABLE);
	int64_t cr3 = asid > 0 ? shadow_as_activate(s->mmu, 0, (uint32_t)asid) : asid;
	if (cr3 < 0) {
		fprintf(stderr, "umbra: shadow boot: no boot address space (%lld)\n",
			(long long)cr3);
		return UMBRA_EXIT_INTERNAL;
	}
	s->boot_cr3 = (uint64_t)cr3;
	/* What the guest pins in its shadow (the kernel image: IDT, GDT,
	 * TSS, exception stacks), and the boot area and FDT, are never
	 * reclaimed: host memory knows them by guest frame. */
	for (unsigned i = 0; i < kernel->nloads; i++) {
		uint64_t first = kernel->loads[i].paddr >> 12;
		uint64_t end = (kernel->loads[i].paddr + kernel->loads[i].memsz + 4095) >> 12;
		host_mem_pin(&s->hm, first, end - first);
	}
	host_mem_pin(&s->hm, UMBRA_BOOT_GDT >> 12,
		     (UMBRA_BOOT_STACK_TOP - UMBRA_BOOT_GDT + 4095) >> 12);
	host_mem_pin(&s->hm, fdt_gpa >> 12, (fdt_len + 4095) >> 12);
	/* What runs before the guest's #PF handler knows shadow mode: the
	 * image, the boot GDT, TSS and stack, and the FDT it reads. */
	for (unsigned i = 0; i < kernel->nloads; i++)
		if (prefault(s, kernel->loads[i].vaddr,
			     kernel->loads[i].memsz))
			return UMBRA_EXIT_INTERNAL;
	if (prefault(s, UMBRA_BOOT_GDT, UMBRA_BOOT_STACK_TOP - UMBRA_BOOT_GDT) ||
	    prefault(s, fdt_gpa, fdt_len))
		return UMBRA_EXIT_INTERNAL;
	return 0;
}

/* At most this many stack pages are shadowed for a starting vCPU. */
#define START_STACK_PAGES 16

int64_t shadow_vm_start_cpu(void *opaque, unsigned int caller, const uint64_t *a)
{
	struct vm *vm = opaque;
	struct shadow_vm *s = &vm->shadow;
	uint64_t id = a[0], rip = a[1], rsp = a[2], asid = a[3], stack = a[4];
	if (id >= vm->nvcpus || id == caller || asid > UINT32_MAX || (rsp & 7) ||
	    stack > rsp || rsp - stack > START_STACK_PAGES * 4096ull)
		return -UMBRA_EINVAL;
	struct vcpu *v = &vm->vcpus[id];
	struct kvm_sregs sregs;
	if (v->start_asked || vcpu_get_sregs(&vm->vcpus[caller], &sregs))
		return -UMBRA_EINVAL;
	/* Its CR3 is the shadow root of asid, with the pinned image, and
	 * the stack it starts on, in place: until it has loaded its own IDT
	 * a fault would be a triple fault. */
	pthread_mutex_lock(&vm->hc.shadow_lock);
	int64_t cr3 = shadow_as_activate(s->mmu, (unsigned)id, (uint32_t)asid);
	if (cr3 >= 0)
		for (uint64_t p = stack & ~0xfffULL; p < rsp; p += 4096)
			shadow_prefault(s->mmu, (unsigned)id, p);
	pthread_mutex_unlock(&vm->hc.shadow_lock);
	if (cr3 < 0)
		return -UMBRA_EINVAL;
	v->start_asked = true;
	sregs.cr3 = (uint64_t)cr3;
	vcpu_request_start(v, &sregs, rip, rsp);
	return 0;
}

void shadow_vm_destroy(struct shadow_vm *s)
{
	if (s->kick_ready)
		shadow_kick_destroy(&s->kick);
	s->kick_ready = false;
	if (s->mmu)
		shadow_mmu_destroy(s->mmu);
	host_mem_destroy(&s->hm);
	if (s->swap_fd >= 0)
		close(s->swap_fd);
	s->swap_fd = -1;
	if (s->p2m.pool)
		p2m_destroy(&s->p2m);
	if (s->pool.used)
		frame_pool_destroy(&s->pool);
	if (s->pool_mem)
		munmap(s->pool_mem, s->pool_bytes);
	s->mmu = NULL;
	s->pool_mem = NULL;
}

static uint64_t total_exits(const struct stats *st)
{
	uint64_t n = atomic_load(&st->exits_other);
	for (int i = 0; i < STATS_EXIT_REASONS; i++)
		n += atomic_load(&st->exits[i]);
	return n;
}

/* Exits per guest page fault, in hundredths. */
static uint64_t exits_per_fault_x100(const struct shadow_stats *ss, const struct stats *st)
{
	uint64_t faults = ss->faults_handled + ss->faults_reflected;
	return faults ? total_exits(st) * 100 / faults : 0;
}

void shadow_vm_summary(struct shadow_vm *s, const struct stats *st, char *line, size_t len)
{
	struct shadow_stats ss;
	shadow_get_stats(s->mmu, &ss);
	size_t pos = strlen(line);
	if (pos >= len)
		return;
	uint64_t e = exits_per_fault_x100(&ss, st);
	snprintf(line + pos, len - pos,
		 "; shadow: %llu faults (%llu handled, %llu reflected), %llu fills, "
		 "%llu zaps, %llu evictions, %llu root switches, %llu.%02llu exits per fault",
		 (unsigned long long)(ss.faults_handled + ss.faults_reflected),
		 (unsigned long long)ss.faults_handled, (unsigned long long)ss.faults_reflected,
		 (unsigned long long)ss.fills, (unsigned long long)ss.zaps,
		 (unsigned long long)ss.sp_evicted, (unsigned long long)ss.root_switches,
		 (unsigned long long)(e / 100), (unsigned long long)(e % 100));
	if (s->mmu && ss.audit_findings && pos < len)
		snprintf(line + strlen(line), len - strlen(line), ", AUDIT FINDINGS %llu",
			 (unsigned long long)ss.audit_findings);
}

/* The CPUs this process may run on (its affinity, as taskset sets it). */
static unsigned int usable_host_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return (unsigned int)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned int)n : 1;
}

int shadow_vm_poll_start(struct shadow_vm *s, struct hc_state *hc,
			 const struct umbra_config *cfg)
{
	s->poll_given = cfg->shadow_poll_given;
	s->host_cpus = usable_host_cpus();
	s->vcpus = cfg->cpus;
	unsigned int idle_us = cli_shadow_poll_us(cfg, s->host_cpus);
	if (!idle_us)
		return 0;
	int r = shadow_poll_start(&s->poll, hc, idle_us);
	if (r && s->poll_given) {
		fprintf(stderr, "umbra: --shadow-poll: the poll thread cannot start: %s\n",
			strerror(-r));
		return UMBRA_EXIT_INTERNAL;
	}
	if (r) {
		/* Only the default asked for it: run without, as with -c N on
		 * N host CPUs. */
		fprintf(stderr, "umbra: the shadow poll thread cannot start (%s): every "
			"first-chance fault is a VM exit\n", strerror(-r));
		s->poll.idle_us = 0;
		s->poll_failed = true;
		return 0;
	}
	hc->poll = &s->poll;
	return 0;
}

void shadow_vm_poll_stop(struct shadow_vm *s, struct hc_state *hc)
{
	hc->poll = NULL;
	shadow_poll_stop(&s->poll);
}

void shadow_vm_print_stats(struct shadow_vm *s, const struct stats *st, FILE *f)
{
	struct shadow_stats ss;
	shadow_get_stats(s->mmu, &ss);
	shadow_print_stats(s->mmu, f);
	if (s->kick_ready)
		shadow_kick_print_stats(&s->kick, f);
	if (s->poll.idle_us)
		shadow_poll_print_stats(&s->poll, f);
	else if (s->poll_failed)
		fprintf(f, "shadow: no poll thread: it could not start\n");
	else if (s->poll_given)
		fprintf(f, "shadow: no poll thread (--shadow-poll 0)\n");
	else
		fprintf(f, "shadow: no poll thread: %u host CPUs for %u vCPUs "
			"(--shadow-poll US starts it)\n", s->host_cpus, s->vcpus);
	uint64_t e = exits_per_fault_x100(&ss, st);
	fprintf(f, "shadow: %llu exits for %llu guest page faults: %llu.%02llu exits per fault\n",
		(unsigned long long)total_exits(st),
		(unsigned long long)(ss.faults_handled + ss.faults_reflected),
		(unsigned long long)(e / 100), (unsigned long long)(e % 100));
}
