/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 (the GNU Multiboot Specification 0.6.96), as kvm-unit-tests'
 * x86 images use it: the header in the image's first 8 KiB, loading (by the
 * header's address fields, or an ELF32/ELF64's PT_LOAD segments by physical
 * address), and the multiboot information given to the 32-bit entry
 * (memory, memory map, command line, modules). Hosted C.
 */
#ifndef UMBRA_VMM_MULTIBOOT_H
#define UMBRA_VMM_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e820.h"
#include "guest_mem.h"

#define MB_HEADER_MAGIC 0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u /* in EAX at entry */
#define MB_SEARCH 8192
/* Header flags: requirements (bits 0-15) and the address fields. */
#define MB_PAGE_ALIGN (1u << 0)
#define MB_MEMORY_INFO (1u << 1)
#define MB_VIDEO_MODE (1u << 2)
#define MB_AOUT_KLUDGE (1u << 16)
#define MB_SUPPORTED (MB_PAGE_ALIGN | MB_MEMORY_INFO)
/* Information flags. */
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)
/* Information field offsets. */
#define MBI_FLAGS 0
#define MBI_MEM_LOWER 4
#define MBI_MEM_UPPER 8
#define MBI_CMDLINE_PTR 16
#define MBI_MODS_COUNT 20
#define MBI_MODS_ADDR 24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR 48
#define MBI_LOADER_NAME_PTR 64
#define MBI_SIZE 0x58

#define MB_MAX_LOADS 8

/* A piece of the file copied to guest memory, then zeroes up to memsz. */
struct mb_segment {
	uint64_t offset, paddr, filesz, memsz;
};

struct multiboot_image {
	const uint8_t *file;
	size_t file_len;
	uint32_t header_off, flags;
	uint32_t entry;
	unsigned int nloads;
	struct mb_segment loads[MB_MAX_LOADS];
	uint64_t load_end; /* the highest byte loaded or zeroed, + 1 */
};

/* The offset of a valid multiboot header (magic and checksum) in the
 * first 8 KiB of buf, or -1. */
long multiboot_find(const void *buf, size_t len);

/*
 * Validates a multiboot image for guest RAM gm: a header with no
 * requirement umbra cannot meet (video mode), what it loads (address
 * fields, else an ELF32 or ELF64 with PT_LOAD segments) inside the file and
 * inside low RAM at or above 1 MiB, the entry inside what is loaded.
 * Returns 0 and fills mb, or -1 with one line in err.
 */
int multiboot_parse(const void *buf, size_t len, const struct guest_mem *gm,
		    struct multiboot_image *mb, char *err, size_t errlen);

/* Where the information and the module go. */
struct mb_layout {
	uint64_t info;    /* MBI_SIZE bytes */
	uint64_t mmap;    /* E820_MAX entries of 24 bytes */
	uint64_t mods;    /* one 16-byte module entry */
	uint64_t strings; /* command line, module string, loader name */
	uint64_t module, module_size; /* the initrd as module 0; 0 if none */
};

#define MB_INFO 0x9000ULL
#define MB_MMAP 0x9100ULL
#define MB_MODS 0x9400ULL
#define MB_STRINGS 0xa000ULL
#define MB_STRINGS_MAX 0x6000ULL

/* Places the module (initrd_size bytes, 0: none) page-aligned at the top of
 * low RAM, above what the image loads. Returns 0, or -1 with why in err. */
int multiboot_plan(const struct multiboot_image *mb, const struct guest_mem *gm,
		   size_t cmdline_len, uint64_t initrd_size, struct mb_layout *ml,
		   char *err, size_t errlen);

/*
 * The same for firmware boot (--bios), as QEMU lays it out for its
 * multiboot_dma.bin option ROM, which copies two blobs from fw_cfg after
 * the firmware's start-up: the image with the module right after it
 * (page-aligned), from the image's lowest address up to below top; and the
 * information from MB_INFO to MB_FW_INFO_END (the ROM fills in the memory
 * map itself, from the firmware's e820). Returns 0, or -1 with why in err.
 */
#define MB_FW_INFO_END (MB_STRINGS + MB_STRINGS_MAX)
int multiboot_fw_plan(const struct multiboot_image *mb, uint64_t top, size_t cmdline_len,
		      uint64_t initrd_size, struct mb_layout *ml, char *err, size_t errlen);
/* The lowest address the image loads. */
uint64_t multiboot_load_start(const struct multiboot_image *mb);

/* Copies the image into mapped guest memory. Returns 0 or -1. */
int multiboot_load(const struct multiboot_image *mb, const struct guest_mem *gm);

/*
 * Writes the information (memory, memory map of e820, command line, the
 * module with string mod_name if ml->module_size, loader name) into mapped
 * guest memory. Returns 0, or -1 if a place is not in RAM.
 */
int multiboot_write_info(const struct mb_layout *ml, const struct guest_mem *gm,
			 const char *cmdline, const char *mod_name,
			 const struct e820_entry *e820, unsigned int ne820);

#endif
