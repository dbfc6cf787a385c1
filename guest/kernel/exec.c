// SPDX-License-Identifier: MIT
/*
 * execve: static x86-64 ELF programs (ET_EXEC, or static-pie ET_DYN at
 * ELF_ET_DYN_BASE) from the file system. Every header field is checked
 * against the file before use. The arguments are copied in and the new
 * address space is built completely before the old one is dropped, so any
 * error (ENOENT, EACCES, ENOEXEC, E2BIG, EFAULT, ENOMEM) returns to the
 * caller intact. Then: close-on-exec descriptors closed, caught signals
 * reset, a fresh FPU and TLS, registers at the entry point.
 *
 * Segments are mapped from the file (MAP_PRIVATE, as Linux's elf_map), bss,
 * heap and stack are anonymous demand-zero memory. The initial stack
 * follows the SysV x86-64 ABI: argc, argv, envp, auxv, then the strings.
 */
#include <umbra/boot.h>

#include "elf.h"
#include "errno.h"
#include "fs.h"
#include "mm.h"
#include "page.h"
#include "percpu.h"
#include "pmm.h"
#include "printk.h"
#include "processor.h"
#include "ptrace.h"
#include "sched.h"
#include "segment.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"
#include "x86.h"

/* Linux's choices: static-pie base (2/3 of TASK_SIZE), a stack that starts
 * 128 KiB below what exec pushes, and mmap_base 128 MiB below the stack top. */
#define ELF_ET_DYN_BASE 0x555555554000UL
#define STACK_TOP TASK_SIZE
#define STACK_EXPAND (128UL << 10)
/* Room below the stack top kept free of program segments: the default
 * RLIMIT_STACK. */
#define STACK_RESERVE (8UL << 20)
#define MMAP_GAP (128UL << 20)
#define MAX_PHNUM 128
#define AUXV_ENTRIES 17
/* Arguments and environment together, as Linux's limit with an 8 MiB stack
 * (a quarter of it); one string at most MAX_ARG_STRLEN. */
#define MAX_ARG_BYTES (2UL << 20)
#define MAX_ARG_STRLEN (32 * PAGE_SIZE)
#define MAX_ARG_STRINGS 0x7fffffff

static const char *const init_envp[] = {"HOME=/", "TERM=linux", NULL};

void mm_release(struct task_struct *p);
void set_task_comm(struct task_struct *p, const char *path);

struct elf_layout {
	uint64_t entry, phdr, brk, bias;
	uint64_t start_code, end_code, start_data, end_data;
	uint16_t phnum;
};

/* What execve carries from the old program to the new one. */
struct linux_binprm {
	char *strings;        /* argv then envp strings, each NUL-terminated */
	size_t len;
	int argc, envc;
	const char *filename;
};

static int bad_elf(const char *path, const char *why)
{
	pr_info("%s: not a valid static x86-64 ELF program: %s", path, why);
	return -ENOEXEC;
}

/* Checks headers against the file size; computes the load bias and layout. */
static int check_elf(const char *path, const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t size,
		     struct elf_layout *l)
{
	const Elf64_Phdr *first = NULL, *phdr_seg = NULL;
	uint64_t prev_end = 0, lowest = 0, highest = 0;

	memset(l, 0, sizeof(*l));
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

	uint64_t bias = eh->e_type == ET_DYN ? ELF_ET_DYN_BASE - lowest : 0;
	if (lowest + bias < MMAP_MIN_ADDR || highest + bias > STACK_TOP - MMAP_GAP - STACK_RESERVE)
		return bad_elf(path, "segments overlap the reserved low pages or the stack area");
	if (eh->e_entry < first->p_vaddr || eh->e_entry >= highest)
		return bad_elf(path, "entry point outside the loaded segments");

	l->bias = bias;
	l->entry = eh->e_entry + bias;
	l->phnum = eh->e_phnum;
	l->brk = highest + bias;
	/* Where the program headers are in memory (musl finds TLS there). */
	l->phdr = phdr_seg ? phdr_seg->p_vaddr + bias
			   : first->p_vaddr - first->p_offset + eh->e_phoff + bias;
	l->start_code = ~0UL;
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		uint64_t s = p->p_vaddr + bias, e = s + p->p_filesz;
		if ((p->p_flags & PF_X) && s < l->start_code)
			l->start_code = s;
		if ((p->p_flags & PF_X) && e > l->end_code)
			l->end_code = e;
		if (e > l->end_data)
			l->end_data = e;
		if (!(p->p_flags & PF_X) && (!l->start_data || s < l->start_data))
			l->start_data = s;
	}
	if (l->start_code == ~0UL)
		l->start_code = 0;
	return 0;
}

static unsigned long elf_prot(uint32_t p_flags)
{
	return (p_flags & PF_R ? PROT_READ : 0) | (p_flags & PF_W ? PROT_WRITE : 0) |
	       (p_flags & PF_X ? PROT_EXEC : 0);
}

/* Maps one PT_LOAD segment as Linux's elf_map: its file pages privately
 * from the file, the rest (bss) anonymous, and the bss part of the last
 * file page zeroed. */
static int load_segment(struct mm_struct *mm, struct file *file, const Elf64_Phdr *p,
			uint64_t bias)
{
	static const char zeroes[PAGE_SIZE];
	uint64_t seg_start = p->p_vaddr + bias, file_end = seg_start + p->p_filesz;
	uint64_t start = ALIGN_DOWN(seg_start, PAGE_SIZE);
	uint64_t end = PAGE_ALIGN(seg_start + p->p_memsz);
	unsigned long prot = elf_prot(p->p_flags);
	const unsigned long fixed = MAP_PRIVATE | MAP_FIXED;

	if (p->p_filesz) {
		uint64_t len = PAGE_ALIGN(file_end) - start;
		long r = do_mmap(mm, file, start, len, prot, fixed,
				 ALIGN_DOWN(p->p_offset, PAGE_SIZE) >> PAGE_SHIFT);
		if (r < 0)
			return r;
		/* The file's bytes past filesz in the last page are bss. */
		uint64_t tail = PAGE_ALIGN(file_end) - file_end;
		if (p->p_memsz > p->p_filesz && tail && (prot & PROT_WRITE) &&
		    copy_to_user(file_end, zeroes, tail))
			return -EFAULT;
	}
	uint64_t bss = p->p_filesz ? PAGE_ALIGN(file_end) : start;
	if (end > bss) {
		long r = do_mmap(mm, NULL, bss, end - bss, prot, fixed | MAP_ANONYMOUS, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Pushes n bytes onto the new user stack; returns their address or 0. */
static uint64_t push_bytes(uint64_t *sp, const void *data, size_t n)
{
	*sp -= n;
	return copy_to_user(*sp, data, n) ? 0 : *sp;
}

static void random_bytes(uint8_t out[16])
{
	/* No entropy source: the TSC, mixed (splitmix64). */
	static uint64_t x;
	x += rdtsc();
	for (int i = 0; i < 2; i++) {
		x += 0x9e3779b97f4a7c15ULL;
		uint64_t z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		memcpy(out + 8 * i, &z, 8);
	}
}

static int setup_stack(struct mm_struct *mm, const struct elf_layout *l,
		       const struct linux_binprm *bprm, uint64_t *sp_out)
{
	struct task_struct *p = current;
	uint64_t sp = STACK_TOP;
	uint8_t random[16];
	int nstrings = bprm->argc + bprm->envc;

	/* As Linux's setup_arg_pages: a VM_GROWSDOWN VMA holding what is pushed
	 * below plus 128 KiB; it grows on faults (expand_downwards) up to
	 * RLIMIT_STACK. */
	uint64_t used = strlen(bprm->filename) + 1 + bprm->len + sizeof(random) +
			(1 + nstrings + 2 + 2 * AUXV_ENTRIES) * sizeof(uint64_t) + 16;
	uint64_t size = PAGE_ALIGN(used) + STACK_EXPAND;
	long r = do_mmap(mm, NULL, STACK_TOP - size, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, 0);
	if (r < 0)
		return r;
	uint64_t execfn = push_bytes(&sp, bprm->filename, strlen(bprm->filename) + 1);
	uint64_t strings = push_bytes(&sp, bprm->strings, bprm->len);
	random_bytes(random);
	uint64_t random_addr = push_bytes(&sp, random, sizeof(random));
	if (!execfn || (bprm->len && !strings) || !random_addr)
		return -ENOMEM;
	mm->arg_start = strings;
	mm->env_end = strings + bprm->len;

	uint32_t eax, ebx, ecx, hwcap;
	cpuid(1, 0, &eax, &ebx, &ecx, &hwcap);
	const uint64_t auxv[][2] = {
		{AT_PHDR, l->phdr},   {AT_PHENT, sizeof(Elf64_Phdr)},
		{AT_PHNUM, l->phnum}, {AT_PAGESZ, PAGE_SIZE},
		{AT_BASE, 0},         {AT_FLAGS, 0},
		{AT_ENTRY, l->entry}, {AT_UID, p->uid},
		{AT_EUID, p->euid},   {AT_GID, p->gid},
		{AT_EGID, p->egid},   {AT_SECURE, 0},
		{AT_HWCAP, hwcap},    {AT_CLKTCK, 100},
		{AT_RANDOM, random_addr}, {AT_EXECFN, execfn},
		{AT_NULL, 0},
	};
	_Static_assert(ARRAY_SIZE(auxv) == AUXV_ENTRIES, "AUXV_ENTRIES counts the auxv above");
	size_t n = 1 + nstrings + 2 + 2 * ARRAY_SIZE(auxv);
	uint64_t *vec = kmalloc(n * sizeof(uint64_t));
	if (!vec)
		return -ENOMEM;
	size_t k = 0;
	const char *s = bprm->strings;
	vec[k++] = bprm->argc;
	for (int i = 0; i < nstrings; i++) {
		if (i == bprm->argc) {
			vec[k++] = 0;
			mm->arg_end = mm->env_start = strings + (s - bprm->strings);
		}
		vec[k++] = strings + (s - bprm->strings);
		s += strlen(s) + 1;
	}
	if (bprm->envc == 0)
		mm->arg_end = mm->env_start = strings + bprm->len;
	if (nstrings == bprm->argc)
		vec[k++] = 0;
	vec[k++] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(auxv); i++) {
		vec[k++] = auxv[i][0];
		vec[k++] = auxv[i][1];
	}
	/* The ABI wants RSP 16-byte aligned at argc. */
	sp = ALIGN_DOWN(sp - k * sizeof(vec[0]), 16);
	int err = copy_to_user(sp, vec, k * sizeof(vec[0]));
	kfree(vec);
	if (err)
		return -ENOMEM;
	mm->start_stack = sp;
	*sp_out = sp;
	return 0;
}

/* --- the arguments ------------------------------------------------------- */

/* Length of the user string at addr with its NUL, -EFAULT, or -E2BIG past max. */
static long strnlen_user(uint64_t addr, size_t max)
{
	size_t len = 0;
	while (len < max) {
		const char *p = user_page_ptr(addr + len, 0);
		if (!p)
			return -EFAULT;
		size_t chunk = MIN(max - len, PAGE_SIZE - ((addr + len) & ~PAGE_MASK));
		for (size_t i = 0; i < chunk; i++)
			if (!p[i])
				return len + i + 1;
		len += chunk;
	}
	return -E2BIG;
}

/* Sizes (or, with dst, copies) the strings of a NULL-terminated user
 * vector. Returns the count or -errno; *bytes grows by their size. */
static long copy_strings(uint64_t uvec, char *dst, size_t *bytes)
{
	long count = 0;
	if (!uvec)
		return 0;
	for (;; count++) {
		uint64_t str;
		if (count >= MAX_ARG_STRINGS)
			return -E2BIG;
		if (copy_from_user(&str, uvec + count * sizeof(uint64_t), sizeof(str)))
			return -EFAULT;
		if (!str)
			return count;
		long len = strnlen_user(str, MAX_ARG_STRLEN);
		if (len < 0)
			return len;
		if (*bytes + len > MAX_ARG_BYTES)
			return -E2BIG;
		if (dst && copy_from_user(dst + *bytes, str, len))
			return -EFAULT;
		*bytes += len;
	}
}

static int bprm_from_user(struct linux_binprm *bprm, uint64_t argv, uint64_t envp)
{
	size_t bytes = 0;
	long argc = copy_strings(argv, NULL, &bytes);
	if (argc < 0)
		return argc;
	long envc = copy_strings(envp, NULL, &bytes);
	if (envc < 0)
		return envc;
	bprm->strings = kmalloc(bytes ? bytes : 1);
	if (!bprm->strings)
		return -ENOMEM;
	size_t done = 0;
	/* A second pass copies; the strings may have changed meanwhile only
	 * through this very process, which is in the kernel now. */
	if (copy_strings(argv, bprm->strings, &done) != argc ||
	    copy_strings(envp, bprm->strings, &done) != envc || done != bytes)
		return -EFAULT;
	bprm->len = bytes;
	bprm->argc = argc;
	bprm->envc = envc;
	return 0;
}

static int bprm_from_kernel(struct linux_binprm *bprm, const char *const *argv,
			    const char *const *envp)
{
	size_t bytes = 0;
	int argc = 0, envc = 0;
	for (; argv[argc]; argc++)
		bytes += strlen(argv[argc]) + 1;
	for (; envp[envc]; envc++)
		bytes += strlen(envp[envc]) + 1;
	bprm->strings = kmalloc(bytes ? bytes : 1);
	if (!bprm->strings)
		return -ENOMEM;
	char *d = bprm->strings;
	for (int i = 0; i < argc + envc; i++) {
		const char *s = i < argc ? argv[i] : envp[i - argc];
		size_t n = strlen(s) + 1;
		memcpy(d, s, n);
		d += n;
	}
	bprm->len = bytes;
	bprm->argc = argc;
	bprm->envc = envc;
	return 0;
}

/* --- the exec ------------------------------------------------------------ */

/* Root may run a file with any x bit; others need one they hold. */
/* A regular file with execute permission for this task (owner, group or
 * others bits; root needs some x bit), as Linux's may_open for exec. */
static int may_exec(struct inode *inode)
{
	if (!S_ISREG(inode->i_mode))
		return -EACCES;
	return inode_permission(inode, MAY_EXEC);
}

/* Builds the new program's address space in mm (current->mm is mm). */
static int load_elf_binary(struct file *file, const char *path, struct linux_binprm *bprm,
			   struct elf_layout *l, uint64_t *sp)
{
	Elf64_Ehdr eh;
	loff_t pos = 0;
	uint64_t size = file->f_inode->i_size;
	struct mm_struct *mm = current->mm;

	long n = kernel_read(file, &eh, sizeof(eh), &pos);
	if (n < 0)
		return n;
	if (n < (long)sizeof(eh) || memcmp(eh.e_ident, "\177ELF", 4))
		return -ENOEXEC;
	if (eh.e_ident[4] != ELFCLASS64 || eh.e_ident[5] != ELFDATA2LSB ||
	    eh.e_ident[6] != EV_CURRENT || eh.e_machine != EM_X86_64)
		return bad_elf(path, "not 64-bit little-endian x86-64");
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return bad_elf(path, "not an executable");
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHNUM)
		return bad_elf(path, "bad program header table size");
	if (eh.e_phoff > size || (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
		return bad_elf(path, "program headers past the end of the file");

	size_t phsize = eh.e_phnum * sizeof(Elf64_Phdr);
	Elf64_Phdr *ph = kmalloc(phsize);
	if (!ph)
		return -ENOMEM;
	pos = eh.e_phoff;
	n = kernel_read(file, ph, phsize, &pos);
	int err = n == (long)phsize ? check_elf(path, &eh, ph, size, l) : n < 0 ? n : -ENOEXEC;
	for (unsigned int i = 0; i < eh.e_phnum && !err; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_memsz)
			err = load_segment(mm, file, &ph[i], l->bias);
	kfree(ph);
	if (err)
		return err;
	/* The heap starts a random number of pages above the program, as
	 * Linux's brk randomization (it never merges with the bss). */
	uint8_t rnd[16];
	random_bytes(rnd);
	mm->start_brk = mm->brk = l->brk + (1 + (rnd[0] | (rnd[1] << 8)) % 8191) * PAGE_SIZE;
	mm->mmap_base = STACK_TOP - MMAP_GAP;
	mm->start_code = l->start_code;
	mm->end_code = l->end_code;
	mm->start_data = l->start_data;
	mm->end_data = l->end_data;
	return setup_stack(mm, l, bprm, sp);
}

/* Past the point of no return: the new image is built and active. */
static void begin_new_exec(struct mm_struct *old_mm, const char *path, const struct elf_layout *l,
			   uint64_t sp)
{
	struct task_struct *p = current;
	/* A vfork parent shares old_mm: it goes on now. */
	mm_release(p);
	mmput(old_mm);
	do_close_on_exec(p->files);
	flush_signal_handlers(p);
	set_task_comm(p, path);
	p->flags &= ~PF_FORKNOEXEC;
	p->thread.fs_base = p->thread.gs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	fpu_reset();

	struct pt_regs *regs = task_pt_regs(p);
	memset(regs, 0, sizeof(*regs));
	regs->vector = VECTOR_SYSCALL;
	regs->error_code = -1;
	regs->rip = l->entry;
	regs->rsp = sp;
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;
	regs->rflags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;
}

static int do_execve_file(const char *path, struct linux_binprm *bprm)
{
	struct task_struct *p = current;
	struct elf_layout l;
	uint64_t sp = 0;

	bprm->filename = path;
	struct file *file = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	int err = may_exec(file->f_inode);
	if (err) {
		fput(file);
		return err;
	}
	struct mm_struct *old_mm = p->mm, *mm = mm_alloc();
	if (!mm) {
		fput(file);
		return -ENOMEM;
	}
	p->mm = mm;
	switch_mm(mm);
	err = load_elf_binary(file, path, bprm, &l, &sp);
	fput(file);
	if (err) {
		p->mm = old_mm;
		switch_mm(old_mm);
		mmput(mm);
		return err;
	}
	begin_new_exec(old_mm, path, &l, sp);
	return 0;
}

SYSCALL_DEFINE3(execve, uint64_t, filename, uint64_t, argv, uint64_t, envp)
{
	struct linux_binprm bprm = {0};
	char *path = kmalloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	long len = strnlen_user(filename, PATH_MAX);
	int err = len < 0 ? (len == -E2BIG ? -ENAMETOOLONG : (int)len)
			  : copy_from_user(path, filename, len);
	if (!err && len == 1)
		err = -ENOENT;
	if (!err)
		err = bprm_from_user(&bprm, argv, envp);
	if (!err)
		err = do_execve_file(path, &bprm);
	kfree(bprm.strings);
	kfree(path);
	return err;
}

int exec_init_program(const char *path, int argc, const char *const *argv)
{
	struct linux_binprm bprm = {0};
	(void)argc;
	int err = bprm_from_kernel(&bprm, argv, init_envp);
	if (!err)
		err = do_execve_file(path, &bprm);
	kfree(bprm.strings);
	if (err == -ENOENT)
		pr_err("%s: no such file", path);
	else if (err == -ENOEXEC)
		pr_err("%s: not a valid static x86-64 ELF program", path);
	else if (err)
		pr_err("%s: cannot run it (error %d)", path, err);
	return err;
}
