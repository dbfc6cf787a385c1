// SPDX-License-Identifier: MIT
/*
 * start_kernel: CPU set-up, the boot contract (FDT), memory, the timer,
 * then init. Interrupts stay disabled in the kernel throughout (only the
 * idle loop and user mode take them).
 */
#include <umbra/hypercall.h>

#include "balloon.h"
#include "hostile.h"
#include "bootinfo.h"
#include "elf.h"
#include "fs.h"
#include "hypercall.h"
#include "memblock.h"
#include "pgtable.h"
#include "pmm.h"
#include "printk.h"
#include "sched.h"
#include "shadow_pv.h"
#include "smp.h"
#include "traps.h"
#include "x86.h"

/* Status for "command not found", as a shell reports it. */
#define EXIT_NOT_RUNNABLE 127

static uint64_t ns_since_entry(void)
{
	uint64_t cycles = rdtsc() - boot_tsc, khz = boot_info.tsc_khz;
	/* Split to avoid overflowing cycles * 10^6. */
	return cycles / khz * 1000000 + cycles % khz * 1000000 / khz;
}

static void print_banner(void)
{
	uint64_t ram = 0;
	for (unsigned int i = 0; i < memblock.nr_ram; i++)
		ram += memblock.ram[i].end - memblock.ram[i].start;
	pr_info("umbra guest kernel, ABI %u, paging mode %s, %u cpu(s), %lu MiB RAM",
		UMBRA_ABI_VERSION, boot_info.paging_mode, boot_info.nr_cpus, ram >> 20);
	pr_info("command line: %s", boot_info.cmdline);
	if (boot_info.initrd_end > boot_info.initrd_start)
		pr_info("initrd at %#lx, %lu bytes", boot_info.initrd_start,
			boot_info.initrd_end - boot_info.initrd_start);
}

static __noreturn void run_init(void)
{
	const char *path = boot_params.init_path;
	const char *argv[ARRAY_SIZE(boot_params.init_argv) + 2] = {path};
	for (int i = 0; i < boot_params.init_argc; i++)
		argv[i + 1] = boot_params.init_argv[i];

	struct task_struct *p = create_init_task(path);
	p->fs = fs_init_root();
	p->files = files_init_console();
	if (!p->fs || !p->files)
		panic("out of memory opening init's console");
	switch_to_task(p);
	if (exec_init_program(path, boot_params.init_argc + 1, argv))
		hc_exit(EXIT_NOT_RUNNABLE);

	if (boot_info.tsc_khz) {
		uint64_t ns = ns_since_entry();
		hc_report(UMBRA_REPORT_BOOT_NS, ns);
		pr_info("running %s after %lu.%03lu ms", path, ns / 1000000, ns / 1000 % 1000);
	} else {
		pr_warn("tsc-khz is 0: boot time not measured");
	}
	unlock_kernel(); /* taken in smp_init */
	enter_user(task_pt_regs(p));
}

void start_kernel(phys_addr_t fdt_pa);
void start_kernel(phys_addr_t fdt_pa)
{
	cpu_init();
	gdt_init(0);
	idt_init();
	syscall_init();

	setup_boot_info(fdt_pa);
	shadow_pv_init();
	parse_cmdline(boot_info.cmdline);
	print_banner();

	paging_init();
	pmm_init();
	time_init();
	smp_init();
	if (boot_params.balloon) {
		int r = balloon_set_target(boot_params.balloon);
		pr_info("balloon: %lu pages given back to the host%s", balloon_pages(),
			r ? " (fewer than asked)" : "");
	}
	if (vfs_init(__va(boot_info.initrd_start), boot_info.initrd_end - boot_info.initrd_start))
		panic("out of memory unpacking the initrd");
	hostile_run(boot_params.hostile);
	run_init();
}
