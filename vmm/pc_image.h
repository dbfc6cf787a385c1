/* SPDX-License-Identifier: MIT */
/*
 * Guest images umbra did not build, booted on a small PC (docs/boot.md):
 * Linux bzImages by the 64-bit boot protocol, multiboot v1 images in 32-bit
 * protected mode, and anything through a firmware (--bios). The image type
 * comes from the file's content. pc_image_check() validates everything
 * before any VM exists, as elf_check() does for umbra's own kernel; the
 * KVM side is pc_boot.c. Hosted C.
 */
#ifndef UMBRA_VMM_PC_IMAGE_H
#define UMBRA_VMM_PC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "bzimage.h"
#include "config.h"
#include "guest_mem.h"
#include "multiboot.h"

enum image_kind {
	IMAGE_UMBRA,     /* an ELF64 for umbra's boot protocol (elf_load.c) */
	IMAGE_LINUX,     /* a bzImage */
	IMAGE_MULTIBOOT, /* a multiboot v1 header in the first 8 KiB */
};

/* The firmware's size: a multiple of 64 KiB from 64 KiB to 16 MiB (it ends
 * at 4 GiB, below the LAPIC and IOAPIC only if it is at most 16 MiB). */
#define PC_BIOS_MIN (64ULL << 10)
#define PC_BIOS_MAX (16ULL << 20)
/* Its last 128 KiB (or all of it, if smaller) also at 1 MiB - that. */
#define PC_BIOS_LOW_MAX (128ULL << 10)

/* What firmware boot keeps free at the top of low RAM for the firmware:
 * SeaBIOS keeps its tables in the last 256 KiB and allocates its temporary
 * buffers just below them, so umbra's FDT and initrd stay under this. */
#define PC_FIRMWARE_TOP_RESERVE (2ULL << 20)

/* The type of the kernel file buf[0, len), by content. */
enum image_kind pc_image_detect(const void *buf, size_t len);

struct pc_image {
	enum image_kind kind;
	const char *kernel_path, *initrd_path, *cmdline;
	struct bzimage bz;       /* IMAGE_LINUX */
	struct linux_layout ll;  /* IMAGE_LINUX, direct boot */
	struct multiboot_image mb; /* IMAGE_MULTIBOOT */
	struct mb_layout ml;
	unsigned int cpus;
	const char *bios_path;   /* --bios: the firmware boots the image */
	uint64_t bios_size;
	/* IMAGE_UMBRA through the firmware (PVH): the VMM preloads kernel,
	 * initrd and FDT as for a direct boot; the firmware's PVH option ROM
	 * enters pvh_entry, and the kernel finds the FDT by fw_cfg. */
	uint32_t pvh_entry;
	uint64_t fdt_gpa;
};

/*
 * The --bios checks for any image: a firmware file of a usable size, tdp
 * paging. Fills pi's firmware fields. Returns 0, or -1 after printing one
 * "umbra: ..." line.
 */
int pc_firmware_check(const struct umbra_config *cfg, struct pc_image *pi);

/*
 * Validates the kernel file buf[0, len) (of a kind other than IMAGE_UMBRA)
 * and its placement in gm with an initrd of initrd_size bytes (0: none).
 * Returns 0 and fills pi (which points into buf and cfg), or -1 after
 * printing one "umbra: ..." line.
 */
int pc_image_check(const struct umbra_config *cfg, const void *buf, size_t len,
		   uint64_t initrd_size, const struct guest_mem *gm,
		   struct pc_image *pi);

#endif
