/* SPDX-License-Identifier: MIT */
/* Dumps of a running VM (vm_dump.h). */
#include "vm_dump.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <umbra/boot.h>
#include <umbra/hypercall.h>

#include "../shadow/mmu.h"
#include "../shadow/mmu_dump.h"
#include "vcpu.h"
#include "vm.h"

/* How long a request waits for vCPU 0 before making the dump itself. */
#define REQUEST_WAIT_S 5

int vm_dump_init(struct vm *vm)
{
	struct vm_dump_state *d = &vm->dump;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->req_lock, NULL);
	pthread_cond_init(&d->req_cond, NULL);
	atomic_init(&d->pending, false);
	d->nxe = true; /* what umbra's guest kernel sets up (arch/x86/cpu.c) */
	if (!vm->cfg->dump_path)
		return 0;
	int fd = open(vm->cfg->dump_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC,
		      0644);
	if (fd < 0) {
		fprintf(stderr, "umbra: --dump-on-exit %s: %s\n", vm->cfg->dump_path,
			strerror(errno));
		return UMBRA_EXIT_USAGE;
	}
	/* A serial port (nested runs): bytes as they are, no echo. */
	struct termios t;
	if (isatty(fd) && tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	d->f = fdopen(fd, "w");
	if (!d->f) {
		close(fd);
		fprintf(stderr, "umbra: --dump-on-exit: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	return 0;
}

void vm_dump_fini(struct vm *vm)
{
	struct vm_dump_state *d = &vm->dump;
	if (!d->f)
		return;
	pthread_mutex_lock(&d->lock);
	if (d->f) {
		/* A terminal's last close waits until everything is sent. */
		fclose(d->f);
		d->f = NULL;
	}
	pthread_mutex_unlock(&d->lock);
}

/* tdp: guest-physical reads through the VMM's mapping of guest RAM. */
static int read_ram(void *opaque, uint64_t gpa, uint64_t *val)
{
	const void *p = guest_mem_hva(opaque, gpa, 8);
	if (!p || (gpa & 7))
		return -1;
	memcpy(val, p, 8);
	return 0;
}

static uint64_t resident_pages(const struct guest_mem_range *r)
{
	uint64_t pages = r->size >> 12, n = 0;
	unsigned char vec[4096];
	for (uint64_t i = 0; i < pages; i += sizeof(vec)) {
		uint64_t chunk = pages - i < sizeof(vec) ? pages - i : sizeof(vec);
		if (mincore(r->hva + (i << 12), chunk << 12, vec))
			return 0;
		for (uint64_t k = 0; k < chunk; k++)
			n += vec[k] & 1;
	}
	return n;
}

/* The guest's CR3 of vCPU v (its own thread, or a stopped vCPU), and its
 * paging mode (a Linux guest may use 5-level paging); 0 when unreadable. */
static uint64_t vcpu_cr3(struct vcpu *v, bool *la57, bool *nxe)
{
	struct kvm_sregs s;
	if (v->fd < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return 0;
	*la57 = s.cr4 & (1ull << 12);
	*nxe = s.efer & (1ull << 11);
	return s.cr3 & 0x000ffffffffff000ull;
}

static enum p2m_gfn_state gfn_state(void *uffd, uint64_t gfn)
{
	return uffd_mem_state(uffd, gfn);
}

static int do_tdp(struct vm *vm, int vcpu, const struct vm_dump_args *a,
		  const struct dump_request *req, FILE *f)
{
	struct vm_dump_state *d = &vm->dump;
	unsigned n = vm->nvcpus < 64 ? vm->nvcpus : 64;
	uint64_t roots[64];
	int who[64];
	unsigned nroots = 0;
	for (unsigned i = 0; i < n; i++) {
		/* Another running vCPU's registers cannot be read from here:
		 * its CR3 when it was last seen. */
		if (vcpu == -1 || (vcpu >= 0 && (unsigned)vcpu == i)) {
			uint64_t cr3 = vcpu_cr3(&vm->vcpus[i], &d->la57, &d->nxe);
			if (cr3)
				d->last_root[i] = cr3;
		}
		if (d->last_root[i]) {
			roots[nroots] = d->last_root[i];
			who[nroots++] = (int)i;
		}
	}
	if (a->guest_root) {
		bool known = false;
		for (unsigned i = 0; i < nroots; i++)
			known |= roots[i] == a->guest_root;
		if (!known && nroots < 64) {
			roots[nroots] = a->guest_root;
			who[nroots++] = -1;
		}
	}
	if (!nroots) {
		roots[nroots] = UMBRA_BOOT_PGTABLE;
		who[nroots++] = -1;
	}
	struct tdp_dump_ram ram[GUEST_MEM_MAX_RANGES];
	for (unsigned i = 0; i < vm->mem.nranges; i++) {
		const struct guest_mem_range *r = &vm->mem.ranges[i];
		ram[i] = (struct tdp_dump_ram){
			.gpa = r->gpa, .size = r->size, .hva = (uint64_t)(uintptr_t)r->hva,
			.resident = r->hva ? resident_pages(r) : 0,
		};
	}
	struct tdp_dump_src src = {
		/* The mode last read from a vCPU (vm_dump_init: umbra's guest's). */
		.la57 = d->la57, .nxe = d->nxe,
		.ram = ram, .nram = vm->mem.nranges,
		.roots = roots, .root_vcpu = who, .nroots = nroots,
		.read64 = read_ram, .opaque = &vm->mem,
		.trace_json = uffd_mem_tracing(&vm->hmem.uffd) ? uffd_mem_trace_json : NULL,
		.trace_opaque = &vm->hmem.uffd,
		/* Backed on demand: the state table knows each gfn. */
		.gfn_state = vm->hmem.uffd.started ? gfn_state : NULL,
		.state_opaque = &vm->hmem.uffd,
	};
	return tdp_dump(&src, req, f);
}

int64_t vm_dump_now(struct vm *vm, int vcpu, const struct vm_dump_args *a, FILE *out)
{
	struct vm_dump_state *d = &vm->dump;
	pthread_mutex_lock(&d->lock);
	FILE *f = out ? out : d->f;
	if (!f) {
		pthread_mutex_unlock(&d->lock);
		return -UMBRA_ENOENT;
	}
	struct dump_request req = {
		.reason = a->reason, .label = a->label, .seq = out ? 0 : d->seq,
		.guest_root = a->guest_root, .asid = a->asid, .user_only = a->user_only,
	};
	int r;
	if (vm->shadow.mmu) {
		pthread_mutex_lock(&vm->hc.shadow_lock);
		r = shadow_dump(vm->shadow.mmu, &req, f);
		pthread_mutex_unlock(&vm->hc.shadow_lock);
	} else {
		r = do_tdp(vm, vcpu, a, &req, f);
	}
	if (fflush(f) && !r)
		r = -EIO;
	int64_t ret = r ? (r == -ENOMEM ? -UMBRA_ENOMEM : -UMBRA_EFAULT)
			: (int64_t)req.seq;
	if (!r && !out)
		d->seq++;
	pthread_mutex_unlock(&d->lock);
	return ret;
}

void vm_dump_service(struct vcpu *v)
{
	struct vm_dump_state *d = &v->vm->dump;
	pthread_mutex_lock(&d->req_lock);
	if (atomic_load(&d->pending) && !d->taken) {
		d->taken = true;
		pthread_mutex_unlock(&d->req_lock);
		int64_t r = vm_dump_now(v->vm, (int)v->id, d->req, d->req_out);
		pthread_mutex_lock(&d->req_lock);
		d->req_result = r;
		d->done = true;
		atomic_store(&d->pending, false);
		pthread_cond_broadcast(&d->req_cond);
	}
	pthread_mutex_unlock(&d->req_lock);
}

int64_t vm_dump_request(struct vm *vm, const struct vm_dump_args *a, FILE *out)
{
	struct vm_dump_state *d = &vm->dump;
	if (!out && !d->f)
		return -UMBRA_ENOENT;
	pthread_mutex_lock(&d->req_lock);
	/* One request at a time. */
	while (atomic_load(&d->pending))
		pthread_cond_wait(&d->req_cond, &d->req_lock);
	d->req = a;
	d->req_out = out;
	d->taken = d->done = false;
	atomic_store(&d->pending, true);
	if (vm->nvcpus && !atomic_load(&vm->stopping))
		vcpu_kick(&vm->vcpus[0]);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += REQUEST_WAIT_S;
	while (!d->done) {
		if (pthread_cond_timedwait(&d->req_cond, &d->req_lock, &until) == ETIMEDOUT &&
		    !d->taken)
			break;
	}
	int64_t r;
	if (d->done) {
		r = d->req_result;
	} else {
		/* vCPU 0 is gone (stopped) or stuck: dump from here, with the
		 * CR3 values last seen. */
		d->taken = true;
		pthread_mutex_unlock(&d->req_lock);
		r = vm_dump_now(vm, -2, a, out);
		pthread_mutex_lock(&d->req_lock);
	}
	atomic_store(&d->pending, false);
	pthread_cond_broadcast(&d->req_cond);
	pthread_mutex_unlock(&d->req_lock);
	return r;
}

int64_t vm_dump_hypercall(void *opaque, unsigned int vcpu, const uint64_t *args)
{
	struct vm *vm = opaque;
	uint64_t root = args[0], label_gpa = args[1], label_len = args[2], flags = args[3];
	if ((root & 0xfff) || (flags & ~(uint64_t)UMBRA_DUMP_USER_ONLY) ||
	    label_len > UMBRA_DUMP_LABEL_MAX)
		return -UMBRA_EINVAL;
	if (!vm->dump.f)
		return -UMBRA_ENOENT;
	struct vm_dump_args a = {
		.reason = "hypercall", .guest_root = root,
		.user_only = flags & UMBRA_DUMP_USER_ONLY,
	};
	if (label_len) {
		int bad;
		if (vm->shadow.mmu) {
			pthread_mutex_lock(&vm->hc.shadow_lock);
			bad = shadow_read_guest(vm->shadow.mmu, label_gpa, a.label, label_len);
			pthread_mutex_unlock(&vm->hc.shadow_lock);
		} else {
			const void *p = guest_mem_hva(&vm->mem, label_gpa, label_len);
			bad = !p;
			if (p)
				memcpy(a.label, p, label_len);
		}
		if (bad)
			return -UMBRA_EFAULT;
		a.label[label_len] = '\0';
	}
	return vm_dump_now(vm, (int)vcpu, &a, NULL);
}
