/* SPDX-License-Identifier: MIT */
/* KVM system and VM setup. */
#include "kvm.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <umbra/hypercall.h>

#include "../shadow/tsc_clock.h"

#define CPUID_MAX_ENTRIES 4096

static const struct {
	long cap;
	const char *name;
	const char *why;
} required_caps[] = {
	{KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM"},
	{KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "the in-kernel LAPIC"},
	{KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "KVM_SET_CPUID2"},
	{KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", "VM setup"},
	{KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR", "VM setup"},
	{KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "stopping vCPUs"},
	{KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS", "hypercall registers"},
	{KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE", "parking secondary vCPUs"},
};

static int fail(struct kvm *k, int status, char *err, size_t errlen,
		const char *what, int errnum)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errnum));
	kvm_close(k);
	return status;
}

const char *kvm_unusable_reason(void)
{
	struct stat st;
	if (stat(KVM_DEVICE, &st) != 0 && errno == ENOENT)
		return "no " KVM_DEVICE " here";
	/* CPUID.1:ECX.VMX[bit 5] (Intel), CPUID.80000001h:ECX.SVM[bit 2] (AMD). */
	unsigned int eax, ebx, ecx, edx;
	bool vmx = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 5));
	bool svm = __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 2));
	if (!vmx && !svm)
		return KVM_DEVICE " here has no VMX or SVM under it (a software KVM such as "
		       "kvm_pvm, which runs only guests built for it)";
	return NULL;
}

static int get_supported_cpuid(struct kvm *k)
{
	for (unsigned int n = 128; n <= CPUID_MAX_ENTRIES; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(k->dev_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			k->cpuid = c;
			return 0;
		}
		int e = errno;
		free(c);
		if (e != E2BIG)
			return -e;
	}
	return -E2BIG;
}

int kvm_init(struct kvm *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	k->vm_fd = -1;
	k->dev_fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);
	if (k->dev_fd < 0)
		return fail(k, UMBRA_EXIT_NO_KVM, err, errlen, KVM_DEVICE, errno);
	int version = ioctl(k->dev_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		snprintf(err, errlen, "%s: KVM API version %d, umbra needs %d",
			 KVM_DEVICE, version, KVM_API_VERSION);
		kvm_close(k);
		return UMBRA_EXIT_NO_KVM;
	}
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		int r = ioctl(k->dev_fd, KVM_CHECK_EXTENSION, required_caps[i].cap);
		if (required_caps[i].cap == KVM_CAP_SYNC_REGS)
			r = r > 0 && (r & KVM_SYNC_X86_REGS);
		if (r <= 0) {
			snprintf(err, errlen, "%s: KVM lacks %s (needed for %s)", KVM_DEVICE,
				 required_caps[i].name, required_caps[i].why);
			kvm_close(k);
			return UMBRA_EXIT_NO_KVM;
		}
	}
	k->has_tsc_khz = ioctl(k->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ) > 0;
	int max = ioctl(k->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)
		max = ioctl(k->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	k->max_vcpus = max > 0 ? (unsigned int)max : 4; /* the API's documented floor */
	int run_size = ioctl(k->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run))
		return fail(k, UMBRA_EXIT_NO_KVM, err, errlen, "KVM_GET_VCPU_MMAP_SIZE",
			    run_size < 0 ? errno : EINVAL);
	k->run_size = (size_t)run_size;

	int r = get_supported_cpuid(k);
	if (r < 0)
		return fail(k, UMBRA_EXIT_NO_KVM, err, errlen, "KVM_GET_SUPPORTED_CPUID", -r);

	k->vm_fd = ioctl(k->dev_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0)
		return fail(k, UMBRA_EXIT_NO_KVM, err, errlen, "KVM_CREATE_VM", errno);
	/* Both before any vCPU exists, as KVM requires. */
	uint64_t idmap = KVM_IDENTITY_MAP_ADDR;
	if (ioctl(k->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		return fail(k, UMBRA_EXIT_INTERNAL, err, errlen, "KVM_SET_IDENTITY_MAP_ADDR", errno);
	if (ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		return fail(k, UMBRA_EXIT_INTERNAL, err, errlen, "KVM_SET_TSS_ADDR", errno);
	if (ioctl(k->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail(k, UMBRA_EXIT_INTERNAL, err, errlen, "KVM_CREATE_IRQCHIP", errno);
	return 0;
}

int kvm_set_memory(struct kvm *k, const struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->nranges; i++) {
		struct kvm_userspace_memory_region region = {
			.slot = i,
			.guest_phys_addr = gm->ranges[i].gpa,
			.memory_size = gm->ranges[i].size,
			.userspace_addr = (uint64_t)(uintptr_t)gm->ranges[i].hva,
		};
		if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
			return -errno;
	}
	return 0;
}

void kvm_close(struct kvm *k)
{
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->dev_fd >= 0)
		close(k->dev_fd);
	free(k->cpuid);
	k->vm_fd = k->dev_fd = -1;
	k->cpuid = NULL;
}

uint32_t host_tsc_khz(void)
{
	uint64_t t0 = monotonic_ns(), c0 = __rdtsc();
	struct timespec pause = {0, 20 * 1000 * 1000};
	while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
		;
	uint64_t t1 = monotonic_ns(), c1 = __rdtsc();
	return t1 > t0 ? (uint32_t)((c1 - c0) * 1000000ULL / (t1 - t0)) : 0;
}

int kvm_signal_msi(struct kvm *k, unsigned apic_id, unsigned vector)
{
	struct kvm_msi msi = {
		.address_lo = 0xfee00000u | (apic_id << 12),
		.data = vector,
	};
	int r = ioctl(k->vm_fd, KVM_SIGNAL_MSI, &msi);
	return r > 0 ? 0 : r == 0 ? -EAGAIN : -errno;
}
