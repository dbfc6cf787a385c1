// SPDX-License-Identifier: MIT
/*
 * The PVH entry's one question to the firmware interface (pvh.S): where the
 * VMM put the FDT. The VMM names it in the fw_cfg file "etc/umbra/fdt" (its
 * guest-physical address, 8 bytes little-endian; docs/boot.md). Runs before
 * _start clears .bss, so it keeps nothing in static storage.
 */
#include "kernel.h"
#include "x86.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_NAME_MAX 56

uint64_t pvh_fdt_address(void);

static inline void fw_cfg_select(uint16_t key)
{
	__asm__ volatile("outw %0, %1" ::"a"(key), "Nd"((uint16_t)FW_CFG_PORT_SEL));
}

static void fw_cfg_read(void *buf, size_t len)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++)
		p[i] = inb(FW_CFG_PORT_DATA);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* 0 if the file is missing: start_kernel then stops, naming the address. */
uint64_t pvh_fdt_address(void)
{
	static const char want[] = "etc/umbra/fdt";
	uint8_t count[4];
	fw_cfg_select(FW_CFG_FILE_DIR);
	fw_cfg_read(count, sizeof(count));
	for (uint32_t i = be32(count); i; i--) {
		/* size (be32), select (be16), reserved (be16), name */
		uint8_t f[8 + FW_CFG_NAME_MAX];
		fw_cfg_read(f, sizeof(f));
		size_t k = 0;
		while (k < sizeof(want) && f[8 + k] == (uint8_t)want[k])
			k++;
		if (k < sizeof(want) || be32(f) != 8)
			continue;
		uint64_t pa = 0;
		fw_cfg_select((uint16_t)(f[4] << 8 | f[5]));
		fw_cfg_read(&pa, sizeof(pa));
		return pa;
	}
	return 0;
}
