/* SPDX-License-Identifier: MIT */
/*
 * The PC memory map (BIOS "e820") of guest RAM, as the Linux zero page, the
 * multiboot memory map and fw_cfg's etc/e820 describe it. Hosted C.
 */
#ifndef UMBRA_VMM_E820_H
#define UMBRA_VMM_E820_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"

#define E820_RAM 1
#define E820_RESERVED 2

/* Where a PC keeps its BIOS data: the EBDA below 640 KiB, then the VGA
 * window and the option-ROM/BIOS area up to 1 MiB. */
#define E820_EBDA_START 0x9fc00ULL
#define E820_BIOS_START 0xf0000ULL
#define E820_LOW_END 0x100000ULL

#define E820_MAX 8

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

/*
 * The map of gm into out (E820_MAX entries). With pc_holes, as a BIOS
 * would leave it for a directly booted kernel: RAM below the EBDA, the EBDA
 * and [E820_BIOS_START, 1 MiB) reserved, then RAM from 1 MiB. Without
 * (what a firmware is given and refines itself), the RAM ranges as they
 * are. Returns the number of entries.
 */
unsigned int e820_build(const struct guest_mem *gm, bool pc_holes,
			struct e820_entry out[E820_MAX]);

#endif
