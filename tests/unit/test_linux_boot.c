/* SPDX-License-Identifier: MIT */
/* Booting images umbra did not build: the bzImage header parser and
 * placement, the zero page, the e820 map, image detection, and the PC
 * devices (16550 THR-empty interrupt, CMOS clock, i8042 reset line,
 * isa-debug-exit). */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "bzimage.h"
#include "e820.h"
#include "pc_image.h"
#include "acpi.h"
#include "pc_ports.h"
#include "rtc.h"
#include "serial.h"

#define MIB (1ULL << 20)

static void put(uint8_t *p, size_t off, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, size_t off, unsigned int n)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

/* A synthetic bzImage: 4 setup sectors + sector 0, then kernel_len bytes
 * of "kernel" (0xcc). */
static uint8_t *make_bzimage(size_t kernel_len, size_t *len)
{
	*len = 5 * 512 + kernel_len;
	uint8_t *p = calloc(1, *len);
	p[BZ_SETUP_SECTS] = 4;
	put(p, BZ_BOOT_FLAG, 0xaa55, 2);
	p[BZ_JUMP] = 0xeb;
	p[BZ_JUMP + 1] = 0x6a; /* header up to 0x26c, as protocol 2.15 */
	put(p, BZ_HEADER, BZ_MAGIC, 4);
	put(p, BZ_VERSION, 0x020f, 2);
	p[BZ_LOADFLAGS] = BZ_LOADED_HIGH;
	put(p, BZ_INITRD_ADDR_MAX, 0x7fffffff, 4);
	put(p, BZ_KERNEL_ALIGNMENT, 0x200000, 4);
	p[BZ_RELOCATABLE] = 1;
	put(p, BZ_XLOADFLAGS, BZ_XLF_KERNEL_64, 2);
	put(p, BZ_CMDLINE_SIZE, 2047, 4);
	put(p, BZ_PREF_ADDRESS, 0x1000000, 8);
	put(p, BZ_INIT_SIZE, 8 * MIB, 4);
	memset(p + 5 * 512, 0xcc, kernel_len);
	return p;
}

TEST(bzimage_parse_good_and_detect)
{
	size_t len;
	uint8_t *p = make_bzimage(4096, &len);
	struct bzimage bz;
	char err[256] = "";
	CHECK(bzimage_detect(p, len));
	CHECK_EQ(pc_image_detect(p, len), IMAGE_LINUX);
	CHECK_EQ(bzimage_parse(p, len, &bz, err, sizeof(err)), 0);
	CHECK_EQ(bz.kernel_off, 5 * 512);
	CHECK_EQ(bz.kernel_len, 4096);
	CHECK_EQ(bz.pref_address, 0x1000000);
	CHECK_EQ(bz.init_size, 8 * MIB);
	CHECK_EQ(bz.header_end, 0x26c);
	/* setup_sects 0 means 4. */
	p[BZ_SETUP_SECTS] = 0;
	CHECK_EQ(bzimage_parse(p, len, &bz, err, sizeof(err)), 0);
	CHECK_EQ(bz.kernel_off, 5 * 512);
	/* An ELF is not a bzImage. */
	const uint8_t elf[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	CHECK(!bzimage_detect(elf, sizeof(elf)));
	CHECK_EQ(pc_image_detect(elf, sizeof(elf)), IMAGE_UMBRA);
	free(p);
}

/* Each malformation gives an error naming it. */
TEST(bzimage_parse_rejects_malformed)
{
	size_t len;
	struct bzimage bz;
	char err[256];
	struct {
		size_t off;
		uint64_t val;
		unsigned int n;
		const char *word;
	} cases[] = {
		{BZ_VERSION, 0x0206, 2, "2.12"},
		{BZ_XLOADFLAGS, 0, 2, "64-bit"},
		{BZ_LOADFLAGS, 0, 1, "zImage"},
		{BZ_SETUP_SECTS, 200, 1, "truncated"},
		{BZ_INIT_SIZE, 100, 4, "init_size"},
		{BZ_KERNEL_ALIGNMENT, 0x3000, 4, "alignment"},
		{BZ_JUMP + 1, 0x10, 1, "header"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *p = make_bzimage(4096, &len);
		put(p, cases[i].off, cases[i].val, cases[i].n);
		err[0] = '\0';
		CHECK_EQ(bzimage_parse(p, len, &bz, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].word))
			fprintf(stderr, "  case %zu: \"%s\" lacks \"%s\"\n", i, err,
				cases[i].word);
		CHECK(strstr(err, cases[i].word) != NULL);
		free(p);
	}
	/* Truncated before the header ends; no "HdrS". */
	uint8_t *p = make_bzimage(4096, &len);
	CHECK_EQ(bzimage_parse(p, 0x210, &bz, err, sizeof(err)), -1);
	p[BZ_HEADER] = 'X';
	CHECK(!bzimage_detect(p, len));
	CHECK_EQ(bzimage_parse(p, len, &bz, err, sizeof(err)), -1);
	free(p);
}

TEST(linux_plan_places_kernel_initrd_and_checks_room)
{
	size_t len;
	uint8_t *p = make_bzimage(4096, &len);
	struct bzimage bz;
	struct linux_layout ll;
	struct guest_mem gm;
	char err[256];
	CHECK_EQ(bzimage_parse(p, len, &bz, err, sizeof(err)), 0);
	guest_mem_layout(&gm, 256 * MIB);
	CHECK_EQ(linux_plan(&bz, &gm, 10, 3 * MIB + 5, &ll, err, sizeof(err)), 0);
	CHECK_EQ(ll.kernel, 0x1000000);
	CHECK_EQ(ll.initrd_size, 3 * MIB + 5);
	CHECK_EQ(ll.initrd % 4096, 0);
	CHECK(ll.initrd + ll.initrd_size <= 256 * MIB);
	CHECK(ll.initrd >= ll.kernel + bz.init_size);
	/* initrd_addr_max caps the initrd's end. */
	bz.initrd_addr_max = 64 * MIB - 1;
	CHECK_EQ(linux_plan(&bz, &gm, 10, MIB, &ll, err, sizeof(err)), 0);
	CHECK(ll.initrd + ll.initrd_size <= 64 * MIB);
	/* Too large for the room between the kernel and the cap. */
	CHECK_EQ(linux_plan(&bz, &gm, 10, 50 * MIB, &ll, err, sizeof(err)), -1);
	CHECK(strstr(err, "initrd") != NULL);
	/* A command line longer than the kernel takes. */
	CHECK_EQ(linux_plan(&bz, &gm, 3000, 0, &ll, err, sizeof(err)), -1);
	CHECK(strstr(err, "command line") != NULL);
	/* Through firmware the same limit, and the room below the kernel. */
	CHECK_EQ(linux_fw_plan(&bz, &gm, 10, 0, &ll, err, sizeof(err)), 0);
	CHECK_EQ(linux_fw_plan(&bz, &gm, 3000, 0, &ll, err, sizeof(err)), -1);
	CHECK(strstr(err, "command line") != NULL);
	bz.cmdline_size = 1u << 30;
	CHECK_EQ(linux_fw_plan(&bz, &gm, LINUX_FW_KERNEL - LINUX_FW_CMDLINE, 0, &ll, err,
			       sizeof(err)), -1);
	CHECK_EQ(linux_fw_plan(&bz, &gm, LINUX_FW_KERNEL - LINUX_FW_CMDLINE - 1, 0, &ll, err,
			       sizeof(err)), 0);
	bz.cmdline_size = 2047;
	/* The kernel itself does not fit. */
	guest_mem_layout(&gm, 16 * MIB);
	CHECK_EQ(linux_plan(&bz, &gm, 0, 0, &ll, err, sizeof(err)), -1);
	CHECK(strstr(err, "RAM") != NULL);
	/* Not relocatable: at 1 MiB. */
	bz.relocatable = 0;
	guest_mem_layout(&gm, 64 * MIB);
	CHECK_EQ(linux_plan(&bz, &gm, 0, 0, &ll, err, sizeof(err)), 0);
	CHECK_EQ(ll.kernel, MIB);
	free(p);
}

TEST(e820_map_and_zero_page)
{
	struct guest_mem gm;
	struct e820_entry map[E820_MAX];
	guest_mem_layout(&gm, 4ULL << 30); /* 3 GiB low, 1 GiB high */
	unsigned int n = e820_build(&gm, true, map);
	CHECK_EQ(n, 5);
	CHECK_EQ(map[0].addr, 0);
	CHECK_EQ(map[0].size, E820_EBDA_START);
	CHECK_EQ(map[0].type, E820_RAM);
	CHECK_EQ(map[1].type, E820_RESERVED);
	CHECK_EQ(map[2].addr, E820_BIOS_START);
	CHECK_EQ(map[3].addr, MIB);
	CHECK_EQ(map[3].addr + map[3].size, 3ULL << 30);
	CHECK_EQ(map[4].addr, 4ULL << 30);
	CHECK_EQ(map[4].size, 1ULL << 30);
	n = e820_build(&gm, false, map);
	CHECK_EQ(n, 2);
	CHECK_EQ(map[0].size, 3ULL << 30);

	size_t len;
	uint8_t *p = make_bzimage(4096, &len);
	struct bzimage bz;
	char err[256];
	CHECK_EQ(bzimage_parse(p, len, &bz, err, sizeof(err)), 0);
	struct linux_layout ll = {.zero_page = LINUX_ZERO_PAGE, .cmdline = LINUX_CMDLINE,
				  .kernel = 0x1000000, .initrd = 0x5000000,
				  .initrd_size = 12345};
	uint8_t zp[BP_SIZE];
	memset(zp, 0x5a, sizeof(zp));
	n = e820_build(&gm, true, map);
	linux_write_zero_page(zp, &bz, &ll, map, n);
	CHECK_EQ(get(zp, BZ_HEADER, 4), BZ_MAGIC);
	CHECK_EQ(zp[BZ_TYPE_OF_LOADER], 0xff);
	CHECK_EQ(get(zp, BZ_CMD_LINE_PTR, 4), LINUX_CMDLINE);
	CHECK_EQ(get(zp, BZ_RAMDISK_IMAGE, 4), 0x5000000);
	CHECK_EQ(get(zp, BZ_RAMDISK_SIZE, 4), 12345);
	CHECK_EQ(zp[BP_E820_ENTRIES], 5);
	CHECK_EQ(get(zp, BP_E820_TABLE + 20 * 3, 8), MIB);
	CHECK_EQ(get(zp, BP_E820_TABLE + 20 * 4 + 16, 4), E820_RAM);
	CHECK_EQ(zp[0], 0); /* the rest is zeroed */
	CHECK_EQ(get(zp, BP_EXT_RAMDISK_IMAGE, 4), 0);
	free(p);
}

struct irq_log {
	int level, edges;
};

static void log_irq(void *ctx, int level)
{
	struct irq_log *l = ctx;
	if (level && !l->level)
		l->edges++;
	l->level = level;
}

static uint8_t uart(struct serial *s, unsigned int reg, int val)
{
	uint8_t v = (uint8_t)val;
	serial_io(s, (uint16_t)(0x3f8 + reg), &v, val >= 0);
	return v;
}

TEST(serial_thr_empty_interrupt)
{
	int fds[2];
	CHECK_EQ(pipe(fds), 0);
	struct serial s;
	struct irq_log log = {0, 0};
	serial_init(&s, 0x3f8, fds[1]);
	s.irq_set = log_irq;
	s.irq_ctx = &log;
	CHECK_EQ(uart(&s, 2, -1) & 0x0f, 0x01); /* nothing pending */
	uart(&s, 1, 0x02);                      /* IER: THR empty */
	CHECK_EQ(log.level, 0);                 /* but OUT2 clear: the line is not driven */
	CHECK_EQ(uart(&s, 2, -1) & 0x0f, 0x02); /* the UART still reports it */
	CHECK_EQ(log.edges, 0);
	uart(&s, 1, 0x00);
	uart(&s, 4, 0x08);                      /* MCR: OUT2, as Linux sets on open */
	CHECK_EQ(log.level, 0);
	uart(&s, 1, 0x02);
	CHECK_EQ(log.level, 1);
	CHECK_EQ(uart(&s, 2, -1) & 0x0f, 0x02); /* THRI, and reading clears it */
	CHECK_EQ(log.level, 0);
	CHECK_EQ(uart(&s, 2, -1) & 0x0f, 0x01);
	uart(&s, 0, 'x');                       /* sent at once: pending again */
	CHECK_EQ(log.level, 1);
	CHECK_EQ(log.edges, 2);
	uart(&s, 0, '\n');                      /* a new edge per byte */
	CHECK_EQ(log.edges, 3);
	uart(&s, 1, 0x00);                      /* disabled: line low */
	CHECK_EQ(log.level, 0);
	uart(&s, 1, 0x02);
	CHECK_EQ(log.level, 1);
	uart(&s, 4, 0x00);                      /* OUT2 cleared: line low */
	CHECK_EQ(log.level, 0);
	char buf[8];
	CHECK_EQ(read(fds[0], buf, sizeof(buf)), 2);
	serial_destroy(&s);
	close(fds[0]);
	close(fds[1]);
}

static time_t fixed_time(void)
{
	return 1700000000; /* 2023-11-14 22:13:20 UTC, a Tuesday */
}

static uint8_t cmos(struct rtc *r, uint8_t reg, int val)
{
	uint8_t v = reg;
	rtc_io(r, RTC_PORT, &v, true);
	v = (uint8_t)val;
	rtc_io(r, RTC_PORT + 1, &v, val >= 0);
	return v;
}

TEST(rtc_time_and_cmos_ram)
{
	struct rtc r;
	rtc_init(&r);
	r.now = fixed_time;
	CHECK_EQ(cmos(&r, RTC_REG_A, -1) & 0x80, 0); /* never updating */
	CHECK_EQ(cmos(&r, RTC_REG_D, -1), 0x80);
	CHECK_EQ(cmos(&r, RTC_SECONDS, -1), 0x20); /* BCD */
	CHECK_EQ(cmos(&r, RTC_MINUTES, -1), 0x13);
	CHECK_EQ(cmos(&r, RTC_HOURS, -1), 0x22);
	CHECK_EQ(cmos(&r, RTC_DAY_OF_WEEK, -1), 3);
	CHECK_EQ(cmos(&r, RTC_DAY_OF_MONTH, -1), 0x14);
	CHECK_EQ(cmos(&r, RTC_MONTH, -1), 0x11);
	CHECK_EQ(cmos(&r, RTC_YEAR, -1), 0x23);
	CHECK_EQ(cmos(&r, RTC_CENTURY, -1), 0x20);
	cmos(&r, RTC_REG_B, RTC_B_BINARY);
	CHECK_EQ(cmos(&r, RTC_HOURS, -1), 22);
	CHECK_EQ(cmos(&r, RTC_REG_B, -1), RTC_B_BINARY | RTC_B_24H);
	cmos(&r, RTC_SECONDS, 0x55); /* the clock is read-only */
	CHECK_EQ(cmos(&r, RTC_SECONDS, -1), 20);
	cmos(&r, 0x40, 0xab); /* CMOS RAM keeps what is written */
	CHECK_EQ(cmos(&r, 0x40, -1), 0xab);
	cmos(&r, 0x80 | 0x40, -1); /* bit 7 of the index (NMI mask) ignored */
	CHECK_EQ(cmos(&r, 0x40, -1), 0xab);
	rtc_destroy(&r);
}

struct stop_log {
	int calls, status;
};

static void log_stop(void *ctx, int status, const char *why)
{
	struct stop_log *l = ctx;
	(void)why;
	l->calls++;
	l->status = status;
}

TEST(i8042_reset_and_debug_exit)
{
	struct stop_log log = {0, -1};
	struct pc_ports pc = {.stop = log_stop, .ctx = &log};
	uint8_t v = 0;
	i8042_io(&pc, I8042_CMD_PORT, &v, false);
	CHECK_EQ(v & 0x02, 0); /* input buffer empty: commands go in at once */
	v = 0xaa;              /* other commands do nothing */
	i8042_io(&pc, I8042_CMD_PORT, &v, true);
	CHECK_EQ(log.calls, 0);
	v = I8042_CMD_RESET;
	i8042_io(&pc, I8042_CMD_PORT, &v, true);
	CHECK_EQ(log.calls, 1);
	CHECK_EQ(log.status, 0);
	v = 0x10;
	debug_exit_io(&pc, DEBUG_EXIT_PORT + 1, &v, true); /* high bytes: nothing */
	CHECK_EQ(log.calls, 1);
	debug_exit_io(&pc, DEBUG_EXIT_PORT, &v, true);
	CHECK_EQ(log.calls, 2);
	CHECK_EQ(log.status, 0x21);
	v = 0;
	debug_exit_io(&pc, DEBUG_EXIT_PORT, &v, true);
	CHECK_EQ(log.status, 1);
}

TEST(acpi_pm1_control_powers_off_on_s5_only)
{
	struct stop_log log = {0, -1};
	struct pc_ports pc = {.stop = log_stop, .ctx = &log};
	uint8_t v = 0xff;
	for (uint16_t p = ACPI_PM1A_EVT_PORT; p < ACPI_PM1A_EVT_PORT + 4; p++) {
		v = 0xff;
		acpi_pm_io(&pc, p, &v, false);
		CHECK_EQ(v, 0); /* no event pending or enabled */
	}
	acpi_pm_io(&pc, ACPI_PM1A_CNT_PORT, &v, false);
	CHECK_EQ(v, ACPI_PM1_CNT_SCI_EN); /* in ACPI mode */
	v = 0xff; /* clearing status bits: nothing happens */
	acpi_pm_io(&pc, ACPI_PM1A_EVT_PORT, &v, true);
	acpi_pm_io(&pc, ACPI_PM1A_EVT_PORT, &v, false);
	CHECK_EQ(v, 0);
	v = 0x21; /* enabling the global lock and RTC events: read back */
	acpi_pm_io(&pc, ACPI_PM1A_EVT_PORT + 2, &v, true);
	v = 0x04;
	acpi_pm_io(&pc, ACPI_PM1A_EVT_PORT + 3, &v, true);
	acpi_pm_io(&pc, ACPI_PM1A_EVT_PORT + 2, &v, false);
	CHECK_EQ(v, 0x21);
	acpi_pm_io(&pc, ACPI_PM1A_EVT_PORT + 3, &v, false);
	CHECK_EQ(v, 0x04);
	v = ACPI_S5_SLP_TYP << 2; /* the type without SLP_EN */
	acpi_pm_io(&pc, ACPI_PM1A_CNT_PORT + 1, &v, true);
	v = (3 << 2) | ACPI_PM1_CNT_HI_SLP_EN; /* S3: not offered, ignored */
	acpi_pm_io(&pc, ACPI_PM1A_CNT_PORT + 1, &v, true);
	v = (ACPI_S5_SLP_TYP << 2) | ACPI_PM1_CNT_HI_SLP_EN; /* in the low byte: no */
	acpi_pm_io(&pc, ACPI_PM1A_CNT_PORT, &v, true);
	CHECK_EQ(log.calls, 0);
	/* Linux's 16-bit write of SLP_TYP 5 << 10 | SLP_EN, a byte at a time. */
	uint16_t w = (ACPI_S5_SLP_TYP << 10) | (1 << 13) | ACPI_PM1_CNT_SCI_EN;
	v = (uint8_t)w;
	acpi_pm_io(&pc, ACPI_PM1A_CNT_PORT, &v, true);
	v = (uint8_t)(w >> 8);
	acpi_pm_io(&pc, ACPI_PM1A_CNT_PORT + 1, &v, true);
	CHECK_EQ(log.calls, 1);
	CHECK_EQ(log.status, 0);
}
