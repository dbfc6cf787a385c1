/* SPDX-License-Identifier: MIT */
/*
 * What the VMM reads from the kernel file (vmm/main.c's path, without
 * KVM): the image type by content, then umbra's ELF (vmm/elf_load.c) or a
 * PC image — a bzImage (vmm/bzimage.c, direct and firmware boot plans) or
 * a multiboot image (vmm/multiboot.c). Whatever the checks accept must
 * load: every copy the loaders then make stays inside the file and inside
 * guest RAM (ASan sees the file buffer's end; guest RAM is checked here),
 * as the VMM only reports "not in guest RAM" as an internal error.
 */
#include <stdio.h>

#include "boot.h"
#include "bzimage.h"
#include "e820.h"
#include "elf_load.h"
#include "guest_mem.h"
#include "multiboot.h"
#include "pc_image.h"
#include "fuzz_input.h"

#define RAM (32ull << 20)

static struct guest_mem gm;

static void check_elf(const uint8_t *f, size_t len, uint64_t initrd_size)
{
	struct boot_layout bl;
	struct elf_image img;
	char err[256];
	if (boot_plan(&gm, initrd_size, &bl, err, sizeof(err)))
		return;
	if (elf_check(f, len, &gm, &bl, &img, err, sizeof(err)))
		return;
	FUZZ_ASSERT(img.nloads <= ELF_MAX_LOADS, "%u loads", img.nloads);
	for (unsigned i = 0; i < img.nloads; i++) {
		const struct elf_segment *s = &img.loads[i];
		FUZZ_ASSERT(s->filesz <= s->memsz && s->offset <= len &&
			    s->filesz <= len - s->offset, "segment %u outside the file", i);
		FUZZ_ASSERT(guest_mem_contains(&gm, s->paddr, s->memsz),
			    "segment %u outside guest RAM", i);
		/* The kernel's segments stay clear of the FDT and initrd. */
		FUZZ_ASSERT(s->paddr + s->memsz <= bl.fdt_gpa || s->paddr >= bl.area_end,
			    "segment %u overlaps the boot area", i);
	}
	FUZZ_ASSERT(elf_load(&img, &gm) == 0, "a checked ELF does not load");
}

static void check_linux(const struct pc_image *pi, const uint8_t *f, size_t len,
			const char *cmdline)
{
	const struct bzimage *bz = &pi->bz;
	const struct linux_layout *ll = &pi->ll;
	FUZZ_ASSERT(bz->kernel_off <= len && bz->kernel_len <= len - bz->kernel_off &&
		    bz->setup_len <= len, "the kernel is outside the file");
	size_t cmdlen = strlen(cmdline);
	uint8_t *kernel = guest_mem_hva(&gm, ll->kernel, bz->kernel_len);
	uint8_t *zp = guest_mem_hva(&gm, ll->zero_page, BP_SIZE);
	uint8_t *cl = guest_mem_hva(&gm, ll->cmdline, cmdlen + 1);
	FUZZ_ASSERT(kernel && zp && cl, "the plan is not in guest RAM");
	if (ll->initrd_size)
		FUZZ_ASSERT(guest_mem_contains(&gm, ll->initrd, ll->initrd_size),
			    "the initrd is not in guest RAM");
	memcpy(kernel, f + bz->kernel_off, bz->kernel_len);
	memcpy(cl, cmdline, cmdlen + 1);
	struct e820_entry map[E820_MAX];
	unsigned n = e820_build(&gm, true, map);
	linux_write_zero_page(zp, bz, ll, map, n);
	/* The firmware-boot plan of the same image (--bios). */
	struct linux_layout fl;
	char err[256];
	if (linux_fw_plan(bz, &gm, cmdlen, ll->initrd_size, &fl, err, sizeof(err)) == 0) {
		uint8_t *setup = malloc(bz->setup_len);
		if (!setup)
			abort();
		memcpy(setup, f, bz->setup_len);
		linux_fw_patch_setup(setup, &fl);
		free(setup);
	}
}

static void check_multiboot(const struct pc_image *pi, const char *cmdline)
{
	struct e820_entry map[E820_MAX];
	unsigned n = e820_build(&gm, true, map);
	FUZZ_ASSERT(multiboot_load(&pi->mb, &gm) == 0, "a checked image does not load");
	FUZZ_ASSERT(multiboot_write_info(&pi->ml, &gm, cmdline, "initrd", map, n) == 0,
		    "the multiboot information does not fit");
}

/* Through firmware: what firmware_multiboot hands to fw_cfg lies in RAM,
 * below the top it was given. */
static void check_multiboot_fw(struct pc_image *pi, uint8_t cl, uint64_t initrd_size)
{
	char err[256];
	uint64_t top = guest_mem_low_size(&gm) - (2ull << 20);
	if (multiboot_fw_plan(&pi->mb, top, cl, initrd_size, &pi->ml, err, sizeof(err)))
		return;
	uint64_t lo = multiboot_load_start(&pi->mb);
	uint64_t end = pi->ml.module_size ? pi->ml.module + pi->ml.module_size : pi->mb.load_end;
	FUZZ_ASSERT(lo >= (1ull << 20) && end <= top && end > lo, "firmware blob outside its room");
	FUZZ_ASSERT(guest_mem_hva(&gm, lo, end - lo) != NULL, "firmware blob not in RAM");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	if (!gm.total) {
		guest_mem_layout(&gm, RAM);
		if (guest_mem_map(&gm))
			abort();
	}
	/* An initrd of up to 16 MiB (0: none), a command line of up to 255
	 * bytes, then the file. */
	uint64_t initrd_size = fin_u32(&in) & 0xffffff;
	uint8_t cl = fin_u8(&in);
	char cmdline[256];
	memset(cmdline, 'x', cl);
	cmdline[cl] = '\0';
	size_t len;
	uint8_t *f = fin_rest_copy(&in, &len);
	enum image_kind kind = pc_image_detect(f, len);
	if (kind == IMAGE_UMBRA) {
		check_elf(f, len, initrd_size);
	} else {
		/* pc_image_check's steps, without its stderr line per refusal. */
		struct pc_image pi;
		char err[256];
		memset(&pi, 0, sizeof(pi));
		if (kind == IMAGE_LINUX) {
			if (!bzimage_parse(f, len, &pi.bz, err, sizeof(err)) &&
			    !linux_plan(&pi.bz, &gm, cl, initrd_size, &pi.ll, err, sizeof(err)))
				check_linux(&pi, f, len, cmdline);
		} else if (!multiboot_parse(f, len, &gm, &pi.mb, err, sizeof(err))) {
			if (!multiboot_plan(&pi.mb, &gm, cl, initrd_size, &pi.ml, err,
					    sizeof(err)))
				check_multiboot(&pi, cmdline);
			check_multiboot_fw(&pi, cl, initrd_size);
		}
	}
	free(f);
	return 0;
}
