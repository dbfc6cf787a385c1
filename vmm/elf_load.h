/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel image: a statically linked x86-64 ELF64 executable,
 * loaded by physical address (p_paddr). elf_check() validates a file image
 * against the guest's RAM layout before any VM exists; elf_load() copies it.
 * Hosted C.
 */
#ifndef UMBRA_VMM_ELF_LOAD_H
#define UMBRA_VMM_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "boot.h"
#include "guest_mem.h"

#define ELF_MAX_LOADS 16

struct elf_segment {
	uint64_t offset; /* in the file */
	uint64_t paddr, vaddr;
	uint64_t filesz, memsz;
	uint32_t flags; /* PF_* */
};

struct elf_image {
	const uint8_t *file; /* the caller's buffer; must outlive the image */
	size_t file_len;
	uint64_t entry;
	/* XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit physical entry a PVH loader
	 * (firmware boot, docs/boot.md) jumps to; 0 if the file has none. */
	uint32_t pvh_entry;
	unsigned int nloads;
	struct elf_segment loads[ELF_MAX_LOADS];
};

/*
 * Validates the kernel file image buf[0, len) for guest RAM gm and the
 * placement bl: an x86-64 ELF64 ET_EXEC whose PT_LOAD segments lie inside
 * guest RAM, at or above UMBRA_KERNEL_MIN_PADDR, clear of the FDT/initrd
 * area and of each other, each mapped by the boot page tables to where it is
 * loaded, with the entry point inside an executable segment. Returns 0 and
 * fills img, or -1 with one line saying what is wrong in err.
 */
int elf_check(const void *buf, size_t len, const struct guest_mem *gm,
	      const struct boot_layout *bl, struct elf_image *img, char *err,
	      size_t errlen);

/* Copies a checked image into mapped guest memory and zeroes each
 * segment's tail beyond its file data (.bss). Returns 0, or -1 if a segment
 * is not in mapped guest memory (not after a successful elf_check). */
int elf_load(const struct elf_image *img, const struct guest_mem *gm);

#endif
