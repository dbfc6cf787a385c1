// SPDX-License-Identifier: MIT
/*
 * The ELF loader: static x86-64 programs (ET_EXEC, or static-pie ET_DYN at
 * ELF_ET_DYN_BASE) from the initrd. Every header field is checked against
 * the file before use. File-backed pages are copied in now; the rest of
 * each segment (bss), the heap and the stack are demand-zero. The initial
 * stack follows the SysV x86-64 ABI: argc, argv, envp, auxv, then strings.
 */
#include <umbra/boot.h>

#include "bootinfo.h"
#include "cpio.h"
#include "elf.h"
#include "errno.h"
#include "mm.h"
#include "page.h"
#include "percpu.h"
#include "pmm.h"
#include "printk.h"
#include "sched.h"
#include "ptrace.h"
#include "segment.h"
#include "string.h"
#include "uaccess.h"
#include "x86.h"

/* Linux's choices: static-pie base (2/3 of TASK_SIZE), an 8 MiB stack, and
 * mmap_base 128 MiB below the stack top. */
#define ELF_ET_DYN_BASE 0x555555554000UL
#define STACK_TOP TASK_SIZE
#define STACK_SIZE (8UL << 20)
#define MMAP_GAP (128UL << 20)
#define MAX_PHNUM 128

static const char *const init_envp[] = {"HOME=/", "TERM=linux"};

struct elf_layout {
	uint64_t entry, phdr, brk;
	uint16_t phnum;
};

static int bad_elf(const char *path, const char *why)
{
	pr_err("%s: not a valid static x86-64 ELF program: %s", path, why);
	return -ENOEXEC;
}

static unsigned long elf_vm_flags(uint32_t p_flags)
{
	return (p_flags & PF_R ? VM_READ : 0) | (p_flags & PF_W ? VM_WRITE : 0) |
	       (p_flags & PF_X ? VM_EXEC : 0);
}

/* Checks headers against the file; computes the load bias and layout. */
static int check_elf(const char *path, const unsigned char *image, size_t size, uint64_t *bias,
		     struct elf_layout *l)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)image;

	if (size < sizeof(*eh))
		return bad_elf(path, "shorter than an ELF header");
	if (memcmp(eh->e_ident, "\177ELF", 4))
		return bad_elf(path, "no ELF magic");
	if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB ||
	    eh->e_ident[6] != EV_CURRENT || eh->e_machine != EM_X86_64)
		return bad_elf(path, "not 64-bit little-endian x86-64");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return bad_elf(path, "not an executable");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > MAX_PHNUM)
		return bad_elf(path, "bad program header table size");
	if (eh->e_phoff > size || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size - eh->e_phoff)
		return bad_elf(path, "program headers past the end of the file");
	if (eh->e_phoff % 8)
		return bad_elf(path, "misaligned program headers");

	const Elf64_Phdr *ph = (const Elf64_Phdr *)(image + eh->e_phoff);
	const Elf64_Phdr *first = NULL, *phdr_seg = NULL;
	uint64_t prev_end = 0, lowest = 0, highest = 0;
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP)
			return bad_elf(path, "dynamically linked (has PT_INTERP); only static programs run");
		if (ph[i].p_type == PT_PHDR)
			phdr_seg = &ph[i];
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		const Elf64_Phdr *p = &ph[i];
		if (p->p_filesz > p->p_memsz)
			return bad_elf(path, "segment file size exceeds its memory size");
		if (p->p_offset > size || p->p_filesz > size - p->p_offset)
			return bad_elf(path, "segment data past the end of the file");
		if ((p->p_vaddr - p->p_offset) % PAGE_SIZE)
			return bad_elf(path, "segment address and file offset differ modulo the page size");
		if (p->p_vaddr > TASK_SIZE || p->p_memsz > TASK_SIZE - p->p_vaddr)
			return bad_elf(path, "segment outside user space");
		uint64_t start = ALIGN_DOWN(p->p_vaddr, PAGE_SIZE);
		if (first && start < prev_end)
			return bad_elf(path, "segments out of order or sharing a page");
		if (!first) {
			first = p;
			lowest = start;
		}
		prev_end = PAGE_ALIGN(p->p_vaddr + p->p_memsz);
		highest = prev_end;
	}
	if (!first)
		return bad_elf(path, "no loadable segment");

	*bias = eh->e_type == ET_DYN ? ELF_ET_DYN_BASE - lowest : 0;
	if (lowest + *bias < MMAP_MIN_ADDR || highest + *bias > STACK_TOP - MMAP_GAP)
		return bad_elf(path, "segments overlap the reserved low pages or the stack area");
	if (eh->e_entry < first->p_vaddr || eh->e_entry >= highest)
		return bad_elf(path, "entry point outside the loaded segments");

	l->entry = eh->e_entry + *bias;
	l->phnum = eh->e_phnum;
	l->brk = highest + *bias;
	/* Where the program headers are in memory (musl finds TLS there). */
	l->phdr = phdr_seg ? phdr_seg->p_vaddr + *bias
			   : first->p_vaddr - first->p_offset + eh->e_phoff + *bias;
	return 0;
}

static int load_segment(struct mm_struct *mm, const unsigned char *image, const Elf64_Phdr *p,
			uint64_t bias)
{
	uint64_t seg_start = p->p_vaddr + bias, file_end = seg_start + p->p_filesz;
	uint64_t start = ALIGN_DOWN(seg_start, PAGE_SIZE);
	uint64_t end = PAGE_ALIGN(seg_start + p->p_memsz);
	unsigned long vm_flags = elf_vm_flags(p->p_flags);

	if (insert_vm_area(mm, start, end, vm_flags))
		return -ENOMEM;
	/* Pages holding file bytes; the rest of the segment is demand-zero. */
	for (uint64_t va = start; va < file_end; va += PAGE_SIZE) {
		phys_addr_t pa = alloc_zeroed_page();
		if (!pa)
			return -ENOMEM;
		uint64_t lo = MAX(va, seg_start), hi = MIN(va + PAGE_SIZE, file_end);
		memcpy((char *)__va(pa) + (lo - va), image + p->p_offset + (lo - seg_start), hi - lo);
		if (install_page(mm, va, pa, vm_flags)) {
			free_pages(pa, 1);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Pushes n bytes onto the new user stack; returns their address or 0. */
static uint64_t push_bytes(uint64_t *sp, const void *data, size_t n)
{
	*sp -= n;
	return copy_to_user(*sp, data, n) ? 0 : *sp;
}

static uint64_t push_string(uint64_t *sp, const char *s)
{
	return push_bytes(sp, s, strlen(s) + 1);
}

static void random_bytes(uint8_t out[16])
{
	/* No entropy source yet: the TSC, mixed (splitmix64). */
	uint64_t x = rdtsc();
	for (int i = 0; i < 2; i++) {
		x += 0x9e3779b97f4a7c15ULL;
		uint64_t z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		memcpy(out + 8 * i, &z, 8);
	}
}

static int setup_stack(struct mm_struct *mm, const struct elf_layout *l, const char *path,
		       int argc, const char *const *argv, uint64_t *sp_out)
{
	const int envc = ARRAY_SIZE(init_envp);
	uint64_t argv_addr[ARRAY_SIZE(boot_params.init_argv) + 1], envp_addr[ARRAY_SIZE(init_envp)];
	uint64_t sp = STACK_TOP;
	uint8_t random[16];

	if (argc > (int)ARRAY_SIZE(argv_addr))
		return -E2BIG;
	if (insert_vm_area(mm, STACK_TOP - STACK_SIZE, STACK_TOP, VM_READ | VM_WRITE))
		return -ENOMEM;
	uint64_t execfn = push_string(&sp, path);
	for (int i = envc - 1; i >= 0; i--)
		envp_addr[i] = push_string(&sp, init_envp[i]);
	for (int i = argc - 1; i >= 0; i--)
		argv_addr[i] = push_string(&sp, argv[i]);
	random_bytes(random);
	uint64_t random_addr = push_bytes(&sp, random, sizeof(random));
	if (!execfn || !random_addr)
		return -ENOMEM;

	uint32_t eax, ebx, ecx, hwcap;
	cpuid(1, 0, &eax, &ebx, &ecx, &hwcap);
	const uint64_t auxv[][2] = {
		{AT_PHDR, l->phdr},   {AT_PHENT, sizeof(Elf64_Phdr)},
		{AT_PHNUM, l->phnum}, {AT_PAGESZ, PAGE_SIZE},
		{AT_BASE, 0},         {AT_FLAGS, 0},
		{AT_ENTRY, l->entry}, {AT_UID, 0},
		{AT_EUID, 0},         {AT_GID, 0},
		{AT_EGID, 0},         {AT_SECURE, 0},
		{AT_HWCAP, hwcap},    {AT_CLKTCK, 100},
		{AT_RANDOM, random_addr}, {AT_EXECFN, execfn},
		{AT_NULL, 0},
	};
	uint64_t vec[1 + ARRAY_SIZE(argv_addr) + 1 + ARRAY_SIZE(envp_addr) + 1 + 2 * ARRAY_SIZE(auxv)];
	size_t n = 0;
	vec[n++] = argc;
	for (int i = 0; i < argc; i++)
		vec[n++] = argv_addr[i];
	vec[n++] = 0;
	for (int i = 0; i < envc; i++)
		vec[n++] = envp_addr[i];
	vec[n++] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(auxv); i++) {
		vec[n++] = auxv[i][0];
		vec[n++] = auxv[i][1];
	}
	/* The ABI wants RSP 16-byte aligned at argc. */
	sp = ALIGN_DOWN(sp - n * sizeof(vec[0]), 16);
	if (copy_to_user(sp, vec, n * sizeof(vec[0])))
		return -ENOMEM;
	mm->start_stack = sp;
	*sp_out = sp;
	return 0;
}

static int find_program(const char *path, struct cpio_entry *e)
{
	if (boot_info.initrd_end <= boot_info.initrd_start) {
		pr_err("%s: cannot run it: no initrd was given", path);
		return -ENOENT;
	}
	int r = cpio_find(__va(boot_info.initrd_start),
			  boot_info.initrd_end - boot_info.initrd_start, path, e);
	if (r == CPIO_ERR_NOT_FOUND) {
		pr_err("%s: no such file in the initrd", path);
		return -ENOENT;
	}
	if (r != CPIO_OK) {
		pr_err("%s: cannot read the initrd: %s", path, cpio_strerror(r));
		return -ENOENT;
	}
	if ((e->mode & CPIO_S_IFMT) != CPIO_S_IFREG) {
		pr_err("%s: not a regular file", path);
		return -EACCES;
	}
	return 0;
}

int exec_init_program(const char *path, int argc, const char *const *argv)
{
	struct task_struct *p = current;
	struct mm_struct *mm = p->mm;
	struct cpio_entry file;
	struct elf_layout layout;
	uint64_t bias, sp;

	int err = find_program(path, &file);
	if (err)
		return err;
	err = check_elf(path, file.data, file.size, &bias, &layout);
	if (err)
		return err;

	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file.data;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(file.data + eh->e_phoff);
	for (unsigned int i = 0; i < eh->e_phnum && !err; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_memsz)
			err = load_segment(mm, file.data, &ph[i], bias);
	mm->start_brk = mm->brk = layout.brk;
	mm->mmap_base = STACK_TOP - MMAP_GAP;
	if (!err)
		err = setup_stack(mm, &layout, path, argc, argv, &sp);
	if (err) {
		pr_err("%s: cannot load it: %s", path, err == -E2BIG ? "too many arguments" : "out of memory");
		return err;
	}

	struct pt_regs *regs = task_pt_regs(p);
	memset(regs, 0, sizeof(*regs));
	regs->rip = layout.entry;
	regs->rsp = sp;
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;
	regs->rflags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	return 0;
}
