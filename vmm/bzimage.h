/* SPDX-License-Identifier: MIT */
/*
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst): the bzImage's
 * setup header, and the "zero page" (struct boot_params) the loader hands
 * to the kernel's 64-bit entry. Only what a 64-bit loader needs. Hosted C.
 */
#ifndef UMBRA_VMM_BZIMAGE_H
#define UMBRA_VMM_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "e820.h"

/* Offsets in the file (= in the zero page, where the header is copied). */
#define BZ_SETUP_SECTS 0x1f1
#define BZ_BOOT_FLAG 0x1fe  /* u16 0xaa55 */
#define BZ_JUMP 0x200
#define BZ_HEADER 0x202     /* u32 "HdrS" */
#define BZ_VERSION 0x206
#define BZ_TYPE_OF_LOADER 0x210
#define BZ_LOADFLAGS 0x211
#define BZ_RAMDISK_IMAGE 0x218
#define BZ_RAMDISK_SIZE 0x21c
#define BZ_CMD_LINE_PTR 0x228
#define BZ_INITRD_ADDR_MAX 0x22c
#define BZ_KERNEL_ALIGNMENT 0x230
#define BZ_RELOCATABLE 0x234
#define BZ_XLOADFLAGS 0x236
#define BZ_CMDLINE_SIZE 0x238
#define BZ_PREF_ADDRESS 0x258
#define BZ_INIT_SIZE 0x260
/* Zero-page fields outside the setup header. */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_ACPI_RSDP_ADDR 0x070 /* protocol 2.14 */
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
#define BP_SIZE 4096

#define BZ_MAGIC 0x53726448u /* "HdrS" */
#define BZ_LOADED_HIGH 0x01
#define BZ_XLF_KERNEL_64 0x01
/* Protocol 2.12 brought xloadflags and with it the 64-bit entry. */
#define BZ_MIN_VERSION 0x020c
/* The 64-bit entry is this far into the protected-mode kernel. */
#define BZ_ENTRY64_OFFSET 0x200

struct bzimage {
	const uint8_t *file;
	size_t file_len;
	uint16_t version;
	uint32_t setup_len;      /* bytes of the real-mode part, sector 0 included */
	uint64_t kernel_off;     /* the protected-mode kernel in the file */
	uint64_t kernel_len;
	uint64_t pref_address;   /* where it runs best */
	uint32_t init_size;      /* memory it needs from its load address */
	uint32_t kernel_alignment;
	uint32_t initrd_addr_max; /* the highest byte an initrd may occupy */
	uint32_t cmdline_size;    /* without the terminating NUL */
	uint8_t relocatable;
	uint32_t header_end;     /* the setup header ends here (0x202 + jump) */
};

/* Whether buf starts like a bzImage (boot flag and "HdrS"): what decides
 * the image type; bzimage_parse() then checks the rest. */
int bzimage_detect(const void *buf, size_t len);

/*
 * Validates a bzImage for the 64-bit boot protocol: header within the file,
 * protocol >= 2.12 with a 64-bit entry, a protected-mode kernel that is in
 * the file and not empty, a sane init_size and alignment. Returns 0 and
 * fills bz, or -1 with one line in err.
 */
int bzimage_parse(const void *buf, size_t len, struct bzimage *bz, char *err,
		  size_t errlen);

/* Where the kernel, zero page, command line and initrd go. */
struct linux_layout {
	uint64_t zero_page, cmdline;
	uint64_t kernel;         /* load address; entry at + BZ_ENTRY64_OFFSET */
	uint64_t initrd, initrd_size;
};

/* Fixed low-memory places (inside the VMM's boot area, clear of the boot
 * GDT, stack and page tables). */
#define LINUX_ZERO_PAGE 0x9000ULL
#define LINUX_CMDLINE 0xa000ULL
#define LINUX_CMDLINE_MAX 0x6000ULL

/*
 * Plans the layout in gm: the kernel at its preferred address (or 1 MiB, if
 * not relocatable), the initrd at the top of low RAM below initrd_addr_max.
 * Returns 0, or -1 with why it does not fit in err.
 */
int linux_plan(const struct bzimage *bz, const struct guest_mem *gm,
	       uint64_t cmdline_len, uint64_t initrd_size, struct linux_layout *ll,
	       char *err, size_t errlen);

/*
 * Firmware boot (--bios), as QEMU lays it out for its linuxboot_dma.bin
 * option ROM, which fetches the pieces through fw_cfg and enters the
 * real-mode setup code: setup at 0x10000, command line at 0x20000, the
 * protected-mode kernel at 1 MiB, the initrd at the top of low RAM below
 * initrd_addr_max, leaving the firmware its top megabyte.
 */
#define LINUX_FW_SETUP 0x10000ULL
#define LINUX_FW_CMDLINE 0x20000ULL
#define LINUX_FW_KERNEL 0x100000ULL
#define LINUX_FW_TOP_MARGIN (1ULL << 20)
#define BZ_HEAP_END_PTR 0x224
#define BZ_CAN_USE_HEAP 0x80

/* The placement for a firmware boot (ll->zero_page is the setup code's
 * address). Returns 0, or -1 with why in err. */
int linux_fw_plan(const struct bzimage *bz, const struct guest_mem *gm,
		  uint64_t cmdline_len, uint64_t initrd_size, struct linux_layout *ll,
		  char *err, size_t errlen);

/* Patches setup (a copy of the file's first bz->setup_len bytes) as the
 * loader fills it in for a firmware boot: loader type, heap, command line
 * and initrd. */
void linux_fw_patch_setup(uint8_t *setup, const struct linux_layout *ll);

/*
 * Writes the zero page (BP_SIZE bytes at zp): the file's setup header,
 * loader type, command line and initrd pointers, and the e820 map. cmdline
 * is copied to cmdline_dst (mapped at ll->cmdline) by the caller.
 */
void linux_write_zero_page(uint8_t *zp, const struct bzimage *bz,
			   const struct linux_layout *ll,
			   const struct e820_entry *e820, unsigned int ne820);

#endif
