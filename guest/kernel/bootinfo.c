// SPDX-License-Identifier: MIT
/*
 * Reads the FDT the VMM passes at entry (include/umbra/boot.h): RAM and
 * reserved ranges into memblock, and /chosen and /hypervisor into
 * boot_info. Everything needed later is copied out, so the FDT is not
 * used after boot.
 *
 * Debian's libfdt.a is built with the stack protector (it reads the canary
 * at %fs:0x28) and may use the red zone: it is called only here, with
 * interrupts disabled, after FS_BASE points at a canary of our own.
 */
#include <libfdt.h>

#include <umbra/boot.h>
#include <umbra/hypercall.h>

#include "bootinfo.h"
#include "memblock.h"
#include "page.h"
#include "string.h"
#include "x86.h"

/* The canary libfdt compares against, at FS_BASE + 0x28 as glibc places it. */
#define STACK_GUARD_OFFSET 0x28

struct boot_info boot_info;

static struct {
	uint8_t pad[STACK_GUARD_OFFSET];
	uint64_t canary;
} stack_guard_area __aligned(64);

static void setup_stack_guard(void)
{
	stack_guard_area.canary = rdtsc() * 0x9e3779b97f4a7c15ULL;
	wrmsr(MSR_FS_BASE, (uint64_t)&stack_guard_area);
}

static uint64_t read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;
	for (int i = 0; i < cells; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

/* A u32 property, or panic with what is missing. */
static uint32_t get_u32(const void *fdt, int node, const char *path, const char *name)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);
	if (!p || len != sizeof(*p))
		panic("device tree: %s/%s missing or not a u32", path, name);
	return fdt32_to_cpu(*p);
}

/* A string property copied into buf, or false if absent or malformed. */
static bool get_string(const void *fdt, int node, const char *name, char *buf, size_t size)
{
	int len;
	const char *p = fdt_getprop(fdt, node, name, &len);
	if (!p || len <= 0 || p[len - 1] != '\0')
		return false;
	if ((size_t)len > size)
		panic("device tree: property %s is longer than %zu bytes", name, size - 1);
	memcpy(buf, p, len);
	return true;
}

/* An address property of 4 or 8 bytes (Linux accepts both for the initrd). */
static bool get_addr(const void *fdt, int node, const char *name, uint64_t *out)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);
	if (!p || (len != 4 && len != 8))
		return false;
	*out = read_cells(p, len / 4);
	return true;
}

static void parse_hypervisor(const void *fdt)
{
	int node = fdt_path_offset(fdt, UMBRA_FDT_HYPERVISOR_NODE);
	if (node < 0)
		panic("device tree has no %s node: not started by the umbra VMM?",
		      UMBRA_FDT_HYPERVISOR_NODE);
	uint32_t abi = get_u32(fdt, node, UMBRA_FDT_HYPERVISOR_NODE, "abi-version");
	if (abi != UMBRA_ABI_VERSION)
		panic("the VMM speaks hypervisor ABI version %u; this kernel needs version %u",
		      abi, UMBRA_ABI_VERSION);
	uint32_t port = get_u32(fdt, node, UMBRA_FDT_HYPERVISOR_NODE, "hypercall-port");
	if (port != UMBRA_HC_PORT)
		panic("the VMM's hypercall port is %#x; this kernel uses %#x", port, UMBRA_HC_PORT);
	boot_info.tsc_khz = get_u32(fdt, node, UMBRA_FDT_HYPERVISOR_NODE, "tsc-khz");
	if (!get_string(fdt, node, "paging-mode", boot_info.paging_mode,
			sizeof(boot_info.paging_mode)))
		panic("device tree: %s/paging-mode missing", UMBRA_FDT_HYPERVISOR_NODE);
}

static void parse_chosen(const void *fdt)
{
	int node = fdt_path_offset(fdt, "/chosen");
	if (node < 0)
		return;
	get_string(fdt, node, "bootargs", boot_info.cmdline, sizeof(boot_info.cmdline));
	uint64_t start, end;
	bool has_start = get_addr(fdt, node, "linux,initrd-start", &start);
	bool has_end = get_addr(fdt, node, "linux,initrd-end", &end);
	if (has_start != has_end)
		panic("device tree: /chosen has only one of linux,initrd-start/end");
	if (has_start) {
		if (end < start)
			panic("device tree: initrd end %#lx is below its start %#lx", end, start);
		boot_info.initrd_start = start;
		boot_info.initrd_end = end;
	}
}

static void parse_memory(const void *fdt)
{
	int root_ac = fdt_address_cells(fdt, 0), root_sc = fdt_size_cells(fdt, 0);
	if (root_ac < 1 || root_ac > 2 || root_sc < 1 || root_sc > 2)
		panic("device tree: unsupported #address-cells %d / #size-cells %d", root_ac, root_sc);
	int cells = root_ac + root_sc;

	for (int node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", 7);
	     node >= 0;
	     node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory", 7)) {
		int len;
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		if (!reg || len <= 0 || len % (cells * 4))
			panic("device tree: malformed reg in memory node %s", fdt_get_name(fdt, node, NULL));
		for (int i = 0; i < len / (cells * 4); i++) {
			const fdt32_t *entry = reg + i * cells;
			memblock_add(read_cells(entry, root_ac), read_cells(entry + root_ac, root_sc));
		}
	}
	if (memblock.nr_ram == 0)
		panic("device tree lists no RAM");
}

static void parse_reservations(const void *fdt)
{
	int n = fdt_num_mem_rsv(fdt);
	if (n < 0)
		panic("device tree: bad memory reservation block");
	for (int i = 0; i < n; i++) {
		uint64_t addr, size;
		if (fdt_get_mem_rsv(fdt, i, &addr, &size))
			panic("device tree: bad memory reservation %d", i);
		memblock_reserve(addr, size);
	}
	/* Real-mode leftovers and the VMM's boot area live below 1 MiB. */
	memblock_reserve(0, UMBRA_KERNEL_MIN_PADDR);
	memblock_reserve(__pa_symbol(_text), __pa_symbol(_end) - __pa_symbol(_text));
	/* The VMM lists the initrd too; the kernel reads it until init runs, so
	 * it must stay intact even if a VMM forgets. */
	if (boot_info.initrd_end > boot_info.initrd_start)
		memblock_reserve(boot_info.initrd_start, boot_info.initrd_end - boot_info.initrd_start);
}

static void count_cpus(const void *fdt)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node;
	if (cpus < 0)
		return;
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		if (!type || strcmp(type, "cpu"))
			continue;
		if (boot_info.nr_cpus < NR_CPUS)
			boot_info.apic_ids[boot_info.nr_cpus] = get_u32(fdt, node, "/cpus/cpu", "reg");
		boot_info.nr_cpus++;
	}
}

void setup_boot_info(phys_addr_t fdt_pa)
{
	setup_stack_guard();
	const void *fdt = __va(fdt_pa);
	int err = fdt_check_header(fdt);
	if (err)
		panic("no valid device tree at %#lx: %s", fdt_pa, fdt_strerror(err));

	parse_hypervisor(fdt);
	parse_chosen(fdt);
	parse_memory(fdt);
	parse_reservations(fdt);
	count_cpus(fdt);

	if (boot_info.initrd_end > boot_info.initrd_start) {
		bool in_ram = false;
		for (unsigned int i = 0; i < memblock.nr_ram; i++)
			in_ram |= boot_info.initrd_start >= memblock.ram[i].start &&
				  boot_info.initrd_end <= memblock.ram[i].end;
		if (!in_ram)
			panic("initrd [%#lx, %#lx) is not in RAM", boot_info.initrd_start,
			      boot_info.initrd_end);
	}
}
