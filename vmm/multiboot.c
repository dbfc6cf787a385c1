/* SPDX-License-Identifier: MIT */
/* Multiboot v1 images: header, loading, information. */
#include "multiboot.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

#define MIB (1ULL << 20)
#define PAGE 4096ULL

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

long multiboot_find(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t end = len < MB_SEARCH ? len : MB_SEARCH;
	for (size_t off = 0; off + 12 <= end; off += 4) {
		uint32_t magic = rd32(p + off), flags = rd32(p + off + 4);
		if (magic == MB_HEADER_MAGIC &&
		    (uint32_t)(magic + flags + rd32(p + off + 8)) == 0)
			return (long)off;
	}
	return -1;
}

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "multiboot: %s", msg);
	return -1;
}

static int add_load(struct multiboot_image *mb, uint64_t offset, uint64_t paddr,
		    uint64_t filesz, uint64_t memsz, size_t len,
		    const struct guest_mem *gm, char *err, size_t errlen)
{
	if (mb->nloads == MB_MAX_LOADS)
		return fail(err, errlen, "too many segments");
	if (filesz > memsz || offset > len || filesz > len - offset)
		return fail(err, errlen, "a segment is outside the file (truncated?)");
	uint64_t low = guest_mem_low_size(gm);
	if (paddr < MIB || paddr > low || memsz > low - paddr)
		return fail(err, errlen, "a segment is outside guest RAM from 1 MiB "
			    "(raise -m/--mem?)");
	for (unsigned int i = 0; i < mb->nloads; i++) {
		const struct mb_segment *s = &mb->loads[i];
		if (paddr < s->paddr + s->memsz && s->paddr < paddr + memsz)
			return fail(err, errlen, "segments overlap");
	}
	mb->loads[mb->nloads++] = (struct mb_segment){offset, paddr, filesz, memsz};
	if (paddr + memsz > mb->load_end)
		mb->load_end = paddr + memsz;
	return 0;
}

/* The ELF32/ELF64 program headers (the class decides the layout). */
static int parse_elf(const uint8_t *p, size_t len, const struct guest_mem *gm,
		     struct multiboot_image *mb, char *err, size_t errlen)
{
	if (len < EI_NIDENT || memcmp(p, ELFMAG, SELFMAG) != 0)
		return fail(err, errlen, "no address fields in the header and not an "
			    "ELF file");
	bool is64 = p[EI_CLASS] == ELFCLASS64;
	if ((!is64 && p[EI_CLASS] != ELFCLASS32) || p[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "not a little-endian ELF32 or ELF64");
	uint64_t phoff, entry;
	unsigned int phnum, phentsize;
	if (is64) {
		Elf64_Ehdr eh;
		if (len < sizeof(eh))
			return fail(err, errlen, "ELF header truncated");
		memcpy(&eh, p, sizeof(eh));
		phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
		entry = eh.e_entry;
		if (phentsize != sizeof(Elf64_Phdr))
			return fail(err, errlen, "bad ELF program header size");
	} else {
		Elf32_Ehdr eh;
		if (len < sizeof(eh))
			return fail(err, errlen, "ELF header truncated");
		memcpy(&eh, p, sizeof(eh));
		phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
		entry = eh.e_entry;
		if (phentsize != sizeof(Elf32_Phdr))
			return fail(err, errlen, "bad ELF program header size");
	}
	if (phoff > len || (uint64_t)phnum * phentsize > len - phoff)
		return fail(err, errlen, "ELF program headers outside the file");
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + (uint64_t)i * phentsize;
		uint64_t type, off, paddr, filesz, memsz;
		if (is64) {
			Elf64_Phdr h;
			memcpy(&h, ph, sizeof(h));
			type = h.p_type, off = h.p_offset, paddr = h.p_paddr;
			filesz = h.p_filesz, memsz = h.p_memsz;
		} else {
			Elf32_Phdr h;
			memcpy(&h, ph, sizeof(h));
			type = h.p_type, off = h.p_offset, paddr = h.p_paddr;
			filesz = h.p_filesz, memsz = h.p_memsz;
		}
		if (type != PT_LOAD || memsz == 0)
			continue;
		if (add_load(mb, off, paddr, filesz, memsz, len, gm, err, errlen))
			return -1;
	}
	if (mb->nloads == 0)
		return fail(err, errlen, "the ELF has no PT_LOAD segment");
	if (entry >= (1ULL << 32))
		return fail(err, errlen, "the entry point is above 4 GiB");
	mb->entry = (uint32_t)entry;
	return 0;
}

int multiboot_parse(const void *buf, size_t len, const struct guest_mem *gm,
		    struct multiboot_image *mb, char *err, size_t errlen)
{
	const uint8_t *p = buf;
	memset(mb, 0, sizeof(*mb));
	mb->file = p;
	mb->file_len = len;
	long off = multiboot_find(buf, len);
	if (off < 0)
		return fail(err, errlen, "no header (magic and checksum) in the first 8 KiB");
	mb->header_off = (uint32_t)off;
	mb->flags = rd32(p + off + 4);
	if (mb->flags & 0xffffu & ~MB_SUPPORTED)
		return fail(err, errlen, (mb->flags & MB_VIDEO_MODE)
			    ? "the image requires a video mode (header flag 2)"
			    : "the image requires an unknown feature (header flags 3-15)");
	if (mb->flags & MB_AOUT_KLUDGE) {
		if ((size_t)off + 32 > len)
			return fail(err, errlen, "header address fields truncated");
		uint32_t header_addr = rd32(p + off + 12), load_addr = rd32(p + off + 16);
		uint32_t load_end = rd32(p + off + 20), bss_end = rd32(p + off + 24);
		mb->entry = rd32(p + off + 28);
		if (load_addr > header_addr || header_addr - load_addr > (uint32_t)off)
			return fail(err, errlen, "header_addr/load_addr inconsistent");
		uint64_t file_off = (uint64_t)off - (header_addr - load_addr);
		uint64_t filesz = load_end ? (uint64_t)load_end - load_addr
					   : len - file_off;
		if (load_end && load_end < load_addr)
			return fail(err, errlen, "load_end_addr below load_addr");
		uint64_t memsz = filesz;
		if (bss_end) {
			if (bss_end < load_addr + filesz)
				return fail(err, errlen, "bss_end_addr below the loaded data");
			memsz = (uint64_t)bss_end - load_addr;
		}
		if (add_load(mb, file_off, load_addr, filesz, memsz, len, gm, err, errlen))
			return -1;
	} else if (parse_elf(p, len, gm, mb, err, errlen)) {
		return -1;
	}
	for (unsigned int i = 0; i < mb->nloads; i++) {
		const struct mb_segment *s = &mb->loads[i];
		if (mb->entry >= s->paddr && mb->entry < s->paddr + s->memsz)
			return 0;
	}
	return fail(err, errlen, "the entry point is outside what the image loads");
}

/* The information's places (below 1 MiB), with room for the command line. */
static int plan_info(struct mb_layout *ml, size_t cmdline_len, char *err, size_t errlen)
{
	memset(ml, 0, sizeof(*ml));
	ml->info = MB_INFO;
	ml->mmap = MB_MMAP;
	ml->mods = MB_MODS;
	ml->strings = MB_STRINGS;
	if (cmdline_len + 256 > MB_STRINGS_MAX)
		return fail(err, errlen, "command line too long");
	return 0;
}

int multiboot_plan(const struct multiboot_image *mb, const struct guest_mem *gm,
		   size_t cmdline_len, uint64_t initrd_size, struct mb_layout *ml,
		   char *err, size_t errlen)
{
	if (plan_info(ml, cmdline_len, err, errlen))
		return -1;
	if (initrd_size) {
		uint64_t low = guest_mem_low_size(gm);
		uint64_t start = (low - (initrd_size < low ? initrd_size : low)) & ~(PAGE - 1);
		if (initrd_size > low || start < ((mb->load_end + PAGE - 1) & ~(PAGE - 1))) {
			snprintf(err, errlen, "initrd too large: %llu bytes do not fit above "
				 "the image in %llu MiB (raise -m/--mem)",
				 (unsigned long long)initrd_size,
				 (unsigned long long)(low / MIB));
			return -1;
		}
		ml->module = start;
		ml->module_size = initrd_size;
	}
	return 0;
}

uint64_t multiboot_load_start(const struct multiboot_image *mb)
{
	uint64_t lo = UINT64_MAX;
	for (unsigned int i = 0; i < mb->nloads; i++)
		if (mb->loads[i].paddr < lo)
			lo = mb->loads[i].paddr;
	return lo;
}

int multiboot_fw_plan(const struct multiboot_image *mb, uint64_t top, size_t cmdline_len,
		      uint64_t initrd_size, struct mb_layout *ml, char *err, size_t errlen)
{
	if (plan_info(ml, cmdline_len, err, errlen))
		return -1;
	/* Below 1 MiB are the firmware and the information. */
	if (multiboot_load_start(mb) < MIB)
		return fail(err, errlen, "--bios: the image loads below 1 MiB, where "
			    "the firmware lives");
	uint64_t start = (mb->load_end + PAGE - 1) & ~(PAGE - 1);
	if (start + initrd_size > top || start + initrd_size < start) {
		snprintf(err, errlen, "--bios: the image and its module (%llu bytes) do not "
			 "fit below %llu MiB, under the firmware's reserve (raise -m/--mem)",
			 (unsigned long long)initrd_size, (unsigned long long)(top / MIB));
		return -1;
	}
	if (initrd_size) {
		ml->module = start;
		ml->module_size = initrd_size;
	}
	return 0;
}

int multiboot_load(const struct multiboot_image *mb, const struct guest_mem *gm)
{
	for (unsigned int i = 0; i < mb->nloads; i++) {
		const struct mb_segment *s = &mb->loads[i];
		uint8_t *dst = guest_mem_hva(gm, s->paddr, s->memsz);
		if (!dst)
			return -1;
		memcpy(dst, mb->file + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

/* Appends s at *pos in the strings area; returns its address, 0 if full. */
static uint32_t put_string(const struct guest_mem *gm, uint64_t *pos, const char *s)
{
	size_t n = strlen(s) + 1;
	uint8_t *dst = guest_mem_hva(gm, *pos, n);
	if (!dst || *pos + n > MB_STRINGS + MB_STRINGS_MAX)
		return 0;
	memcpy(dst, s, n);
	uint32_t at = (uint32_t)*pos;
	*pos += n;
	return at;
}

int multiboot_write_info(const struct mb_layout *ml, const struct guest_mem *gm,
			 const char *cmdline, const char *mod_name,
			 const struct e820_entry *e820, unsigned int ne820)
{
	uint8_t *info = guest_mem_hva(gm, ml->info, MBI_SIZE);
	uint8_t *mmap = guest_mem_hva(gm, ml->mmap, 24ULL * E820_MAX);
	uint8_t *mods = guest_mem_hva(gm, ml->mods, 16);
	if (!info || !mmap || !mods || ne820 > E820_MAX)
		return -1;
	memset(info, 0, MBI_SIZE);
	uint32_t flags = MBI_MEMORY | MBI_MMAP | MBI_CMDLINE | MBI_LOADER_NAME;
	/* mem_lower: KiB below 640 KiB; mem_upper: KiB from 1 MiB to the
	 * first hole. */
	uint64_t upper = 0;
	for (unsigned int i = 0; i < ne820; i++) {
		const struct e820_entry *e = &e820[i];
		if (e->type == E820_RAM && e->addr == MIB)
			upper = e->size / 1024;
		uint8_t *m = mmap + 24 * i;
		wr32(m, 20); /* size of the rest of the entry */
		wr64(m + 4, e->addr);
		wr64(m + 12, e->size);
		wr32(m + 20, e->type);
	}
	wr32(info + MBI_MEM_LOWER, 639);
	wr32(info + MBI_MEM_UPPER, (uint32_t)(upper > 0xffffffffu ? 0xffffffffu : upper));
	wr32(info + MBI_MMAP_LENGTH, 24 * ne820);
	wr32(info + MBI_MMAP_ADDR, (uint32_t)ml->mmap);
	uint64_t pos = ml->strings;
	uint32_t cmd = put_string(gm, &pos, cmdline);
	uint32_t name = put_string(gm, &pos, "umbra");
	uint32_t modstr = put_string(gm, &pos, mod_name ? mod_name : "");
	if (!cmd || !name || !modstr)
		return -1;
	wr32(info + MBI_CMDLINE_PTR, cmd);
	wr32(info + MBI_LOADER_NAME_PTR, name);
	if (ml->module_size) {
		flags |= MBI_MODS;
		wr32(mods, (uint32_t)ml->module);
		wr32(mods + 4, (uint32_t)(ml->module + ml->module_size));
		wr32(mods + 8, modstr);
		wr32(mods + 12, 0);
		wr32(info + MBI_MODS_COUNT, 1);
		wr32(info + MBI_MODS_ADDR, (uint32_t)ml->mods);
	}
	wr32(info + MBI_FLAGS, flags);
	return 0;
}
