/* SPDX-License-Identifier: MIT */
/* The flattened device tree the guest kernel gets in RDI: memory, command
 * line and initrd, the hypervisor node, the UART and the CPUs. Names and
 * properties: include/umbra/boot.h. Hosted C (libfdt sequential write). */
#ifndef UMBRA_VMM_FDT_BUILD_H
#define UMBRA_VMM_FDT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "boot.h"
#include "config.h"
#include "guest_mem.h"

#define FDT_SERIAL_CLOCK 1843200 /* the 16550's standard 1.8432 MHz crystal */

struct fdt_info {
	const struct guest_mem *mem;
	const struct boot_layout *layout;
	const char *bootargs;
	unsigned int cpus; /* cpu@N for N < cpus; APIC ID N */
	enum paging_mode paging;
	uint32_t tsc_khz;
};

/* Builds the FDT into buf (size bytes). Returns 0, or -1 with the libfdt
 * error in err. */
int fdt_build(void *buf, size_t size, const struct fdt_info *info, char *err,
	      size_t errlen);

#endif
