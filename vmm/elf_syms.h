/* SPDX-License-Identifier: MIT */
/*
 * Function names of an ELF64 image's symbol table, to say where a CPU was
 * (a nested run stopped while it hung, nested_monitor.h). Hosted C.
 */
#ifndef UMBRA_VMM_ELF_SYMS_H
#define UMBRA_VMM_ELF_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_sym {
	uint64_t addr;
	uint32_t name; /* offset in names */
};

struct elf_syms {
	struct elf_sym *v; /* sorted by addr */
	size_t n;
	char *names;
	/* The executable sections' span: an address in it is the image's
	 * code, named or not. */
	uint64_t text_lo, text_hi;
};

/*
 * Reads the code symbols (functions, and untyped labels in executable
 * sections, as assembly entry points are) of the ELF64 file image buf[0,
 * len). 0, or -1 when the file has no symbol table or is malformed; s is
 * then empty, and elf_syms_free is still fine on it.
 */
int elf_syms_read(const void *buf, size_t len, struct elf_syms *s);
/* The same, of the file at path. */
int elf_syms_load(const char *path, struct elf_syms *s);
void elf_syms_free(struct elf_syms *s);

/* True when addr is in the image's code; *name and *off then say which
 * symbol it is in (*name NULL: before the first one). */
bool elf_syms_find(const struct elf_syms *s, uint64_t addr, const char **name,
		   uint64_t *off);

#endif
