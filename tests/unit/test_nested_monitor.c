/* SPDX-License-Identifier: MIT */
/* Where a stopped nested run's L1 CPUs were: the code symbols of an ELF
 * image (elf_syms.c) and QEMU's `info registers -a` answer
 * (nested_monitor.c). */
#include "test.h"

#include "elf_syms.h"
#include "nested_monitor.h"

#include <elf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A small ELF64 image: a .text at 0x1000 (0x100 bytes), a .data, and a
 * symbol table with two functions, an assembly label, a data object and
 * an undefined symbol. Sections: null, .text, .data, .symtab, .strtab. */
struct tiny_elf {
	Elf64_Ehdr eh;
	Elf64_Shdr sh[5];
	Elf64_Sym sym[6];
	char str[64];
};

static const char tiny_names[] = "\0early\0later\0entry_label\0a_variable\0undef";
enum { N_EARLY = 1, N_LATER = 7, N_LABEL = 13, N_VAR = 25, N_UNDEF = 36 };

static void tiny_elf_make(struct tiny_elf *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_shoff = offsetof(struct tiny_elf, sh);
	e->eh.e_shentsize = sizeof(Elf64_Shdr);
	e->eh.e_shnum = 5;
	e->sh[1] = (Elf64_Shdr){.sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
				.sh_addr = 0x1000, .sh_size = 0x100};
	e->sh[2] = (Elf64_Shdr){.sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_WRITE,
				.sh_addr = 0x2000, .sh_size = 0x100};
	e->sh[3] = (Elf64_Shdr){.sh_type = SHT_SYMTAB, .sh_offset = offsetof(struct tiny_elf, sym),
				.sh_size = sizeof(e->sym), .sh_link = 4,
				.sh_entsize = sizeof(Elf64_Sym)};
	e->sh[4] = (Elf64_Shdr){.sh_type = SHT_STRTAB, .sh_offset = offsetof(struct tiny_elf, str),
				.sh_size = sizeof(tiny_names)};
	/* Out of address order on purpose: the reader sorts. */
	e->sym[1] = (Elf64_Sym){.st_name = N_LATER, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
				.st_shndx = 1, .st_value = 0x1080, .st_size = 0x20};
	e->sym[2] = (Elf64_Sym){.st_name = N_EARLY, .st_info = ELF64_ST_INFO(STB_LOCAL, STT_FUNC),
				.st_shndx = 1, .st_value = 0x1010, .st_size = 0x40};
	e->sym[3] = (Elf64_Sym){.st_name = N_LABEL, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE),
				.st_shndx = 1, .st_value = 0x10c0};
	e->sym[4] = (Elf64_Sym){.st_name = N_VAR, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT),
				.st_shndx = 2, .st_value = 0x2000, .st_size = 8};
	e->sym[5] = (Elf64_Sym){.st_name = N_UNDEF, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE),
				.st_shndx = SHN_UNDEF};
	memcpy(e->str, tiny_names, sizeof(tiny_names));
}

TEST(elf_syms_names_code_addresses)
{
	struct tiny_elf e;
	tiny_elf_make(&e);
	struct elf_syms s;
	CHECK_EQ(elf_syms_read(&e, sizeof(e), &s), 0);
	CHECK_EQ(s.n, 3); /* the data object and the undefined symbol left out */
	const char *name = "x";
	uint64_t off = 99;
	CHECK(elf_syms_find(&s, 0x1010, &name, &off));
	CHECK_STREQ(name, "early");
	CHECK_EQ(off, 0);
	CHECK(elf_syms_find(&s, 0x107f, &name, &off));
	CHECK_STREQ(name, "early"); /* past its size, before the next: still it */
	CHECK_EQ(off, 0x6f);
	CHECK(elf_syms_find(&s, 0x1085, &name, &off));
	CHECK_STREQ(name, "later");
	CHECK_EQ(off, 5);
	CHECK(elf_syms_find(&s, 0x10ff, &name, &off));
	CHECK_STREQ(name, "entry_label");
	CHECK_EQ(off, 0x3f);
	/* In the code, before any symbol. */
	CHECK(elf_syms_find(&s, 0x1004, &name, &off));
	CHECK(name == NULL);
	CHECK_EQ(off, 4);
	/* Not code: the data section, past the text, below it. */
	CHECK(!elf_syms_find(&s, 0x2000, &name, &off));
	CHECK(!elf_syms_find(&s, 0x1100, &name, &off));
	CHECK(!elf_syms_find(&s, 0xfff, &name, &off));
	elf_syms_free(&s);
}

TEST(elf_syms_refuses_malformed_images)
{
	struct tiny_elf e;
	struct elf_syms s;
	/* Every truncation of the file short of its string table's end is
	 * refused, none read past it (ASan: each copy is len bytes). */
	tiny_elf_make(&e);
	for (size_t len = 0; len < offsetof(struct tiny_elf, str) + sizeof(tiny_names); len++) {
		char *copy = malloc(len ? len : 1);
		memcpy(copy, &e, len);
		CHECK_EQ(elf_syms_read(copy, len, &s), -1);
		CHECK(s.v == NULL && s.n == 0);
		free(copy);
	}
	/* Section headers past the end. */
	tiny_elf_make(&e);
	e.eh.e_shoff = 1ull << 62;
	CHECK_EQ(elf_syms_read(&e, sizeof(e), &s), -1);
	/* A symbol table that runs past the end. */
	tiny_elf_make(&e);
	e.sh[3].sh_size = 1ull << 40;
	CHECK_EQ(elf_syms_read(&e, sizeof(e), &s), -1);
	/* The string table link out of range. */
	tiny_elf_make(&e);
	e.sh[3].sh_link = 40;
	CHECK_EQ(elf_syms_read(&e, sizeof(e), &s), -1);
	/* No symbol table (stripped). */
	tiny_elf_make(&e);
	e.sh[3].sh_type = SHT_NULL;
	CHECK_EQ(elf_syms_read(&e, sizeof(e), &s), -1);
	/* Not ELF64. */
	tiny_elf_make(&e);
	e.eh.e_ident[EI_CLASS] = ELFCLASS32;
	CHECK_EQ(elf_syms_read(&e, sizeof(e), &s), -1);
	/* An image at an odd address (offsets the structs' alignment does
	 * not divide): read all the same, UBSan finding no misaligned load. */
	tiny_elf_make(&e);
	char *odd = malloc(sizeof(e) + 1);
	memcpy(odd + 1, &e, sizeof(e));
	CHECK_EQ(elf_syms_read(odd + 1, sizeof(e), &s), 0);
	CHECK_EQ(s.n, 3);
	elf_syms_free(&s);
	free(odd);
	/* A name beyond the string table: that symbol is left out. */
	tiny_elf_make(&e);
	e.sym[1].st_name = 1000;
	CHECK_EQ(elf_syms_read(&e, sizeof(e), &s), 0);
	CHECK_EQ(s.n, 2);
	elf_syms_free(&s);
	/* A failed read leaves nothing to free; a file that is not there is
	 * refused. */
	CHECK_EQ(elf_syms_load("/nonexistent/umbra-guest.elf", &s), -1);
	elf_syms_free(&s);
}

/* Two CPUs as QEMU 7.2's monitor prints them, after the command's echo
 * (line editing escapes), with most register lines left out. */
static const char monitor_answer[] =
	"info registers -a\x1b[K\r\n\r\nCPU#0\r\n"
	"RAX=000000000001ad40 RBX=0000000000000000 RCX=0000000000000001 RDX=4000000000000000\r\n"
	"RIP=ffffffff8ce17a0b RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\r\n"
	"CS =0010 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]\r\n"
	"CR0=80050033 CR2=00007fb808003b98 CR3=0000000001928000 CR4=00751eb0\r\n"
	"CPU#1\r\n"
	"RIP=0000000000001085 RFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\r\n"
	"CPU#2\r\n"
	"RIP=00007f0012345678 RFL=00000202 [-------] CPL=3 II=0 A20=1 SMM=0 HLT=0\r\n"
	"CPU#3\r\nRAX=0 (no RIP: left out)\r\n"
	"CPU#4\r\nEAX=00000000 EBX=00000000\r\n"
	"EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\r\n"
	"(qemu) ";

TEST(nested_monitor_parses_and_describes_cpus)
{
	struct l1_cpu_state c[8];
	int n = nested_monitor_parse(monitor_answer, sizeof(monitor_answer) - 1, c, 8);
	CHECK_EQ(n, 4);
	CHECK_EQ(c[3].cpu, 4); /* a CPU not in 64-bit mode: EIP */
	CHECK_EQ(c[3].rip, 0xfff0);
	CHECK(c[3].legacy && !c[0].legacy);
	CHECK_EQ(c[0].cpu, 0);
	CHECK_EQ(c[0].rip, 0xffffffff8ce17a0bull);
	CHECK(c[0].halted);
	CHECK_EQ(c[1].cpu, 1);
	CHECK_EQ(c[1].rip, 0x1085);
	CHECK(!c[1].halted);
	CHECK_EQ(c[2].cpl, 3);
	/* At most max. */
	CHECK_EQ(nested_monitor_parse(monitor_answer, sizeof(monitor_answer) - 1, c, 1), 1);
	CHECK_EQ(nested_monitor_parse("(qemu) ", 7, c, 8), 0);

	struct tiny_elf e;
	tiny_elf_make(&e);
	struct elf_syms s;
	CHECK_EQ(elf_syms_read(&e, sizeof(e), &s), 0);
	n = nested_monitor_parse(monitor_answer, sizeof(monitor_answer) - 1, c, 8);
	char buf[96];
	nested_monitor_describe(&c[0], &s, buf, sizeof(buf));
	CHECK_STREQ(buf, "halted");
	nested_monitor_describe(&c[1], &s, buf, sizeof(buf));
	CHECK_STREQ(buf, "guest kernel later+0x5");
	nested_monitor_describe(&c[2], &s, buf, sizeof(buf));
	CHECK_STREQ(buf, "user mode 0x7f0012345678");
	nested_monitor_describe(&c[3], &s, buf, sizeof(buf));
	CHECK_STREQ(buf, "32-bit 0xfff0");
	c[0].halted = false;
	nested_monitor_describe(&c[0], &s, buf, sizeof(buf));
	CHECK_STREQ(buf, "kernel mode 0xffffffff8ce17a0b");
	elf_syms_free(&s);
	/* Without symbols: addresses only. */
	nested_monitor_describe(&c[1], &s, buf, sizeof(buf));
	CHECK_STREQ(buf, "kernel mode 0x1085");
	/* No monitor there. */
	CHECK_EQ(nested_monitor_sample("/nonexistent/monitor", c, 8, NULL, NULL), -1);
}

/* A monitor on a socket: the banner, then, for the command, the answer in
 * small pieces (as QEMU's output comes), or nothing at all. */
struct fake_monitor {
	int listen_fd;
	bool silent;
	char got[64];
};

static void *fake_monitor_serve(void *arg)
{
	struct fake_monitor *m = arg;
	int fd = accept(m->listen_fd, NULL, NULL);
	if (fd < 0)
		return NULL;
	static const char banner[] = "QEMU 7.2.22 monitor - type 'help' for more information\r\n(qemu) ";
	if (write(fd, banner, sizeof(banner) - 1) < 0)
		goto out;
	ssize_t n = read(fd, m->got, sizeof(m->got) - 1);
	m->got[n > 0 ? n : 0] = '\0';
	if (!m->silent)
		for (size_t i = 0; i < sizeof(monitor_answer) - 1; i += 100) {
			size_t k = sizeof(monitor_answer) - 1 - i;
			if (write(fd, monitor_answer + i, k < 100 ? k : 100) < 0)
				break;
			usleep(1000);
		}
	else
		usleep(1500 * 1000); /* past the reader's one second */
out:
	close(fd);
	return NULL;
}

static void count_idle(void *arg)
{
	(*(int *)arg)++;
}

static int fake_monitor_sample(bool silent, char *got, int *idles, struct l1_cpu_state *c)
{
	char path[] = "/tmp/umbra-test-monitor.XXXXXX";
	int tmp = mkstemp(path);
	close(tmp);
	unlink(path);
	struct fake_monitor m = {.silent = silent};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	m.listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (m.listen_fd < 0 || bind(m.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(m.listen_fd, 1))
		return -2;
	pthread_t t;
	pthread_create(&t, NULL, fake_monitor_serve, &m);
	int n = nested_monitor_sample(path, c, 8, count_idle, idles);
	pthread_join(t, NULL);
	close(m.listen_fd);
	unlink(path);
	strcpy(got, m.got);
	return n;
}

TEST(nested_monitor_samples_a_monitor_socket)
{
	struct l1_cpu_state c[8];
	char got[64];
	int idles = 0;
	CHECK_EQ(fake_monitor_sample(false, got, &idles, c), 4);
	CHECK_STREQ(got, "info registers -a\n");
	CHECK_EQ(c[1].rip, 0x1085);
	/* A monitor that never answers: given up after about a second, the
	 * caller's idle work done meanwhile. */
	idles = 0;
	CHECK_EQ(fake_monitor_sample(true, got, &idles, c), -1);
	CHECK(idles >= 50);
}
