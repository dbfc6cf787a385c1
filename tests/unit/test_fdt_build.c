/* SPDX-License-Identifier: MIT */
/* The guest device tree: built, then read back node by node with libfdt's
 * read API. */
#include "test.h"

#include <stdint.h>

#include <libfdt.h>

#include <umbra/boot.h>
#include <umbra/hypercall.h>

#include "boot.h"
#include "fdt_build.h"
#include "guest_mem.h"

static uint8_t fdt_buf[BOOT_FDT_MAX];

static uint32_t prop_u32(const void *fdt, const char *path, const char *name)
{
	int node = fdt_path_offset(fdt, path), len = 0;
	const fdt32_t *p = node >= 0 ? fdt_getprop(fdt, node, name, &len) : NULL;
	return p && len == 4 ? fdt32_ld(p) : 0xdeadbeef;
}

static uint64_t prop_u64(const void *fdt, const char *path, const char *name)
{
	int node = fdt_path_offset(fdt, path), len = 0;
	const fdt64_t *p = node >= 0 ? fdt_getprop(fdt, node, name, &len) : NULL;
	return p && len == 8 ? fdt64_ld(p) : 0xdeadbeefdeadbeefULL;
}

/* A string property, which must be NUL-terminated within its length. */
static const char *prop_str(const void *fdt, const char *path, const char *name)
{
	int node = fdt_path_offset(fdt, path), len = 0;
	const char *p = node >= 0 ? fdt_getprop(fdt, node, name, &len) : NULL;
	return p && len > 0 && p[len - 1] == '\0' && strlen(p) == (size_t)len - 1 ? p : NULL;
}

static int has_prop(const void *fdt, const char *path, const char *name)
{
	int node = fdt_path_offset(fdt, path);
	return node >= 0 && fdt_getprop(fdt, node, name, NULL) != NULL;
}

TEST(fdt_full_tree)
{
	struct guest_mem gm;
	struct boot_layout bl;
	char err[256] = "";
	guest_mem_layout(&gm, 5ULL << 30); /* low and high RAM */
	CHECK_EQ(boot_plan(&gm, 3 << 20, &bl, err, sizeof(err)), 0);
	struct fdt_info fi = {.mem = &gm, .layout = &bl,
			      .bootargs = "init=/bin/hello -- 42", .cpus = 3,
			      .paging = PAGING_TDP, .tsc_khz = 2500000};
	CHECK_EQ(fdt_build(fdt_buf, sizeof(fdt_buf), &fi, err, sizeof(err)), 0);
	CHECK_STREQ(err, "");
	const void *fdt = fdt_buf;
	CHECK_EQ(fdt_check_header(fdt), 0);
	CHECK(fdt_totalsize(fdt) <= sizeof(fdt_buf));

	/* Memory reservations: boot area, FDT slot, initrd. */
	CHECK_EQ(fdt_num_mem_rsv(fdt), 3);
	uint64_t a = 0, s = 0;
	CHECK_EQ(fdt_get_mem_rsv(fdt, 0, &a, &s), 0);
	CHECK_EQ(a, UMBRA_BOOT_AREA_START);
	CHECK_EQ(s, UMBRA_BOOT_AREA_END - UMBRA_BOOT_AREA_START);
	CHECK_EQ(fdt_get_mem_rsv(fdt, 1, &a, &s), 0);
	CHECK_EQ(a, bl.fdt_gpa);
	CHECK_EQ(s, BOOT_FDT_MAX);
	CHECK_EQ(fdt_get_mem_rsv(fdt, 2, &a, &s), 0);
	CHECK_EQ(a, bl.initrd_gpa);
	CHECK_EQ(s, 3 << 20);

	CHECK_EQ(prop_u32(fdt, "/", "#address-cells"), 2);
	CHECK_EQ(prop_u32(fdt, "/", "#size-cells"), 2);
	CHECK_STREQ(prop_str(fdt, "/", "compatible"), "umbra,vm");

	CHECK_STREQ(prop_str(fdt, "/chosen", "bootargs"), "init=/bin/hello -- 42");
	CHECK_EQ(prop_u64(fdt, "/chosen", "linux,initrd-start"), bl.initrd_gpa);
	CHECK_EQ(prop_u64(fdt, "/chosen", "linux,initrd-end"), bl.initrd_gpa + (3 << 20));
	CHECK_STREQ(prop_str(fdt, "/chosen", "stdout-path"), "/serial@3f8");

	CHECK_STREQ(prop_str(fdt, "/memory@0", "device_type"), "memory");
	int mem = fdt_path_offset(fdt, "/memory@0"), len = 0;
	const fdt64_t *reg = fdt_getprop(fdt, mem, "reg", &len);
	CHECK_EQ(len, 32);
	if (reg && len == 32) {
		CHECK_EQ(fdt64_ld(&reg[0]), 0);
		CHECK_EQ(fdt64_ld(&reg[1]), UMBRA_LOW_RAM_MAX);
		CHECK_EQ(fdt64_ld(&reg[2]), UMBRA_HIGH_RAM_START);
		CHECK_EQ(fdt64_ld(&reg[3]), (5ULL << 30) - UMBRA_LOW_RAM_MAX);
	}

	CHECK_STREQ(prop_str(fdt, UMBRA_FDT_HYPERVISOR_NODE, "compatible"),
		    UMBRA_FDT_HYPERVISOR_COMPAT);
	CHECK_EQ(prop_u32(fdt, UMBRA_FDT_HYPERVISOR_NODE, "abi-version"), UMBRA_ABI_VERSION);
	CHECK_STREQ(prop_str(fdt, UMBRA_FDT_HYPERVISOR_NODE, "paging-mode"), "tdp");
	CHECK_EQ(prop_u32(fdt, UMBRA_FDT_HYPERVISOR_NODE, "hypercall-port"), UMBRA_HC_PORT);
	CHECK_EQ(prop_u32(fdt, UMBRA_FDT_HYPERVISOR_NODE, "tsc-khz"), 2500000);

	CHECK_STREQ(prop_str(fdt, "/serial@3f8", "compatible"), "ns16550a");
	CHECK_EQ(prop_u32(fdt, "/serial@3f8", "reg-io-port"), UMBRA_COM1_PORT);
	CHECK_EQ(prop_u32(fdt, "/serial@3f8", "clock-frequency"), 1843200);

	CHECK_EQ(prop_u32(fdt, "/cpus", "#address-cells"), 1);
	CHECK_EQ(prop_u32(fdt, "/cpus", "#size-cells"), 0);
	int cpus = fdt_path_offset(fdt, "/cpus"), n = 0, node;
	fdt_for_each_subnode(node, fdt, cpus) {
		char path[32];
		snprintf(path, sizeof(path), "/cpus/cpu@%d", n);
		CHECK_EQ(node, fdt_path_offset(fdt, path));
		CHECK_STREQ(prop_str(fdt, path, "device_type"), "cpu");
		CHECK_EQ(prop_u32(fdt, path, "reg"), n);
		n++;
	}
	CHECK_EQ(n, 3);
}

TEST(fdt_without_initrd_small_ram)
{
	struct guest_mem gm;
	struct boot_layout bl;
	char err[256] = "";
	guest_mem_layout(&gm, 64 << 20);
	CHECK_EQ(boot_plan(&gm, 0, &bl, err, sizeof(err)), 0);
	struct fdt_info fi = {.mem = &gm, .layout = &bl, .bootargs = "", .cpus = 1,
			      .paging = PAGING_TDP, .tsc_khz = 1000};
	CHECK_EQ(fdt_build(fdt_buf, sizeof(fdt_buf), &fi, err, sizeof(err)), 0);
	const void *fdt = fdt_buf;
	CHECK_EQ(fdt_check_header(fdt), 0);
	CHECK_EQ(fdt_num_mem_rsv(fdt), 2);
	CHECK(!has_prop(fdt, "/chosen", "linux,initrd-start"));
	CHECK(!has_prop(fdt, "/chosen", "linux,initrd-end"));
	CHECK_STREQ(prop_str(fdt, "/chosen", "bootargs"), "");
	int mem = fdt_path_offset(fdt, "/memory@0"), len = 0;
	const fdt64_t *reg = fdt_getprop(fdt, mem, "reg", &len);
	CHECK_EQ(len, 16);
	if (reg && len == 16) {
		CHECK_EQ(fdt64_ld(&reg[0]), 0);
		CHECK_EQ(fdt64_ld(&reg[1]), 64 << 20);
	}
	CHECK(fdt_path_offset(fdt, "/cpus/cpu@0") >= 0);
	CHECK(fdt_path_offset(fdt, "/cpus/cpu@1") < 0);
}

TEST(fdt_64_cpus_and_long_bootargs_fit_the_slot)
{
	struct guest_mem gm;
	struct boot_layout bl;
	char err[256] = "";
	static char args[4097];
	memset(args, 'a', sizeof(args) - 1);
	guest_mem_layout(&gm, 64ULL << 30);
	CHECK_EQ(boot_plan(&gm, 1 << 20, &bl, err, sizeof(err)), 0);
	struct fdt_info fi = {.mem = &gm, .layout = &bl, .bootargs = args, .cpus = 64,
			      .paging = PAGING_TDP, .tsc_khz = 1};
	CHECK_EQ(fdt_build(fdt_buf, sizeof(fdt_buf), &fi, err, sizeof(err)), 0);
	CHECK_EQ(fdt_check_header(fdt_buf), 0);
	CHECK(fdt_path_offset(fdt_buf, "/cpus/cpu@63") >= 0);
	CHECK_EQ(prop_u32(fdt_buf, "/cpus/cpu@63", "reg"), 63);
	CHECK_EQ(strlen(prop_str(fdt_buf, "/chosen", "bootargs")), 4096);
}

TEST(fdt_too_small_buffer_fails_cleanly)
{
	struct guest_mem gm;
	struct boot_layout bl;
	char err[256] = "";
	guest_mem_layout(&gm, 64 << 20);
	CHECK_EQ(boot_plan(&gm, 0, &bl, err, sizeof(err)), 0);
	struct fdt_info fi = {.mem = &gm, .layout = &bl, .bootargs = "x", .cpus = 8,
			      .paging = PAGING_TDP, .tsc_khz = 1};
	CHECK_EQ(fdt_build(fdt_buf, 256, &fi, err, sizeof(err)), -1);
	CHECK(strstr(err, "device tree") != NULL);
}
