/* SPDX-License-Identifier: MIT */
/*
 * The multiboot test image (docs/boot.md): a freestanding 32-bit program
 * that checks what a multiboot v1 loader must give it — the boot magic,
 * protected mode without paging, the information (memory, memory map,
 * command line, the module) — and reads the CPU count from fw_cfg. It
 * prints one line per check on COM1 ("ok"/"FAIL") and a summary line, and
 * reports through isa-debug-exit (port 0xf4): code 0 when every check
 * passed (run status 1), else the number of failed checks.
 */
#include <stdint.h>

#define COM1 0x3f8
#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define DEBUG_EXIT 0xf4

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void putu(uint32_t v)
{
	char buf[12];
	int i = 0;
	do {
		buf[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		putc_(buf[--i]);
}

static int failures;

static void check(int ok, const char *what)
{
	puts_(ok ? "mbtest: ok   " : "mbtest: FAIL ");
	puts_(what);
	putc_('\n');
	if (!ok)
		failures++;
}

static uint32_t fw_cfg_read(uint16_t key, unsigned int bytes)
{
	outw(FW_CFG_SEL, key);
	uint32_t v = 0;
	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint32_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

struct mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

void mb_main(uint32_t magic, const uint32_t *info);

void mb_main(uint32_t magic, const uint32_t *info)
{
	check(magic == 0x2badb002, "boot magic in EAX");
	uint32_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	check((cr0 & 1) && !(cr0 & 0x80000000u), "protected mode, paging off");
	uint32_t flags = info[0];
	check((flags & 0x41) == 0x41, "information has memory and memory map");
	check(info[2] >= 15 * 1024, "mem_upper is at least 15 MiB");
	uint64_t ram = 0;
	unsigned int n = 0;
	for (uint32_t off = 0; off < info[11]; off += 24, n++) {
		const struct mmap_entry *e = (const void *)(info[12] + off);
		if (e->type == 1)
			ram += e->len;
	}
	check(n > 0 && ram >= 15ull << 20, "memory map lists the RAM");
	puts_("mbtest: ram ");
	putu((uint32_t)(ram >> 20));
	puts_(" MiB in ");
	putu(n);
	puts_(" map entries\n");
	check(flags & 4, "command line given");
	if (flags & 4) {
		puts_("mbtest: cmdline '");
		puts_((const char *)info[4]);
		puts_("'\n");
	}
	if ((flags & 8) && info[5] >= 1) {
		const uint32_t *mod = (const uint32_t *)info[6];
		check(mod[0] % 4096 == 0 && mod[1] > mod[0], "module page-aligned, not empty");
		puts_("mbtest: module '");
		for (const char *c = (const char *)mod[0]; c < (const char *)mod[1] && *c != '\n'; c++)
			putc_(*c);
		puts_("'\n");
	} else {
		puts_("mbtest: no module\n");
	}
	check(fw_cfg_read(0, 4) == 0x554d4551, "fw_cfg signature QEMU");
	uint32_t cpus = fw_cfg_read(5, 2);
	puts_("mbtest: fw_cfg cpus ");
	putu(cpus);
	putc_('\n');
	check(cpus >= 1, "fw_cfg CPU count");
	puts_("mbtest: ");
	putu((uint32_t)failures);
	puts_(" failed\n");
	outb(DEBUG_EXIT, (uint8_t)failures);
	for (;;)
		__asm__ volatile("cli; hlt");
}
