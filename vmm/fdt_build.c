/* SPDX-License-Identifier: MIT */
/* The guest's device tree, written with libfdt's sequential-write API. */
#include "fdt_build.h"

#include <stdio.h>

#include <libfdt.h>

#include <umbra/boot.h>
#include <umbra/hypercall.h>

/* Each step returns 0 or a negative libfdt error; the first error stops. */
#define TRY(call)                                                             \
	do {                                                                  \
		int r_ = (call);                                              \
		if (r_ < 0) {                                                 \
			snprintf(err, errlen, "building the device tree: %s (%s)", \
				 fdt_strerror(r_), #call);                    \
			return -1;                                            \
		}                                                             \
	} while (0)

int fdt_build(void *buf, size_t size, const struct fdt_info *info, char *err,
	      size_t errlen)
{
	const struct boot_layout *bl = info->layout;
	if (size > INT32_MAX)
		size = INT32_MAX;
	TRY(fdt_create(buf, (int)size));
	struct boot_region res[BOOT_RESERVED_MAX];
	unsigned int nres = boot_reserved(bl, res);
	for (unsigned int i = 0; i < nres; i++)
		TRY(fdt_add_reservemap_entry(buf, res[i].gpa, res[i].size));
	TRY(fdt_finish_reservemap(buf));

	TRY(fdt_begin_node(buf, ""));
	TRY(fdt_property_u32(buf, "#address-cells", 2));
	TRY(fdt_property_u32(buf, "#size-cells", 2));
	TRY(fdt_property_string(buf, "compatible", "umbra,vm"));
	TRY(fdt_property_string(buf, "model", "umbra"));

	TRY(fdt_begin_node(buf, "chosen"));
	TRY(fdt_property_string(buf, "bootargs", info->bootargs ? info->bootargs : ""));
	if (bl->initrd_size) {
		TRY(fdt_property_u64(buf, "linux,initrd-start", bl->initrd_gpa));
		TRY(fdt_property_u64(buf, "linux,initrd-end",
				     bl->initrd_gpa + bl->initrd_size));
	}
	TRY(fdt_property_string(buf, "stdout-path", "/serial@3f8"));
	TRY(fdt_end_node(buf));

	TRY(fdt_begin_node(buf, "memory@0"));
	TRY(fdt_property_string(buf, "device_type", "memory"));
	fdt64_t reg[2 * GUEST_MEM_MAX_RANGES];
	for (unsigned int i = 0; i < info->mem->nranges; i++) {
		reg[2 * i] = cpu_to_fdt64(info->mem->ranges[i].gpa);
		reg[2 * i + 1] = cpu_to_fdt64(info->mem->ranges[i].size);
	}
	TRY(fdt_property(buf, "reg", reg, (int)(info->mem->nranges * 2 * sizeof(reg[0]))));
	TRY(fdt_end_node(buf));

	TRY(fdt_begin_node(buf, UMBRA_FDT_HYPERVISOR_NODE + 1));
	TRY(fdt_property_string(buf, "compatible", UMBRA_FDT_HYPERVISOR_COMPAT));
	TRY(fdt_property_u32(buf, "abi-version", UMBRA_ABI_VERSION));
	TRY(fdt_property_string(buf, "paging-mode",
				info->paging == PAGING_SHADOW ? "shadow" : "tdp"));
	TRY(fdt_property_u32(buf, "hypercall-port", UMBRA_HC_PORT));
	TRY(fdt_property_u32(buf, "tsc-khz", info->tsc_khz));
	TRY(fdt_end_node(buf));

	TRY(fdt_begin_node(buf, "serial@3f8"));
	TRY(fdt_property_string(buf, "compatible", "ns16550a"));
	TRY(fdt_property_u32(buf, "reg-io-port", UMBRA_COM1_PORT));
	TRY(fdt_property_u32(buf, "clock-frequency", FDT_SERIAL_CLOCK));
	TRY(fdt_end_node(buf));

	TRY(fdt_begin_node(buf, "cpus"));
	TRY(fdt_property_u32(buf, "#address-cells", 1));
	TRY(fdt_property_u32(buf, "#size-cells", 0));
	for (unsigned int i = 0; i < info->cpus; i++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu@%u", i);
		TRY(fdt_begin_node(buf, name));
		TRY(fdt_property_string(buf, "device_type", "cpu"));
		TRY(fdt_property_u32(buf, "reg", i));
		TRY(fdt_end_node(buf));
	}
	TRY(fdt_end_node(buf));

	TRY(fdt_end_node(buf));
	TRY(fdt_finish(buf));
	return 0;
}
