/* SPDX-License-Identifier: MIT */
/* KVM's binary statistics of a vCPU (Documentation/virt/kvm/api.rst,
 * KVM_GET_STATS_FD): a header, descriptors with names, then the data. */
#include "kvm_stats.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

static const char *const names[KVM_STAT_N] = {
	[KVM_STAT_EXITS] = "exits",
	[KVM_STAT_PF_TAKEN] = "pf_taken",
	[KVM_STAT_PF_GUEST] = "pf_guest",
};

void kvm_stats_open(struct kvm_vcpu_stats *ks, int vcpu_fd)
{
	for (int i = 0; i < KVM_STAT_N; i++)
		ks->offset[i] = -1;
	ks->fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (ks->fd < 0) {
		ks->fd = -1;
		return;
	}
	struct kvm_stats_header h;
	if (pread(ks->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    h.num_desc > 4096 || h.name_size == 0 || h.name_size > 4096) {
		kvm_stats_close(ks);
		return;
	}
	size_t desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	size_t len = desc_size * h.num_desc;
	char *descs = malloc(len ? len : 1);
	if (!descs || pread(ks->fd, descs, len, h.desc_offset) != (ssize_t)len) {
		free(descs);
		kvm_stats_close(ks);
		return;
	}
	for (uint32_t d = 0; d < h.num_desc; d++) {
		struct kvm_stats_desc *desc = (struct kvm_stats_desc *)(descs + d * desc_size);
		desc->name[h.name_size - 1] = '\0';
		for (int i = 0; i < KVM_STAT_N; i++)
			if (desc->size >= 1 && !strcmp(desc->name, names[i]))
				ks->offset[i] = (int64_t)h.data_offset + desc->offset;
	}
	free(descs);
}

int64_t kvm_stats_get(const struct kvm_vcpu_stats *ks, enum kvm_vcpu_stat which)
{
	uint64_t v;
	if (ks->fd < 0 || which >= KVM_STAT_N || ks->offset[which] < 0 ||
	    pread(ks->fd, &v, sizeof(v), ks->offset[which]) != (ssize_t)sizeof(v))
		return -1;
	return (int64_t)(v & INT64_MAX);
}

void kvm_stats_close(struct kvm_vcpu_stats *ks)
{
	if (ks->fd >= 0)
		close(ks->fd);
	ks->fd = -1;
}
