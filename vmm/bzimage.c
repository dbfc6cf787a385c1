/* SPDX-License-Identifier: MIT */
/* Linux boot protocol: bzImage header checks, placement, the zero page. */
#include "bzimage.h"

#include <stdio.h>
#include <string.h>

#define MIB (1ULL << 20)

static uint32_t rd(const uint8_t *p, size_t off, unsigned int n)
{
	uint32_t v = 0;
	for (unsigned int i = 0; i < n; i++)
		v |= (uint32_t)p[off + i] << (8 * i);
	return v;
}

static uint64_t rd64(const uint8_t *p, size_t off)
{
	return rd(p, off, 4) | (uint64_t)rd(p, off + 4, 4) << 32;
}

static void wr(uint8_t *p, size_t off, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

int bzimage_detect(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	return len >= BZ_HEADER + 4 && rd(p, BZ_BOOT_FLAG, 2) == 0xaa55 &&
	       rd(p, BZ_HEADER, 4) == BZ_MAGIC;
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "bzImage: %s", what);
	return -1;
}

int bzimage_parse(const void *buf, size_t len, struct bzimage *bz, char *err,
		  size_t errlen)
{
	const uint8_t *p = buf;
	memset(bz, 0, sizeof(*bz));
	if (!bzimage_detect(buf, len))
		return fail(err, errlen, "no boot flag 0xaa55 and \"HdrS\" header");
	bz->file = p;
	bz->file_len = len;
	/* The magic may end the file: the version after it must be there. */
	if (len < BZ_VERSION + 2)
		return fail(err, errlen, "setup header truncated or malformed");
	bz->version = (uint16_t)rd(p, BZ_VERSION, 2);
	if (bz->version < BZ_MIN_VERSION) {
		snprintf(err, errlen, "bzImage: boot protocol %u.%02u is older than "
			 "2.12 (no 64-bit entry)", bz->version >> 8, bz->version & 0xff);
		return -1;
	}
	/* The header's length is in its own jump instruction (0xeb rel8). */
	bz->header_end = 0x202 + p[BZ_JUMP + 1];
	if (p[BZ_JUMP] != 0xeb || bz->header_end < BZ_INIT_SIZE + 4 ||
	    bz->header_end > len)
		return fail(err, errlen, "setup header truncated or malformed");
	if (!(rd(p, BZ_XLOADFLAGS, 2) & BZ_XLF_KERNEL_64))
		return fail(err, errlen, "the kernel has no 64-bit entry point");
	if (!(p[BZ_LOADFLAGS] & BZ_LOADED_HIGH))
		return fail(err, errlen, "a zImage (loaded low) is not supported");
	unsigned int sects = p[BZ_SETUP_SECTS] ? p[BZ_SETUP_SECTS] : 4;
	bz->setup_len = (sects + 1) * 512;
	bz->kernel_off = bz->setup_len;
	if (bz->kernel_off >= len)
		return fail(err, errlen, "truncated: the protected-mode kernel is missing");
	bz->kernel_len = len - bz->kernel_off;
	bz->pref_address = rd64(p, BZ_PREF_ADDRESS);
	bz->init_size = rd(p, BZ_INIT_SIZE, 4);
	bz->kernel_alignment = rd(p, BZ_KERNEL_ALIGNMENT, 4);
	bz->relocatable = p[BZ_RELOCATABLE];
	bz->initrd_addr_max = rd(p, BZ_INITRD_ADDR_MAX, 4);
	bz->cmdline_size = rd(p, BZ_CMDLINE_SIZE, 4);
	if (bz->init_size < bz->kernel_len)
		return fail(err, errlen, "init_size is smaller than the kernel itself");
	if (bz->relocatable && (bz->kernel_alignment == 0 ||
				(bz->kernel_alignment & (bz->kernel_alignment - 1))))
		return fail(err, errlen, "kernel_alignment is not a power of two");
	if (bz->pref_address < MIB || bz->pref_address >= (1ULL << 32))
		bz->pref_address = MIB;
	return 0;
}

/* The initrd goes page-aligned at the top of [kernel_end, top), as high as
 * the kernel allows (both boot paths place it the same way). */
static int place_initrd(struct linux_layout *ll, uint64_t initrd_size,
			uint64_t kernel_end, uint64_t top, char *err, size_t errlen)
{
	if (!initrd_size)
		return 0;
	if (initrd_size > top || ((top - initrd_size) & ~0xfffULL) < kernel_end) {
		snprintf(err, errlen, "initrd too large: %llu bytes do not fit "
			 "between the kernel and %llu MiB (raise -m/--mem)",
			 (unsigned long long)initrd_size,
			 (unsigned long long)(top / MIB));
		return -1;
	}
	ll->initrd = (top - initrd_size) & ~0xfffULL;
	ll->initrd_size = initrd_size;
	return 0;
}

/* Whether a command line of len bytes fits the kernel's limit and room
 * bytes of guest memory (with its NUL); else false with err set. */
static bool cmdline_fits(const struct bzimage *bz, uint64_t len, uint64_t room, char *err,
			 size_t errlen)
{
	if (len <= bz->cmdline_size && len + 1 <= room)
		return true;
	snprintf(err, errlen, "command line too long for this kernel (%llu bytes; it takes %u)",
		 (unsigned long long)len, bz->cmdline_size);
	return false;
}

int linux_plan(const struct bzimage *bz, const struct guest_mem *gm,
	       uint64_t cmdline_len, uint64_t initrd_size, struct linux_layout *ll,
	       char *err, size_t errlen)
{
	memset(ll, 0, sizeof(*ll));
	ll->zero_page = LINUX_ZERO_PAGE;
	ll->cmdline = LINUX_CMDLINE;
	if (!cmdline_fits(bz, cmdline_len, LINUX_CMDLINE_MAX, err, errlen))
		return -1;
	uint64_t load = MIB;
	if (bz->relocatable) {
		uint64_t a = bz->kernel_alignment;
		load = (bz->pref_address + a - 1) & ~(a - 1);
	}
	ll->kernel = load;
	uint64_t low = guest_mem_low_size(gm);
	uint64_t top = low;
	if ((uint64_t)bz->initrd_addr_max + 1 < top)
		top = (uint64_t)bz->initrd_addr_max + 1;
	uint64_t kernel_end = load + bz->init_size;
	if (kernel_end > low) {
		snprintf(err, errlen, "bzImage needs %llu MiB from %llu MiB, but guest "
			 "RAM is %llu MiB (raise -m/--mem)",
			 (unsigned long long)((bz->init_size + MIB - 1) / MIB),
			 (unsigned long long)(load / MIB),
			 (unsigned long long)(gm->total / MIB));
		return -1;
	}
	return place_initrd(ll, initrd_size, kernel_end, top, err, errlen);
}

int linux_fw_plan(const struct bzimage *bz, const struct guest_mem *gm,
		  uint64_t cmdline_len, uint64_t initrd_size, struct linux_layout *ll,
		  char *err, size_t errlen)
{
	memset(ll, 0, sizeof(*ll));
	ll->zero_page = LINUX_FW_SETUP;
	ll->cmdline = LINUX_FW_CMDLINE;
	ll->kernel = LINUX_FW_KERNEL;
	if (!cmdline_fits(bz, cmdline_len, LINUX_FW_KERNEL - LINUX_FW_CMDLINE, err, errlen))
		return -1;
	uint64_t low = guest_mem_low_size(gm);
	uint64_t top = low > LINUX_FW_TOP_MARGIN ? low - LINUX_FW_TOP_MARGIN : 0;
	if ((uint64_t)bz->initrd_addr_max + 1 < top)
		top = (uint64_t)bz->initrd_addr_max + 1;
	uint64_t kernel_end = LINUX_FW_KERNEL + bz->init_size;
	if (kernel_end > top) {
		snprintf(err, errlen, "bzImage needs %llu MiB from 1 MiB, but guest RAM "
			 "is %llu MiB (raise -m/--mem)",
			 (unsigned long long)((bz->init_size + MIB - 1) / MIB),
			 (unsigned long long)(gm->total / MIB));
		return -1;
	}
	return place_initrd(ll, initrd_size, kernel_end, top, err, errlen);
}

void linux_fw_patch_setup(uint8_t *setup, const struct linux_layout *ll)
{
	setup[BZ_TYPE_OF_LOADER] = 0xb0; /* what QEMU writes */
	setup[BZ_LOADFLAGS] |= BZ_CAN_USE_HEAP;
	wr(setup, BZ_HEAP_END_PTR, ll->cmdline - ll->zero_page - 0x200, 2);
	wr(setup, BZ_CMD_LINE_PTR, ll->cmdline, 4);
	wr(setup, BZ_RAMDISK_IMAGE, ll->initrd, 4);
	wr(setup, BZ_RAMDISK_SIZE, ll->initrd_size, 4);
}

void linux_write_zero_page(uint8_t *zp, const struct bzimage *bz,
			   const struct linux_layout *ll,
			   const struct e820_entry *e820, unsigned int ne820)
{
	memset(zp, 0, BP_SIZE);
	/* The setup header as the file has it; the loader fills in its part. */
	memcpy(zp + BZ_SETUP_SECTS, bz->file + BZ_SETUP_SECTS,
	       bz->header_end - BZ_SETUP_SECTS);
	zp[BZ_TYPE_OF_LOADER] = 0xff; /* undefined loader */
	wr(zp, BZ_CMD_LINE_PTR, ll->cmdline, 4);
	wr(zp, BP_EXT_CMD_LINE_PTR, ll->cmdline >> 32, 4);
	wr(zp, BZ_RAMDISK_IMAGE, ll->initrd, 4);
	wr(zp, BZ_RAMDISK_SIZE, ll->initrd_size, 4);
	wr(zp, BP_EXT_RAMDISK_IMAGE, ll->initrd >> 32, 4);
	wr(zp, BP_EXT_RAMDISK_SIZE, ll->initrd_size >> 32, 4);
	if (ne820 > BP_E820_MAX)
		ne820 = BP_E820_MAX;
	zp[BP_E820_ENTRIES] = (uint8_t)ne820;
	for (unsigned int i = 0; i < ne820; i++) {
		size_t off = BP_E820_TABLE + 20 * i;
		wr(zp, off, e820[i].addr, 8);
		wr(zp, off + 8, e820[i].size, 8);
		wr(zp, off + 16, e820[i].type, 4);
	}
}
