/* SPDX-License-Identifier: MIT */
/* The kernel ELF loader: a good image loads to the right guest-physical
 * addresses with .bss zeroed; every kind of bad image is rejected with a
 * message naming the problem. Images are built in memory. */
#include "test.h"

#include <elf.h>
#include <stdint.h>

#include <umbra/boot.h>

#include "boot.h"
#include "elf_load.h"
#include "guest_mem.h"

#define VBASE UMBRA_KERNEL_VBASE
#define TEXT_PA 0x100000ULL
#define DATA_PA 0x101000ULL
#define FILE_LEN 0x3040

/* A small kernel: text (RX, 4 KiB of 0xaa), data (RW, 256 bytes of 0xbb
 * then 0x2f00 bytes of .bss), a PT_NOTE, one section header at the end. */
struct kimg {
	union {
		uint8_t bytes[FILE_LEN];
		Elf64_Ehdr eh;
	};
};

static Elf64_Phdr *phdr(struct kimg *k, unsigned int i)
{
	return (Elf64_Phdr *)(k->bytes + sizeof(Elf64_Ehdr)) + i;
}

static void make_kernel(struct kimg *k)
{
	memset(k, 0, sizeof(*k));
	Elf64_Ehdr *eh = &k->eh;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = VBASE + TEXT_PA + 0x10;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_shoff = 0x3000;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 3;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 1;
	*phdr(k, 0) = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = 0x1000, .p_vaddr = VBASE + TEXT_PA, .p_paddr = TEXT_PA,
		.p_filesz = 0x1000, .p_memsz = 0x1000, .p_align = 0x1000};
	*phdr(k, 1) = (Elf64_Phdr){.p_type = PT_NOTE, .p_flags = PF_R,
		.p_offset = 0x200, .p_filesz = 0x20, .p_memsz = 0x20};
	*phdr(k, 2) = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W,
		.p_offset = 0x2000, .p_vaddr = VBASE + DATA_PA, .p_paddr = DATA_PA,
		.p_filesz = 0x100, .p_memsz = 0x3000, .p_align = 0x1000};
	memset(k->bytes + 0x1000, 0xaa, 0x1000);
	memset(k->bytes + 0x2000, 0xbb, 0x100);
}

struct env {
	struct guest_mem gm;
	struct boot_layout bl;
};

static void env_init(struct env *e, uint64_t mem, uint64_t initrd)
{
	char err[256];
	guest_mem_layout(&e->gm, mem);
	if (boot_plan(&e->gm, initrd, &e->bl, err, sizeof(err)) != 0)
		fprintf(stderr, "  boot_plan: %s\n", err);
}

TEST(elf_good_kernel_loads_to_paddr_with_bss_zeroed)
{
	struct kimg k;
	make_kernel(&k);
	struct env e;
	env_init(&e, 32 << 20, 0);
	struct elf_image img;
	char err[256] = "";
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), 0);
	CHECK_STREQ(err, "");
	CHECK_EQ(img.nloads, 2);
	CHECK_EQ(img.entry, VBASE + TEXT_PA + 0x10);
	CHECK_EQ(img.loads[0].paddr, TEXT_PA);
	CHECK_EQ(img.loads[1].paddr, DATA_PA);
	CHECK_EQ(img.loads[1].memsz, 0x3000);

	CHECK_EQ(guest_mem_map(&e.gm), 0);
	uint8_t *ram = guest_mem_hva(&e.gm, 0, 32 << 20);
	CHECK(ram != NULL);
	if (!ram)
		return;
	/* Garbage where the image goes: loading must overwrite all of it. */
	memset(ram + TEXT_PA - 0x1000, 0xcc, 0x6000);
	CHECK_EQ(elf_load(&img, &e.gm), 0);
	int text_ok = 1, data_ok = 1, bss_ok = 1;
	for (size_t i = 0; i < 0x1000; i++)
		text_ok &= ram[TEXT_PA + i] == 0xaa;
	for (size_t i = 0; i < 0x100; i++)
		data_ok &= ram[DATA_PA + i] == 0xbb;
	for (size_t i = 0x100; i < 0x3000; i++)
		bss_ok &= ram[DATA_PA + i] == 0;
	CHECK(text_ok);
	CHECK(data_ok);
	CHECK(bss_ok);
	/* Nothing outside the segments was touched. */
	CHECK_EQ(ram[TEXT_PA - 1], 0xcc);
	CHECK_EQ(ram[DATA_PA + 0x3000], 0xcc);
	guest_mem_unmap(&e.gm);
}

TEST(elf_identity_linked_and_high_ram_kernels)
{
	struct kimg k;
	char err[256] = "";
	struct elf_image img;
	struct env e;
	/* Linked at its physical address (VA == PA). */
	make_kernel(&k);
	phdr(&k, 0)->p_vaddr = TEXT_PA;
	phdr(&k, 2)->p_vaddr = DATA_PA;
	k.eh.e_entry = TEXT_PA;
	env_init(&e, 32 << 20, 0);
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), 0);
	/* In RAM above 4 GiB, identity-linked: fine. */
	env_init(&e, 5ULL << 30, 0);
	phdr(&k, 0)->p_paddr = phdr(&k, 0)->p_vaddr = UMBRA_HIGH_RAM_START + 0x200000;
	k.eh.e_entry = UMBRA_HIGH_RAM_START + 0x200000;
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), 0);
	CHECK_STREQ(err, "");
}

/* The kernel, changed by one mutation, must be rejected with want in the
 * message (one line). */
#define REJECT(mem, initrd, len, want, ...)                                    \
	do {                                                                   \
		struct kimg k;                                                 \
		make_kernel(&k);                                               \
		Elf64_Ehdr *eh = &k.eh;                                        \
		(void)eh;                                                      \
		__VA_ARGS__;                                                   \
		struct env e;                                                  \
		env_init(&e, (mem), (initrd));                                 \
		struct elf_image img;                                          \
		char err[256] = "";                                            \
		CHECK_EQ(elf_check(k.bytes, (len), &e.gm, &e.bl, &img, err,   \
				   sizeof(err)), -1);                          \
		if (!strstr(err, (want))) {                                    \
			fprintf(stderr, "  %s:%d: error \"%s\" lacks \"%s\"\n", \
				__FILE__, __LINE__, err, (want));              \
			*failed_ = 1;                                          \
		}                                                              \
		CHECK(strchr(err, '\n') == NULL);                              \
	} while (0)

#define M32 (32ULL << 20)

TEST(elf_rejects_bad_files)
{
	REJECT(M32, 0, 0, "truncated ELF header", (void)0);
	REJECT(M32, 0, 3, "truncated ELF header", (void)0);
	REJECT(M32, 0, 63, "truncated ELF header", (void)0);
	REJECT(M32, 0, FILE_LEN, "not an ELF file", memcpy(k.bytes, "this is text", 12));
	REJECT(M32, 0, 2, "not an ELF file", k.bytes[1] = 'X');
	REJECT(M32, 0, FILE_LEN, "64-bit", eh->e_ident[EI_CLASS] = ELFCLASS32);
	REJECT(M32, 0, FILE_LEN, "64-bit", eh->e_ident[EI_CLASS] = 7);
	REJECT(M32, 0, FILE_LEN, "little-endian", eh->e_ident[EI_DATA] = ELFDATA2MSB);
	REJECT(M32, 0, FILE_LEN, "version", eh->e_version = 2);
	REJECT(M32, 0, FILE_LEN, "not x86-64", eh->e_machine = EM_AARCH64);
	REJECT(M32, 0, FILE_LEN, "ET_EXEC", eh->e_type = ET_DYN);
	REJECT(M32, 0, FILE_LEN, "ET_EXEC", eh->e_type = ET_REL);
	REJECT(M32, 0, FILE_LEN, "program header size", eh->e_phentsize = 32);
	REJECT(M32, 0, FILE_LEN, "no program headers", eh->e_phnum = 0);
	REJECT(M32, 0, FILE_LEN, "program headers (offset 0x7fffffff, 3 x 56 bytes) lie outside",
	       eh->e_phoff = 0x7fffffff);
	REJECT(M32, 0, FILE_LEN, "program headers", eh->e_phoff = UINT64_MAX - 8);
	REJECT(M32, 0, FILE_LEN, "truncated: program headers", eh->e_phoff = FILE_LEN - 100);
	REJECT(M32, 0, 100, "truncated: program headers (offset 0x40, 3 x 56 bytes) "
	       "reach outside the file (100 bytes)", (void)0);
	REJECT(M32, 0, FILE_LEN, "program headers", eh->e_phnum = 0xfffe);
	REJECT(M32, 0, FILE_LEN, "no loadable segment",
	       phdr(&k, 0)->p_type = PT_NULL; phdr(&k, 2)->p_type = PT_NOTE);
}

TEST(elf_rejects_truncated_files)
{
	/* Cut in the section headers, and in the segments' data. */
	REJECT(M32, 0, FILE_LEN - 1, "truncated", (void)0);
	REJECT(M32, 0, 0x2080, "truncated", eh->e_shnum = 0);
	REJECT(M32, 0, 0x1800, "truncated", eh->e_shnum = 0);
	REJECT(M32, 0, FILE_LEN, "truncated", phdr(&k, 0)->p_offset = UINT64_MAX - 0x100);
	REJECT(M32, 0, FILE_LEN, "truncated", phdr(&k, 2)->p_filesz = phdr(&k, 2)->p_memsz = 0x2000);
	REJECT(M32, 0, FILE_LEN, "truncated", eh->e_shoff = UINT64_MAX - 0x10);
}

TEST(elf_rejects_bad_segments)
{
	REJECT(M32, 0, FILE_LEN, "exceeds its memory size", phdr(&k, 2)->p_filesz = 0x3001);
	REJECT(M32, 0, FILE_LEN, "boot area",
	       phdr(&k, 0)->p_paddr = 0x1000);
	REJECT(M32, 0, FILE_LEN, "boot area",
	       phdr(&k, 0)->p_paddr = UMBRA_KERNEL_MIN_PADDR - 0x1000);
	REJECT(M32, 0, FILE_LEN, "outside guest RAM",
	       phdr(&k, 0)->p_paddr = 0x7fff0000000ULL);
	REJECT(M32, 0, FILE_LEN, "outside guest RAM",
	       phdr(&k, 2)->p_paddr = UINT64_MAX - 0x1000);
	REJECT(M32, 0, FILE_LEN, "outside guest RAM",
	       phdr(&k, 2)->p_vaddr = DATA_PA; phdr(&k, 2)->p_memsz = 1ULL << 40);
	/* Across the end of low RAM into the MMIO hole. */
	REJECT(5ULL << 30, 0, FILE_LEN, "outside guest RAM",
	       phdr(&k, 2)->p_paddr = UMBRA_LOW_RAM_MAX - 0x1000);
	/* Into the FDT slot at the top of RAM, and into an initrd below it. */
	REJECT(M32, 0, FILE_LEN, "FDT/initrd",
	       phdr(&k, 2)->p_paddr = M32 - BOOT_FDT_MAX - 0x1000);
	REJECT(M32, 8 << 20, FILE_LEN, "FDT/initrd",
	       phdr(&k, 2)->p_paddr = M32 - (6 << 20));
	REJECT(M32, 0, FILE_LEN, "overlaps an earlier segment",
	       phdr(&k, 2)->p_paddr = TEXT_PA + 0xfff);
	REJECT(M32, 0, FILE_LEN, "wraps",
	       phdr(&k, 2)->p_vaddr = UINT64_MAX - 0x100);
}

TEST(elf_rejects_bad_entry)
{
	REJECT(M32, 0, FILE_LEN, "entry point 0x12345 is not inside an executable segment",
	       eh->e_entry = 0x12345);
	/* In the data segment, which is not executable. */
	REJECT(M32, 0, FILE_LEN, "entry point", eh->e_entry = VBASE + DATA_PA);
	/* One past the text segment. */
	REJECT(M32, 0, FILE_LEN, "entry point", eh->e_entry = VBASE + TEXT_PA + 0x1000);
	/* Linked at an address the boot page tables do not map to its paddr. */
	REJECT(M32, 0, FILE_LEN, "not mapped there at boot",
	       phdr(&k, 0)->p_vaddr = 0x400000; eh->e_entry = 0x400010);
	REJECT(M32, 0, FILE_LEN, "not mapped there at boot",
	       phdr(&k, 0)->p_vaddr = 0xffff800000100000ULL;
	       eh->e_entry = 0xffff800000100010ULL);
}

/* Every PT_LOAD, not just the one holding the entry point, must be mapped
 * to its paddr by the boot page tables, at both ends. */
TEST(elf_rejects_unmapped_segments)
{
	/* The data segment linked at an identity address for another paddr. */
	REJECT(M32, 0, FILE_LEN, "segment 2 (vaddr 0x400000, paddr 0x101000, 0x3000 "
	       "bytes) is not mapped there at boot",
	       phdr(&k, 2)->p_vaddr = 0x400000);
	/* Outside both boot maps. */
	REJECT(M32, 0, FILE_LEN, "segment 2", phdr(&k, 2)->p_vaddr = 0xffff800000101000ULL);
	/* First byte right, last byte past the 1 GiB kernel map (RAM is 64G). */
	REJECT(64ULL << 30, 0, FILE_LEN, "segment 2",
	       phdr(&k, 2)->p_paddr = UMBRA_KERNEL_MAP_SIZE - 0x1000;
	       phdr(&k, 2)->p_vaddr = VBASE + UMBRA_KERNEL_MAP_SIZE - 0x1000);
	/* Identity-linked data with a kernel-map text is fine. */
	struct kimg k;
	struct env e;
	struct elf_image img;
	char err[256] = "";
	make_kernel(&k);
	phdr(&k, 2)->p_vaddr = DATA_PA;
	env_init(&e, M32, 0);
	CHECK_EQ(elf_check(&k, FILE_LEN, &e.gm, &e.bl, &img, err, sizeof(err)), 0);
}

TEST(elf_rejects_too_many_segments)
{
	/* 17 one-page PT_LOADs; the program headers overwrite the data areas,
	 * which only matters as content. */
	REJECT(M32, 0, FILE_LEN, "more than 16 loadable segments",
	       eh->e_phnum = 17; eh->e_shnum = 0;
	       for (unsigned int i = 0; i < 17; i++)
		       *phdr(&k, i) = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
			       .p_offset = 0, .p_paddr = TEXT_PA + 0x1000 * i,
			       .p_vaddr = VBASE + TEXT_PA + 0x1000 * i,
			       .p_filesz = 0x100, .p_memsz = 0x1000});
}

/* Writes a note into the image's PT_NOTE (file offset 0x200). */
static void put_note(struct kimg *k, uint32_t namesz, uint32_t descsz, uint32_t type,
		     const char *name, uint32_t desc)
{
	uint32_t h[3] = {namesz, descsz, type};
	memcpy(k->bytes + 0x200, h, sizeof(h));
	memcpy(k->bytes + 0x20c, name, 4);
	memcpy(k->bytes + 0x210, &desc, sizeof(desc));
}

TEST(elf_pvh_entry_note)
{
	struct kimg k;
	struct env e;
	env_init(&e, 32 << 20, 0);
	struct elf_image img;
	char err[256] = "";

	make_kernel(&k); /* an all-zero note list: no PVH entry */
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), 0);
	CHECK_EQ(img.pvh_entry, 0);

	put_note(&k, 4, 4, 18, "Xen", TEXT_PA + 0x20);
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), 0);
	CHECK_EQ(img.pvh_entry, TEXT_PA + 0x20);

	put_note(&k, 4, 4, 17, "Xen", TEXT_PA + 0x20); /* another Xen note type */
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), 0);
	CHECK_EQ(img.pvh_entry, 0);

	put_note(&k, 4, 4, 18, "Xem", TEXT_PA + 0x20); /* another owner */
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), 0);
	CHECK_EQ(img.pvh_entry, 0);

	/* A note whose sizes run past the segment: ignored, not read beyond. */
	put_note(&k, 0xfffffff0u, 4, 18, "Xen", TEXT_PA + 0x20);
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), 0);
	CHECK_EQ(img.pvh_entry, 0);

	/* An entry in the data segment, or outside the image: refused. */
	put_note(&k, 4, 4, 18, "Xen", DATA_PA + 0x10);
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), -1);
	CHECK(strstr(err, "PVH entry") != NULL);
	put_note(&k, 4, 4, 18, "Xen", 0x7000000);
	CHECK_EQ(elf_check(k.bytes, sizeof(k.bytes), &e.gm, &e.bl, &img, err, sizeof(err)), -1);
	CHECK(strstr(err, "PVH entry") != NULL);
}
