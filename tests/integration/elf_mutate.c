/* SPDX-License-Identifier: MIT */
/*
 * Makes malformed variants of an ELF64 image for the VMM's bad-input tests:
 *   elf_mutate IN OUT machine N     e_machine = N
 *   elf_mutate IN OUT class32       EI_CLASS = ELFCLASS32
 *   elf_mutate IN OUT type N        e_type = N
 *   elf_mutate IN OUT entry ADDR    e_entry = ADDR
 *   elf_mutate IN OUT phoff OFF     e_phoff = OFF
 *   elf_mutate IN OUT paddr ADDR    p_paddr of the first PT_LOAD = ADDR
 *   elf_mutate IN OUT filesz N      p_filesz of the first PT_LOAD = N
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *msg)
{
	fprintf(stderr, "elf_mutate: %s\n", msg);
	exit(2);
}

static Elf64_Phdr *first_load(unsigned char *img, size_t len)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		size_t off = eh->e_phoff + (size_t)i * sizeof(Elf64_Phdr);
		if (off + sizeof(Elf64_Phdr) > len)
			die("program header outside the file");
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + off);
		if (ph->p_type == PT_LOAD)
			return ph;
	}
	die("no PT_LOAD");
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		die("usage: elf_mutate IN OUT MUTATION [VALUE]");
	FILE *in = fopen(argv[1], "rb");
	if (!in)
		die(strerror(errno));
	static unsigned char img[64 << 20];
	size_t len = fread(img, 1, sizeof(img), in);
	fclose(in);
	if (len < sizeof(Elf64_Ehdr) || memcmp(img, ELFMAG, SELFMAG))
		die("input is not an ELF file");

	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	const char *what = argv[3];
	unsigned long long v = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;
	if (!strcmp(what, "machine"))
		eh->e_machine = (Elf64_Half)v;
	else if (!strcmp(what, "class32"))
		img[EI_CLASS] = ELFCLASS32;
	else if (!strcmp(what, "type"))
		eh->e_type = (Elf64_Half)v;
	else if (!strcmp(what, "entry"))
		eh->e_entry = v;
	else if (!strcmp(what, "phoff"))
		eh->e_phoff = v;
	else if (!strcmp(what, "paddr"))
		first_load(img, len)->p_paddr = v;
	else if (!strcmp(what, "filesz"))
		first_load(img, len)->p_filesz = v;
	else
		die("unknown mutation");

	FILE *out = fopen(argv[2], "wb");
	if (!out || fwrite(img, 1, len, out) != len || fclose(out))
		die("cannot write output");
	return 0;
}
