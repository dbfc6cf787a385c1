/* SPDX-License-Identifier: MIT */
/* Multiboot v1 images (header search, loading rules, the information) and
 * the fw_cfg device (port protocol, file directory, DMA). */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

#include "e820.h"
#include "fw_cfg.h"
#include "guest_mem.h"
#include "multiboot.h"
#include "pc_image.h"

#define MIB (1ULL << 20)

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;
	memcpy(&v, p + off, 4);
	return v;
}

/* A flat image with the address fields: header at off, loaded at 1 MiB. */
static uint8_t *make_aout(size_t len, size_t off, uint32_t flags)
{
	uint8_t *p = calloc(1, len);
	put32(p, off, MB_HEADER_MAGIC);
	put32(p, off + 4, flags | MB_AOUT_KLUDGE);
	put32(p, off + 8, -(MB_HEADER_MAGIC + (flags | MB_AOUT_KLUDGE)));
	put32(p, off + 12, 0x100000 + (uint32_t)off);   /* header_addr */
	put32(p, off + 16, 0x100000);                   /* load_addr */
	put32(p, off + 20, 0);                          /* load_end: whole file */
	put32(p, off + 24, 0x100000 + (uint32_t)len + 0x1000); /* bss_end */
	put32(p, off + 28, 0x100000 + (uint32_t)off + 32);     /* entry */
	return p;
}

TEST(multiboot_header_and_aout_loading)
{
	struct guest_mem gm;
	struct multiboot_image mb;
	char err[256];
	guest_mem_layout(&gm, 64 * MIB);
	uint8_t *p = make_aout(16384, 4096, MB_PAGE_ALIGN | MB_MEMORY_INFO);
	CHECK_EQ(multiboot_find(p, 16384), 4096);
	CHECK_EQ(pc_image_detect(p, 16384), IMAGE_MULTIBOOT);
	CHECK_EQ(multiboot_parse(p, 16384, &gm, &mb, err, sizeof(err)), 0);
	CHECK_EQ(mb.nloads, 1);
	CHECK_EQ(mb.loads[0].paddr, 0x100000);
	CHECK_EQ(mb.loads[0].filesz, 16384);
	CHECK_EQ(mb.loads[0].memsz, 16384 + 0x1000);
	CHECK_EQ(mb.entry, 0x100000 + 4096 + 32);

	/* A bad checksum is no header; past 8 KiB is not searched. */
	put32(p, 4096 + 8, 0);
	CHECK_EQ(multiboot_find(p, 16384), -1);
	free(p);
	p = make_aout(16384, 8192, 0);
	CHECK_EQ(multiboot_find(p, 16384), -1);
	free(p);

	struct {
		uint32_t flags;
		size_t field;
		uint32_t val;
		const char *word;
	} cases[] = {
		{MB_VIDEO_MODE, 0, 0, "video"},
		{1u << 5, 0, 0, "unknown"},
		{0, 28, 0x5000000, "entry"},          /* entry outside */
		{0, 16, 0x1000, "RAM"},               /* load below 1 MiB (and header_addr) */
		{0, 24, 0x100000, "bss_end"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = make_aout(16384, 4096, cases[i].flags);
		if (cases[i].field) {
			put32(p, 4096 + cases[i].field, cases[i].val);
			if (cases[i].field == 16) /* keep header_addr consistent */
				put32(p, 4096 + 12, 0x1000 + 4096);
		}
		err[0] = '\0';
		CHECK_EQ(multiboot_parse(p, 16384, &gm, &mb, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].word))
			fprintf(stderr, "  case %zu: \"%s\" lacks \"%s\"\n", i, err, cases[i].word);
		CHECK(strstr(err, cases[i].word) != NULL);
		free(p);
	}
}

TEST(multiboot_info_memory_map_cmdline_module)
{
	struct guest_mem gm;
	struct multiboot_image mb;
	struct mb_layout ml;
	char err[256];
	guest_mem_layout(&gm, 64 * MIB);
	CHECK_EQ(guest_mem_map(&gm), 0);
	uint8_t *p = make_aout(16384, 0, MB_PAGE_ALIGN);
	CHECK_EQ(multiboot_parse(p, 16384, &gm, &mb, err, sizeof(err)), 0);
	CHECK_EQ(multiboot_plan(&mb, &gm, 5, 10000, &ml, err, sizeof(err)), 0);
	CHECK_EQ(ml.module % 4096, 0);
	CHECK(ml.module >= mb.load_end);
	CHECK(ml.module + ml.module_size <= 64 * MIB);
	CHECK_EQ(multiboot_plan(&mb, &gm, 5, 70 * MIB, &ml, err, sizeof(err)), -1);
	CHECK(strstr(err, "initrd") != NULL);
	/* Through firmware: the module right after the image, all below top;
	 * the information's places as for a direct boot. */
	CHECK_EQ(multiboot_load_start(&mb), 0x100000);
	CHECK_EQ(multiboot_fw_plan(&mb, 62 * MIB, 5, 10000, &ml, err, sizeof(err)), 0);
	CHECK_EQ(ml.module, (mb.load_end + 4095) & ~4095ull);
	CHECK_EQ(ml.module_size, 10000);
	CHECK_EQ(ml.info, MB_INFO);
	CHECK(MB_FW_INFO_END <= 0x100000 && MB_FW_INFO_END > ml.strings);
	CHECK_EQ(multiboot_fw_plan(&mb, ml.module + 9999, 5, 10000, &ml, err, sizeof(err)), -1);
	CHECK(strstr(err, "do not fit") != NULL);
	CHECK_EQ(multiboot_fw_plan(&mb, 62 * MIB, 5, 0, &ml, err, sizeof(err)), 0);
	CHECK_EQ(ml.module_size, 0);
	CHECK_EQ(multiboot_fw_plan(&mb, 62 * MIB, MB_STRINGS_MAX, 0, &ml, err, sizeof(err)), -1);
	struct multiboot_image low = mb;
	low.loads[0].paddr = 0x80000;
	CHECK_EQ(multiboot_fw_plan(&low, 62 * MIB, 5, 0, &ml, err, sizeof(err)), -1);
	CHECK(strstr(err, "below 1 MiB") != NULL);
	CHECK_EQ(multiboot_plan(&mb, &gm, 5, 10000, &ml, err, sizeof(err)), 0);
	CHECK_EQ(multiboot_load(&mb, &gm), 0);
	CHECK_EQ(memcmp(guest_mem_hva(&gm, 0x100000, 16), p, 16), 0);
	struct e820_entry map[E820_MAX];
	unsigned int n = e820_build(&gm, true, map);
	CHECK_EQ(multiboot_write_info(&ml, &gm, "hello", "initrd.txt", map, n), 0);
	const uint8_t *info = guest_mem_hva(&gm, ml.info, MBI_SIZE);
	uint32_t flags = get32(info, MBI_FLAGS);
	CHECK_EQ(flags & (MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP),
		 MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP);
	CHECK_EQ(get32(info, MBI_MEM_LOWER), 639);
	CHECK_EQ(get32(info, MBI_MEM_UPPER), (64 * MIB - MIB) / 1024);
	CHECK_STREQ((const char *)guest_mem_hva(&gm, get32(info, MBI_CMDLINE_PTR), 6), "hello");
	CHECK_EQ(get32(info, MBI_MODS_COUNT), 1);
	const uint8_t *mod = guest_mem_hva(&gm, get32(info, MBI_MODS_ADDR), 16);
	CHECK_EQ(get32(mod, 0), ml.module);
	CHECK_EQ(get32(mod, 4), ml.module + 10000);
	CHECK_STREQ((const char *)guest_mem_hva(&gm, get32(mod, 8), 11), "initrd.txt");
	CHECK_EQ(get32(info, MBI_MMAP_LENGTH), 24 * n);
	const uint8_t *mm = guest_mem_hva(&gm, get32(info, MBI_MMAP_ADDR), 24 * n);
	CHECK_EQ(get32(mm, 0), 20);
	CHECK_EQ(get32(mm, 20), E820_RAM);
	CHECK_EQ(get32(mm + 24 * 3, 4), MIB); /* RAM from 1 MiB, low half */
	guest_mem_unmap(&gm);
	free(p);
}

static void sel(struct fw_cfg *fc, uint16_t key)
{
	uint8_t b[2] = {(uint8_t)key, (uint8_t)(key >> 8)};
	fw_cfg_io(fc, FW_CFG_PORT_SEL, &b[0], true);
	fw_cfg_io(fc, FW_CFG_PORT_SEL + 1, &b[1], true);
}

static uint8_t data(struct fw_cfg *fc)
{
	uint8_t v;
	fw_cfg_io(fc, FW_CFG_PORT_DATA, &v, false);
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

TEST(fw_cfg_ports_and_directory)
{
	struct fw_cfg fc;
	fw_cfg_init(&fc, NULL);
	sel(&fc, FW_CFG_SIGNATURE);
	char sig[5] = {(char)data(&fc), (char)data(&fc), (char)data(&fc), (char)data(&fc), 0};
	CHECK_STREQ(sig, "QEMU");
	CHECK_EQ(data(&fc), 0); /* past the end: zeros */
	sel(&fc, FW_CFG_ID);
	CHECK_EQ(data(&fc), FW_CFG_ID_TRADITIONAL); /* no DMA without memory */
	CHECK_EQ(fw_cfg_set_u16(&fc, FW_CFG_NB_CPUS, 3), 0);
	sel(&fc, FW_CFG_NB_CPUS);
	CHECK_EQ(data(&fc), 3);
	CHECK_EQ(data(&fc), 0);
	sel(&fc, 0x7ff); /* unknown: zeros */
	CHECK_EQ(data(&fc), 0);
	CHECK_EQ(fw_cfg_set(&fc, FW_CFG_FILE_DIR, "x", 1), -1);
	CHECK_EQ(fw_cfg_add_file(&fc, "etc/one", "abc", 3), FW_CFG_FILE_FIRST);
	CHECK_EQ(fw_cfg_add_file(&fc, "bootorder", "", 0), FW_CFG_FILE_FIRST + 1);
	CHECK_EQ(fw_cfg_add_file(&fc, "etc/one", "x", 1), -1); /* duplicate */
	char longname[80];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[79] = '\0';
	CHECK_EQ(fw_cfg_add_file(&fc, longname, "x", 1), -1);
	/* The directory: count, then size/select/name, big-endian. */
	sel(&fc, FW_CFG_FILE_DIR);
	uint8_t dir[4 + 2 * 64];
	for (size_t i = 0; i < sizeof(dir); i++)
		dir[i] = data(&fc);
	CHECK_EQ(be32(dir), 2);
	CHECK_EQ(be32(dir + 4), 3);
	CHECK_EQ(dir[8] << 8 | dir[9], FW_CFG_FILE_FIRST);
	CHECK_STREQ((const char *)dir + 12, "etc/one");
	CHECK_EQ(be32(dir + 68), 0);
	CHECK_STREQ((const char *)dir + 76, "bootorder");
	sel(&fc, FW_CFG_FILE_FIRST);
	CHECK_EQ(data(&fc), 'a');
	CHECK_EQ(data(&fc), 'b');
	/* The DMA port reads as its signature. */
	uint8_t v;
	fw_cfg_io(&fc, FW_CFG_PORT_DMA, &v, false);
	CHECK_EQ(v, 'Q');
	fw_cfg_io(&fc, FW_CFG_PORT_DMA + 7, &v, false);
	CHECK_EQ(v, 'G');
	fw_cfg_destroy(&fc);
}

static void put_be(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Writes the descriptor's address through the two DMA ports. */
static void dma_at(struct fw_cfg *fc, uint64_t gpa)
{
	uint8_t b[8];
	put_be(b, gpa, 8);
	for (int i = 0; i < 8; i++)
		fw_cfg_io(fc, (uint16_t)(FW_CFG_PORT_DMA + i), &b[i], true);
}

TEST(fw_cfg_dma_select_read_skip_and_errors)
{
	struct guest_mem gm;
	guest_mem_layout(&gm, 16 * MIB);
	CHECK_EQ(guest_mem_map(&gm), 0);
	struct fw_cfg fc;
	fw_cfg_init(&fc, &gm);
	CHECK_EQ(fw_cfg_add_file(&fc, "etc/data", "0123456789", 10), FW_CFG_FILE_FIRST);
	sel(&fc, FW_CFG_ID);
	CHECK_EQ(data(&fc), FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);
	uint8_t *desc = guest_mem_hva(&gm, 0x1000, 16);
	uint8_t *buf = guest_mem_hva(&gm, 0x2000, 64);
	/* Select + read 4 bytes. */
	memset(buf, 0xee, 64);
	put_be(desc, (uint32_t)FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 4);
	put_be(desc + 4, 4, 4);
	put_be(desc + 8, 0x2000, 8);
	dma_at(&fc, 0x1000);
	CHECK_EQ(be32(desc), 0);
	CHECK_EQ(memcmp(buf, "0123", 4), 0);
	CHECK_EQ(buf[4], 0xee);
	/* Skip 2, then read 8: 4 data bytes and 4 zeros past the end. */
	put_be(desc, FW_CFG_DMA_SKIP, 4);
	put_be(desc + 4, 2, 4);
	dma_at(&fc, 0x1000);
	put_be(desc, FW_CFG_DMA_READ, 4);
	put_be(desc + 4, 8, 4);
	put_be(desc + 8, 0x2000, 8);
	dma_at(&fc, 0x1000);
	CHECK_EQ(be32(desc), 0);
	CHECK_EQ(memcmp(buf, "6789\0\0\0\0", 8), 0);
	/* Writes are refused; a target outside RAM is an error. */
	put_be(desc, FW_CFG_DMA_WRITE, 4);
	dma_at(&fc, 0x1000);
	CHECK_EQ(be32(desc), FW_CFG_DMA_ERROR);
	put_be(desc, FW_CFG_DMA_READ, 4);
	put_be(desc + 8, 0xfffff000ULL, 8);
	dma_at(&fc, 0x1000);
	CHECK_EQ(be32(desc), FW_CFG_DMA_ERROR);
	/* A descriptor outside RAM is ignored, not a crash. */
	CHECK_EQ(fw_cfg_dma(&fc, 0xfffffff8ULL), -1);
	dma_at(&fc, 0xfffffff8ULL);
	fw_cfg_destroy(&fc);
	guest_mem_unmap(&gm);
}
