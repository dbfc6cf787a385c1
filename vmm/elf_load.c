/* SPDX-License-Identifier: MIT */
/* Validation and loading of the guest kernel ELF. Every field of the file is
 * untrusted: all offset and address arithmetic is checked for overflow. */
#include "elf_load.h"

#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <umbra/boot.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Whether [off, off + n) lies inside a file of len bytes. */
static bool in_file(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* Whether [a, a + an) and [b, b + bn) intersect; the ends do not wrap. */
static bool overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

static int check_header(const Elf64_Ehdr *eh, size_t len, char *err, size_t errlen)
{
	const unsigned char *id = eh->e_ident;
	if (id[EI_CLASS] == ELFCLASS32)
		return fail(err, errlen, "32-bit ELF; umbra boots 64-bit x86-64 kernels");
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "bad ELF class %u; want a 64-bit ELF", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "not a little-endian ELF; want x86-64");
	if (id[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(err, errlen, "unknown ELF version %u", id[EI_VERSION]);
	if (eh->e_machine != EM_X86_64)
		return fail(err, errlen, "ELF machine %u is not x86-64 (%u)",
			    eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_EXEC)
		return fail(err, errlen, "ELF type %u is not an executable (ET_EXEC); "
			    "link the kernel static, not PIE", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(err, errlen, "program header size %u; want %zu",
			    eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0 || eh->e_phnum == PN_XNUM)
		return fail(err, errlen, "%s program headers",
			    eh->e_phnum ? "too many" : "no");
	/* Starting inside the file but reaching past its end: a file cut
	 * short; starting beyond it: a corrupt header. */
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return fail(err, errlen, "%sprogram headers (offset 0x%llx, %u x %zu "
			    "bytes) %s the file (%zu bytes)",
			    eh->e_phoff < len ? "truncated: " : "",
			    (unsigned long long)eh->e_phoff, eh->e_phnum, sizeof(Elf64_Phdr),
			    eh->e_phoff < len ? "reach outside" : "lie outside", len);
	/* The section headers are not needed, but their table sits at the end
	 * of the file: beyond the end means the file was cut short. */
	if (eh->e_shoff && eh->e_shnum &&
	    !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * eh->e_shentsize, len))
		return fail(err, errlen, "truncated: the section headers (offset "
			    "0x%llx) end past the end of the file (%zu bytes)",
			    (unsigned long long)eh->e_shoff, len);
	return 0;
}

static int check_segment(const Elf64_Phdr *ph, unsigned int i, size_t len,
			 const struct guest_mem *gm, const struct boot_layout *bl,
			 char *err, size_t errlen)
{
	unsigned long long pa = ph->p_paddr, memsz = ph->p_memsz;
	if (ph->p_filesz > ph->p_memsz)
		return fail(err, errlen, "segment %u: file size 0x%llx exceeds its "
			    "memory size 0x%llx", i, (unsigned long long)ph->p_filesz, memsz);
	if (!in_file(ph->p_offset, ph->p_filesz, len))
		return fail(err, errlen, "truncated: segment %u's data (offset 0x%llx, "
			    "0x%llx bytes) ends past the end of the file (%zu bytes)",
			    i, (unsigned long long)ph->p_offset,
			    (unsigned long long)ph->p_filesz, len);
	if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
		return fail(err, errlen, "segment %u: virtual range wraps around", i);
	if (pa < UMBRA_KERNEL_MIN_PADDR)
		return fail(err, errlen, "segment %u at paddr 0x%llx overlaps the VMM's "
			    "boot area (kernel segments start at or above 0x%llx)",
			    i, pa, UMBRA_KERNEL_MIN_PADDR);
	if (!guest_mem_contains(gm, pa, memsz))
		return fail(err, errlen, "segment %u (paddr 0x%llx, 0x%llx bytes) lies "
			    "outside guest RAM (%llu MiB)", i, pa, memsz,
			    (unsigned long long)(gm->total >> 20));
	if (overlap(pa, memsz, bl->fdt_gpa, bl->area_end - bl->fdt_gpa))
		return fail(err, errlen, "segment %u (paddr 0x%llx-0x%llx) overlaps the "
			    "FDT/initrd area at 0x%llx-0x%llx (raise -m/--mem)",
			    i, pa, pa + memsz, (unsigned long long)bl->fdt_gpa,
			    (unsigned long long)bl->area_end);
	return 0;
}

/* The kernel runs from the boot page tables until it builds its own: every
 * byte of a segment must be mapped to where it is loaded. Both maps are one
 * linear offset, so the first and the last byte settle the range. */
static int check_mapped(const Elf64_Phdr *ph, unsigned int i,
			const struct guest_mem *gm, char *err, size_t errlen)
{
	unsigned long long pa = ph->p_paddr, memsz = ph->p_memsz;
	uint64_t first, last;
	if (boot_translate(gm, ph->p_vaddr, &first) != 0 || first != pa ||
	    boot_translate(gm, ph->p_vaddr + memsz - 1, &last) != 0 ||
	    last != pa + memsz - 1)
		return fail(err, errlen, "segment %u (vaddr 0x%llx, paddr 0x%llx, 0x%llx "
			    "bytes) is not mapped there at boot: link the kernel at its "
			    "physical address or at 0x%llx plus it", i,
			    (unsigned long long)ph->p_vaddr, pa, memsz, UMBRA_KERNEL_VBASE);
	return 0;
}

/* The entry point must be in an executable segment, and the boot page
 * tables must map it to where that segment is loaded. */
static int check_entry(const struct elf_image *img, const struct guest_mem *gm,
		       char *err, size_t errlen)
{
	unsigned long long entry = img->entry;
	for (unsigned int i = 0; i < img->nloads; i++) {
		const struct elf_segment *s = &img->loads[i];
		if (!(s->flags & PF_X) || entry < s->vaddr || entry - s->vaddr >= s->memsz)
			continue;
		uint64_t want = s->paddr + (entry - s->vaddr), pa;
		if (boot_translate(gm, entry, &pa) != 0 || pa != want)
			return fail(err, errlen, "entry point 0x%llx (paddr 0x%llx) is not "
				    "mapped there at boot: link the kernel at its physical "
				    "address or at 0x%llx plus it", entry,
				    (unsigned long long)want, UMBRA_KERNEL_VBASE);
		return 0;
	}
	return fail(err, errlen, "entry point 0x%llx is not inside an executable "
		    "segment", entry);
}

/* Xen's ELF note naming the PVH entry (Linux's and QEMU's PVH boot). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* The PVH entry in the notes of a PT_NOTE segment, if any; a malformed note
 * list ends the search (the note is optional, the segment untrusted). */
static uint32_t find_pvh_entry(const uint8_t *file, size_t len, const Elf64_Phdr *ph)
{
	if (!in_file(ph->p_offset, ph->p_filesz, len))
		return 0;
	const uint8_t *p = file + ph->p_offset, *end = p + ph->p_filesz;
	while ((size_t)(end - p) >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, p, sizeof(nh));
		p += sizeof(nh);
		uint64_t name = (nh.n_namesz + 3ULL) & ~3ULL, desc = (nh.n_descsz + 3ULL) & ~3ULL;
		if (name > (size_t)(end - p) || desc > (size_t)(end - p) - name)
			return 0;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    !memcmp(p, "Xen", 4) && nh.n_descsz >= 4) {
			uint32_t entry;
			memcpy(&entry, p + name, sizeof(entry));
			return entry;
		}
		p += name + desc;
	}
	return 0;
}

int elf_check(const void *buf, size_t len, const struct guest_mem *gm,
	      const struct boot_layout *bl, struct elf_image *img, char *err,
	      size_t errlen)
{
	const uint8_t *file = buf;
	size_t magic = len < SELFMAG ? len : SELFMAG;
	if (memcmp(file, ELFMAG, magic) != 0)
		return fail(err, errlen, "not an ELF file");
	if (len < sizeof(Elf64_Ehdr))
		return fail(err, errlen, "truncated ELF header (%zu bytes; an ELF64 "
			    "header has %zu)", len, sizeof(Elf64_Ehdr));
	Elf64_Ehdr eh;
	memcpy(&eh, file, sizeof(eh)); /* the buffer need not be aligned */
	if (check_header(&eh, len, err, errlen) != 0)
		return -1;

	memset(img, 0, sizeof(*img));
	img->file = file;
	img->file_len = len;
	img->entry = eh.e_entry;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, file + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE && !img->pvh_entry)
			img->pvh_entry = find_pvh_entry(file, len, &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		if (check_segment(&ph, i, len, gm, bl, err, errlen) != 0)
			return -1;
		if (ph.p_memsz == 0)
			continue;
		for (unsigned int j = 0; j < img->nloads; j++) {
			const struct elf_segment *o = &img->loads[j];
			if (overlap(ph.p_paddr, ph.p_memsz, o->paddr, o->memsz))
				return fail(err, errlen, "segment %u (paddr 0x%llx) overlaps "
					    "an earlier segment (paddr 0x%llx)", i,
					    (unsigned long long)ph.p_paddr,
					    (unsigned long long)o->paddr);
		}
		if (check_mapped(&ph, i, gm, err, errlen) != 0)
			return -1;
		if (img->nloads == ELF_MAX_LOADS)
			return fail(err, errlen, "more than %d loadable segments",
				    ELF_MAX_LOADS);
		img->loads[img->nloads++] = (struct elf_segment){
			.offset = ph.p_offset, .paddr = ph.p_paddr,
			.vaddr = ph.p_vaddr, .filesz = ph.p_filesz,
			.memsz = ph.p_memsz, .flags = ph.p_flags,
		};
	}
	if (img->nloads == 0)
		return fail(err, errlen, "no loadable segment");
	if (img->pvh_entry) {
		bool found = false;
		for (unsigned int j = 0; j < img->nloads; j++) {
			const struct elf_segment *s = &img->loads[j];
			if ((s->flags & PF_X) && img->pvh_entry >= s->paddr &&
			    img->pvh_entry - s->paddr < s->memsz)
				found = true;
		}
		if (!found)
			return fail(err, errlen, "the PVH entry note's address 0x%x is not "
				    "inside an executable segment", img->pvh_entry);
	}
	return check_entry(img, gm, err, errlen);
}

int elf_load(const struct elf_image *img, const struct guest_mem *gm)
{
	for (unsigned int i = 0; i < img->nloads; i++) {
		const struct elf_segment *s = &img->loads[i];
		uint8_t *dst = guest_mem_hva(gm, s->paddr, s->memsz);
		if (!dst || !in_file(s->offset, s->filesz, img->file_len))
			return -1;
		memcpy(dst, img->file + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}
