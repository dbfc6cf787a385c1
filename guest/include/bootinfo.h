/* SPDX-License-Identifier: MIT */
/* What the VMM tells the kernel through the FDT, copied out at boot. */
#ifndef GUEST_BOOTINFO_H
#define GUEST_BOOTINFO_H

#include <stdint.h>

#include <umbra/boot.h>

#include "kernel.h"
#include "percpu.h"

/* The VMM refuses longer command lines, so bootargs always fits. */
#define COMMAND_LINE_SIZE UMBRA_CMDLINE_MAX

struct boot_info {
	char cmdline[COMMAND_LINE_SIZE];
	phys_addr_t initrd_start, initrd_end; /* end exclusive; both 0 if none */
	uint32_t tsc_khz;
	char paging_mode[16];
	uint32_t nr_cpus;
	uint32_t apic_ids[NR_CPUS]; /* of the first NR_CPUS CPUs, /cpus order */
};

extern struct boot_info boot_info;
/* The TSC at kernel entry (head_64.S). */
extern uint64_t boot_tsc;

/* Parses the FDT at fdt_pa (reachable through the boot identity map), fills
 * boot_info and the memblock map; panics on a broken boot contract. */
void setup_boot_info(phys_addr_t fdt_pa);

/* cmdline.c */
struct boot_params {
	const char *init_path;
	int init_argc; /* argv[1..] from after "--" */
	const char *init_argv[64];
	unsigned long balloon;  /* "balloon=PAGES": inflated at boot */
	const char *hostile;    /* "hostile=CASE": kernel/hostile.c */
};
extern struct boot_params boot_params;
void parse_cmdline(const char *cmdline);

#endif
