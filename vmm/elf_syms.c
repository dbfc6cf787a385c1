/* SPDX-License-Identifier: MIT */
/* Code symbols of an ELF64 image (see elf_syms.h). */
#include "elf_syms.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"

/* [off, off + n * size) inside a file of len bytes, without overflow. */
/* A kernel image is far smaller (main.c takes at most 256 MiB). */
#define ELF_SYMS_FILE_MAX (256ull << 20)

static bool in_file(uint64_t off, uint64_t n, uint64_t size, size_t len)
{
	return off <= len && (size == 0 || n <= (len - off) / size);
}

static int by_addr(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int elf_syms_read(const void *buf, size_t len, struct elf_syms *s)
{
	memset(s, 0, sizeof(*s));
	const uint8_t *file = buf;
	/* Headers and symbols are copied out: the file's offsets need not be
	 * aligned for the structs. */
	Elf64_Ehdr ehdr, *eh = &ehdr;
	if (len < sizeof(ehdr))
		return -1;
	memcpy(&ehdr, buf, sizeof(ehdr));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(eh->e_shoff, eh->e_shnum, sizeof(Elf64_Shdr), len))
		return -1;
	Elf64_Shdr *sh = malloc((eh->e_shnum ? eh->e_shnum : 1) * sizeof(*sh));
	if (!sh)
		return -1;
	memcpy(sh, file + eh->e_shoff, eh->e_shnum * sizeof(*sh));
	const Elf64_Shdr *symtab = NULL;
	s->text_lo = UINT64_MAX;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB && !symtab)
			symtab = &sh[i];
		if ((sh[i].sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) ==
		    (SHF_ALLOC | SHF_EXECINSTR) && sh[i].sh_size &&
		    sh[i].sh_addr + sh[i].sh_size > sh[i].sh_addr) {
			if (sh[i].sh_addr < s->text_lo)
				s->text_lo = sh[i].sh_addr;
			if (sh[i].sh_addr + sh[i].sh_size > s->text_hi)
				s->text_hi = sh[i].sh_addr + sh[i].sh_size;
		}
	}
	if (!symtab || symtab->sh_entsize != sizeof(Elf64_Sym) ||
	    symtab->sh_link >= eh->e_shnum || s->text_hi == 0)
		goto bad;
	const Elf64_Shdr *strtab = &sh[symtab->sh_link];
	uint64_t nsyms = symtab->sh_size / sizeof(Elf64_Sym);
	if (!in_file(symtab->sh_offset, nsyms, sizeof(Elf64_Sym), len) ||
	    !in_file(strtab->sh_offset, strtab->sh_size, 1, len) || strtab->sh_size == 0)
		goto bad;
	const uint8_t *syms = file + symtab->sh_offset;
	const char *str = (const char *)(file + strtab->sh_offset);
	s->v = calloc(nsyms ? nsyms : 1, sizeof(*s->v));
	s->names = malloc(strtab->sh_size + 1);
	if (!s->v || !s->names)
		goto bad;
	memcpy(s->names, str, strtab->sh_size);
	s->names[strtab->sh_size] = '\0'; /* a table without its last NUL */
	for (uint64_t i = 0; i < nsyms; i++) {
		Elf64_Sym sym;
		memcpy(&sym, syms + i * sizeof(sym), sizeof(sym));
		unsigned type = ELF64_ST_TYPE(sym.st_info);
		uint16_t shndx = sym.st_shndx;
		bool code = type == STT_FUNC ||
			    (type == STT_NOTYPE && shndx != SHN_UNDEF && shndx < eh->e_shnum &&
			     (sh[shndx].sh_flags & SHF_EXECINSTR));
		if (!code || sym.st_name == 0 || sym.st_name >= strtab->sh_size ||
		    sym.st_value < s->text_lo || sym.st_value >= s->text_hi)
			continue;
		s->v[s->n++] = (struct elf_sym){sym.st_value, sym.st_name};
	}
	free(sh);
	qsort(s->v, s->n, sizeof(*s->v), by_addr);
	return 0;
bad:
	free(sh);
	elf_syms_free(s);
	return -1;
}

int elf_syms_load(const char *path, struct elf_syms *s)
{
	memset(s, 0, sizeof(*s));
	uint64_t size;
	void *buf = read_file(path, ELF_SYMS_FILE_MAX, &size);
	int r = buf ? elf_syms_read(buf, (size_t)size, s) : -1;
	free(buf);
	return r;
}

void elf_syms_free(struct elf_syms *s)
{
	free(s->v);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

bool elf_syms_find(const struct elf_syms *s, uint64_t addr, const char **name,
		   uint64_t *off)
{
	if (!s->v || addr < s->text_lo || addr >= s->text_hi)
		return false;
	/* The last symbol at or below addr. */
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*name = lo ? s->names + s->v[lo - 1].name : NULL;
	*off = lo ? addr - s->v[lo - 1].addr : addr - s->text_lo;
	return true;
}
