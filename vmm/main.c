/* SPDX-License-Identifier: MIT */
/*
 * `umbra`: command dispatch, and `umbra run`: parse the command line,
 * validate the kernel and initrd (every bad-input check runs here, before
 * KVM or nesting is considered, so it is fast and works anywhere), then run
 * the VM here or, without /dev/kvm, nested inside QEMU.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <umbra/hypercall.h>

#include "boot.h"
#include "cli.h"
#include "elf_load.h"
#include "file_io.h"
#include "guest_mem.h"
#include "initrd.h"
#include "kvm.h"
#include "nested.h"
#include "pc_image.h"
#include "vm.h"

#define UMBRA_VERSION "0.1.0"
/* A guest kernel is a few MiB; anything this large is not one. */
#define KERNEL_FILE_MAX (256ULL << 20)

static void usage(FILE *f)
{
	fputs("usage: umbra COMMAND [ARGS]\n"
	      "  run [options] KERNEL   boot a guest kernel (see umbra run --help)\n"
	      "  help, --help           this text\n"
	      "  --version              the version and hypercall ABI\n",
	      f);
}

/* Opens path as a regular file; returns the fd and its size, or -1 after
 * an error line naming what ("kernel", "initrd"). */
static int open_input(const char *what, const char *path, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "umbra: %s %s: %s\n", what, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "umbra: %s %s: not a regular file\n", what, path);
		close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

/* Reads the whole kernel file; NULL after an error line. */
static uint8_t *read_kernel(const char *path, size_t *len)
{
	uint64_t size = 0;
	uint8_t *buf = read_file(path, KERNEL_FILE_MAX, &size);
	if (buf) {
		*len = (size_t)size;
		return buf;
	}
	if (errno == EFBIG)
		fprintf(stderr, "umbra: kernel %s: too large (%llu MiB; at most %llu MiB)\n",
			path, (unsigned long long)(size >> 20), KERNEL_FILE_MAX >> 20);
	else
		fprintf(stderr, "umbra: kernel %s: %s\n", path, read_file_strerror(errno));
	return NULL;
}

/* Guest RAM beyond the machine's RAM cannot work (nor can a nested VM that
 * holds it). */
static int check_host_ram(uint64_t mem_bytes)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || page <= 0)
		return 0; /* unknown: let the mapping decide */
	uint64_t host = (uint64_t)pages * (uint64_t)page;
	if (mem_bytes > host) {
		/* -m comes in 2 MiB steps: MiB are exact. */
		fprintf(stderr, "umbra: -m/--mem %lluM: more than this machine's RAM "
			"(%lluM)\n", (unsigned long long)(mem_bytes >> 20),
			(unsigned long long)(host >> 20));
		return -1;
	}
	return 0;
}

int umbra_run_main(int argc, char **argv)
{
	struct umbra_config cfg;
	char err[512];
	switch (cli_parse_run(argc, argv, &cfg, err, sizeof(err))) {
	case CLI_HELP:
		cli_usage(stdout);
		return 0;
	case CLI_ERROR:
		fprintf(stderr, "umbra: %s\n", err);
		return UMBRA_EXIT_USAGE;
	case CLI_OK:
		break;
	}
	if (cfg.paging != PAGING_SHADOW &&
	    (cfg.audit || cfg.prefetch_given || cfg.shadow_budget || cfg.shadow_poll_given)) {
		fprintf(stderr, "umbra: --audit, --prefetch, --shadow-budget and --shadow-poll "
			"need --paging shadow\n");
		return UMBRA_EXIT_USAGE;
	}
	if (check_host_ram(cfg.mem_bytes))
		return UMBRA_EXIT_USAGE;

	struct vm_image img = {.initrd_path = cfg.initrd};
	guest_mem_layout(&img.mem, cfg.mem_bytes);
	size_t kernel_len;
	uint8_t *kernel = read_kernel(cfg.kernel, &kernel_len);
	if (!kernel)
		return UMBRA_EXIT_BAD_IMAGE;
	int status = UMBRA_EXIT_BAD_IMAGE;
	uint64_t initrd_size = 0;
	char initrd_head[INITRD_NEWC_MAGIC_LEN];
	ssize_t initrd_head_len = 0;
	if (cfg.initrd) {
		int fd = open_input("initrd", cfg.initrd, &initrd_size);
		if (fd < 0)
			goto out;
		initrd_head_len = read_full(fd, initrd_head, sizeof(initrd_head));
		int read_errno = errno;
		close(fd);
		if (initrd_head_len < 0) {
			fprintf(stderr, "umbra: initrd %s: %s\n", cfg.initrd,
				strerror(read_errno));
			goto out;
		}
	}
	/* Images umbra did not build (Linux, multiboot) have checks of their own. */
	struct pc_image pc;
	if (pc_image_detect(kernel, kernel_len) != IMAGE_UMBRA) {
		if (pc_image_check(&cfg, kernel, kernel_len, initrd_size, &img.mem, &pc))
			goto out;
		img.pc = &pc;
		goto checked;
	}
	/* umbra's kernel through firmware: laid out as for a direct boot, but
	 * clear of the firmware's area at the top of RAM. */
	memset(&pc, 0, sizeof(pc));
	if (cfg.bios && pc_firmware_check(&cfg, &pc))
		goto out;
	uint64_t low = guest_mem_low_size(&img.mem);
	if (boot_plan_below(&img.mem, cfg.bios ? low - PC_FIRMWARE_TOP_RESERVE : low,
			    initrd_size, &img.layout, err, sizeof(err))) {
		fprintf(stderr, "umbra: initrd %s: %s\n", cfg.initrd, err);
		goto out;
	}
	/* The guest's initramfs reader takes only newc cpio: refuse anything
	 * else here rather than as a guest panic. After boot_plan, so that an
	 * initrd too large for RAM is reported as that. */
	if (cfg.initrd && !initrd_is_newc(initrd_head, (size_t)initrd_head_len)) {
		fprintf(stderr, "umbra: initrd %s: not a newc cpio archive%s\n",
			cfg.initrd, initrd_size == 0 ? " (empty file)" : "");
		goto out;
	}
	struct elf_image elf;
	if (elf_check(kernel, kernel_len, &img.mem, &img.layout, &elf, err, sizeof(err))) {
		fprintf(stderr, "umbra: kernel %s: %s\n", cfg.kernel, err);
		goto out;
	}
	img.kernel = &elf;
	if (cfg.bios) {
		if (!elf.pvh_entry) {
			fprintf(stderr, "umbra: kernel %s: --bios boots an ELF kernel only "
				"through its PVH entry, and this one has no PVH note\n", cfg.kernel);
			goto out;
		}
		pc.kind = IMAGE_UMBRA;
		pc.kernel_path = cfg.kernel;
		pc.initrd_path = cfg.initrd;
		pc.cmdline = cfg.params;
		pc.cpus = cfg.cpus;
		pc.pvh_entry = elf.pvh_entry;
		pc.fdt_gpa = img.layout.fdt_gpa;
		img.pc = &pc;
	}

checked:;
	const char *no_kvm = kvm_unusable_reason();
	if (no_kvm) {
		if (!cfg.no_nested) {
			free(kernel);
			return nested_run(&cfg, no_kvm);
		}
		fprintf(stderr, "umbra: %s (drop --no-nested to run nested in QEMU)\n",
			no_kvm);
		status = UMBRA_EXIT_NO_KVM;
		goto out;
	}
	status = vm_run(&cfg, &img);
out:
	free(kernel);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "umbra: no command given (try umbra --help)\n");
		return UMBRA_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		return umbra_run_main(argc - 1, argv + 1);
	if (strcmp(cmd, "nested-child") == 0)
		return nested_child_main(argc - 1, argv + 1);
	if (strcmp(cmd, "nested-hold-kvm") == 0)
		return nested_hold_kvm_main();
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("umbra %s (hypercall ABI %d)\n", UMBRA_VERSION, UMBRA_ABI_VERSION);
		return 0;
	}
	fprintf(stderr, "umbra: unknown command \"%s\" (try umbra --help)\n", cmd);
	return UMBRA_EXIT_USAGE;
}
