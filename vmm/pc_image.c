/* SPDX-License-Identifier: MIT */
/* Image type by content, and the checks before a VM exists. */
#include "pc_image.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum image_kind pc_image_detect(const void *buf, size_t len)
{
	if (bzimage_detect(buf, len))
		return IMAGE_LINUX;
	if (multiboot_find(buf, len) >= 0)
		return IMAGE_MULTIBOOT;
	return IMAGE_UMBRA;
}

int pc_firmware_check(const struct umbra_config *cfg, struct pc_image *pi)
{
	struct stat st;
	if (cfg->paging != PAGING_TDP) {
		fprintf(stderr, "umbra: --bios boots with --paging tdp only\n");
		return -1;
	}
	if (stat(cfg->bios, &st) != 0) {
		fprintf(stderr, "umbra: --bios %s: %s\n", cfg->bios, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < PC_BIOS_MIN ||
	    (uint64_t)st.st_size > PC_BIOS_MAX || st.st_size % PC_BIOS_MIN) {
		fprintf(stderr, "umbra: --bios %s: not a firmware image (a file of "
			"64 KiB to 16 MiB in 64 KiB steps)\n", cfg->bios);
		return -1;
	}
	pi->bios_path = cfg->bios;
	pi->bios_size = (uint64_t)st.st_size;
	return 0;
}

int pc_image_check(const struct umbra_config *cfg, const void *buf, size_t len,
		   uint64_t initrd_size, const struct guest_mem *gm,
		   struct pc_image *pi)
{
	char err[256];
	memset(pi, 0, sizeof(*pi));
	pi->kind = pc_image_detect(buf, len);
	pi->kernel_path = cfg->kernel;
	pi->initrd_path = cfg->initrd;
	pi->cmdline = cfg->params;
	pi->cpus = cfg->cpus;
	if (cfg->paging != PAGING_TDP) {
		fprintf(stderr, "umbra: kernel %s: bzImages, multiboot images and "
			"--bios boot with --paging tdp only\n", cfg->kernel);
		return -1;
	}
	if (cfg->bios) {
		if (pc_firmware_check(cfg, pi))
			return -1;
	}
	switch (pi->kind) {
	case IMAGE_LINUX:
		if (bzimage_parse(buf, len, &pi->bz, err, sizeof(err)))
			break;
		if (pi->bios_path) {
			if (linux_fw_plan(&pi->bz, gm, strlen(cfg->params), initrd_size,
					  &pi->ll, err, sizeof(err)))
				break;
			return 0;
		}
		if (linux_plan(&pi->bz, gm, strlen(cfg->params), initrd_size, &pi->ll,
			       err, sizeof(err)))
			break;
		return 0;
	case IMAGE_MULTIBOOT:
		if (multiboot_parse(buf, len, gm, &pi->mb, err, sizeof(err)))
			break;
		if (pi->bios_path) {
			uint64_t low = guest_mem_low_size(gm);
			if (multiboot_fw_plan(&pi->mb, low > PC_FIRMWARE_TOP_RESERVE
							   ? low - PC_FIRMWARE_TOP_RESERVE : 0,
					      strlen(cfg->params), initrd_size, &pi->ml, err,
					      sizeof(err)))
				break;
			return 0;
		}
		if (multiboot_plan(&pi->mb, gm, strlen(cfg->params), initrd_size, &pi->ml,
				   err, sizeof(err)))
			break;
		return 0;
	default:
		snprintf(err, sizeof(err), "not a bzImage or multiboot image");
		break;
	}
	fprintf(stderr, "umbra: kernel %s: %s\n", cfg->kernel, err);
	return -1;
}
