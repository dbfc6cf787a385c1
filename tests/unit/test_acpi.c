/* SPDX-License-Identifier: MIT */
/* The ACPI tables for PC images: found from the RSDP as Linux walks them,
 * checksums valid, one enabled local APIC per vCPU and the IOAPIC; a
 * FADT naming the PM1a blocks and the reset register and a DSDT
 * whose \_S5 gives the sleep type the VMM powers off on. */
#include "test.h"

#include <stdint.h>

#include "acpi.h"

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Everything Linux reads, from the RSDP at rsdp_pa on, in n bytes of
 * memory buf holding guest-physical gpa on. */
static void check_tables(int *failed_, const uint8_t *buf, uint64_t gpa, size_t n,
			 uint64_t rsdp_pa, unsigned int cpus)
{
	{
		CHECK(rsdp_pa >= gpa && rsdp_pa + 20 <= gpa + n);
		const uint8_t *rsdp = buf + (rsdp_pa - gpa);
		CHECK_EQ(memcmp(rsdp, "RSD PTR ", 8), 0);
		CHECK_EQ(acpi_checksum(rsdp, 20), 0);
		uint32_t rsdt_pa = get32(rsdp + 16);
		CHECK(rsdt_pa >= gpa && rsdt_pa < gpa + n);
		const uint8_t *rsdt = buf + (rsdt_pa - gpa);
		CHECK_EQ(memcmp(rsdt, "RSDT", 4), 0);
		uint32_t rsdt_len = get32(rsdt + 4);
		CHECK_EQ(rsdt_len, 44);
		CHECK_EQ(acpi_checksum(rsdt, rsdt_len), 0);
		uint32_t fadt_pa = get32(rsdt + 40);
		CHECK(fadt_pa >= gpa && fadt_pa + 276 <= gpa + n);
		const uint8_t *fadt = buf + (fadt_pa - gpa);
		CHECK_EQ(memcmp(fadt, "FACP", 4), 0);
		CHECK_EQ(get32(fadt + 4), 276);
		CHECK_EQ(fadt[8], 6);
		CHECK_EQ(acpi_checksum(fadt, 276), 0);
		CHECK_EQ(get32(fadt + 112) & (1u << 20), 0); /* not HW_REDUCED_ACPI */
		CHECK(get32(fadt + 112) & (1u << 10)); /* RESET_REG_SUP */
		CHECK_EQ(fadt[116], 1);                /* reset: system I/O */
		CHECK_EQ(fadt[116 + 4], 0x64);         /* the i8042 */
		CHECK_EQ(fadt[128], 0xfe);
		CHECK_EQ(get32(fadt + 48), 0);         /* no SMI_CMD: ACPI mode */
		CHECK_EQ(fadt[46], ACPI_SCI_IRQ);
		CHECK_EQ(get32(fadt + 56), ACPI_PM1A_EVT_PORT);
		CHECK_EQ(get32(fadt + 64), ACPI_PM1A_CNT_PORT);
		CHECK_EQ(fadt[88], 4);
		CHECK_EQ(fadt[89], 2);
		CHECK(ACPI_PM1A_EVT_PORT + 4 <= ACPI_PM1A_CNT_PORT &&
		      ACPI_PM1A_CNT_PORT + 2 <= ACPI_PM1A_EVT_PORT + ACPI_PM_PORTS);
		uint32_t dsdt_pa = get32(fadt + 40);
		uint64_t x_dsdt;
		memcpy(&x_dsdt, fadt + 140, 8);
		CHECK_EQ(x_dsdt, dsdt_pa);
		CHECK(dsdt_pa >= gpa && dsdt_pa < gpa + n);
		const uint8_t *dsdt = buf + (dsdt_pa - gpa);
		CHECK_EQ(memcmp(dsdt, "DSDT", 4), 0);
		uint32_t dsdt_len = get32(dsdt + 4);
		CHECK(dsdt_pa - gpa + dsdt_len <= n);
		CHECK_EQ(acpi_checksum(dsdt, dsdt_len), 0);
		/* Name (_S5, Package (2) { 5, 0 }): SLP_TYPa is its first element. */
		static const uint8_t s5[] = {0x08, '_', 'S', '5', '_', 0x12};
		CHECK_EQ(memcmp(dsdt + 36, s5, sizeof(s5)), 0);
		CHECK_EQ(dsdt[36 + 6] + 6, dsdt_len - 36); /* PkgLength spans the rest */
		CHECK_EQ(dsdt[36 + 8], 0x0a);
		CHECK_EQ(dsdt[36 + 9], ACPI_S5_SLP_TYP);
		uint32_t madt_pa = get32(rsdt + 36);
		CHECK(madt_pa >= gpa && madt_pa < gpa + n);
		const uint8_t *madt = buf + (madt_pa - gpa);
		CHECK_EQ(memcmp(madt, "APIC", 4), 0);
		uint32_t len = get32(madt + 4);
		CHECK(madt_pa - gpa + len <= n);
		CHECK_EQ(acpi_checksum(madt, len), 0);
		CHECK_EQ(get32(madt + 36), ACPI_LAPIC_ADDR);
		unsigned int lapics = 0, ioapics = 0;
		for (uint32_t off = 44; off + 2 <= len; off += madt[off + 1]) {
			const uint8_t *e = madt + off;
			if (e[1] < 2)
				break;
			if (e[0] == 0) {
				CHECK_EQ(e[3], lapics); /* APIC IDs 0..N-1 */
				CHECK_EQ(get32(e + 4) & 1, 1);
				lapics++;
			} else if (e[0] == 1) {
				CHECK_EQ(get32(e + 4), ACPI_IOAPIC_ADDR);
				CHECK(e[2] >= cpus); /* no clash with a CPU's ID */
				ioapics++;
			}
		}
		CHECK_EQ(lapics, cpus);
		CHECK_EQ(ioapics, 1);
	}
}

TEST(acpi_rsdp_rsdt_madt)
{
	uint8_t buf[ACPI_TABLES_MAX];
	const uint64_t gpa = ACPI_TABLES_GPA;
	for (unsigned int cpus = 1; cpus <= 8; cpus += 7) {
		size_t n = acpi_build(buf, sizeof(buf), gpa, cpus);
		CHECK(n > 0);
		check_tables(failed_, buf, gpa, n, gpa, cpus);
	}
	CHECK_EQ(acpi_build(buf, 64, gpa, 2), 0); /* too small */
	CHECK_EQ(acpi_build(buf, sizeof(buf), gpa, 0), 0);
}

/* SeaBIOS's side of etc/table-loader (romfile_loader.c), over a flat
 * memory: each file allocated at the next address aligned as asked (the
 * F-segment below the high zone here), pointers added, checksums fixed.
 * Returns the number of commands run, or -1 at one it cannot. */
#define MEM_BASE 0xe0000ull
static int run_loader(const struct acpi_fw_files *f, uint8_t *mem, size_t len,
		      uint64_t *rsdp_pa)
{
	struct { const char *name; const uint8_t *data; size_t len; uint64_t at; } files[] = {
		{ACPI_FW_TABLES_FILE, f->tables, f->tables_len, 0},
		{ACPI_FW_RSDP_FILE, f->rsdp, f->rsdp_len, 0},
	};
	uint64_t next_fseg = MEM_BASE + 0x10000, next_high = MEM_BASE + 0x20000;
	int ran = 0;
	for (size_t off = 0; off + ACPI_LOADER_ENTRY <= f->loader_len; off += ACPI_LOADER_ENTRY) {
		const uint8_t *e = f->loader + off;
		const char *name = (const char *)e + 4;
		int fi = -1, si = -1;
		for (int i = 0; i < 2; i++) {
			if (!strncmp(name, files[i].name, ACPI_LOADER_FILE))
				fi = i;
			if (!strncmp((const char *)e + 4 + ACPI_LOADER_FILE, files[i].name,
				     ACPI_LOADER_FILE))
				si = i;
		}
		if (fi < 0)
			return -1;
		uint32_t cmd = get32(e);
		if (cmd == 1) { /* ALLOCATE */
			uint32_t align = get32(e + 4 + ACPI_LOADER_FILE);
			uint8_t zone = e[8 + ACPI_LOADER_FILE];
			uint64_t *next = zone == 2 ? &next_fseg : zone == 1 ? &next_high : NULL;
			if (!next || !align || (align & (align - 1)) || files[fi].at)
				return -1;
			*next = (*next + align - 1) & ~(uint64_t)(align - 1);
			if (*next + files[fi].len > MEM_BASE + len)
				return -1;
			files[fi].at = *next;
			memcpy(mem + (*next - MEM_BASE), files[fi].data, files[fi].len);
			*next += files[fi].len;
		} else if (cmd == 2) { /* ADD_POINTER */
			uint32_t o = get32(e + 4 + 2 * ACPI_LOADER_FILE);
			uint8_t size = e[8 + 2 * ACPI_LOADER_FILE];
			if (si < 0 || !files[fi].at || !files[si].at || (size != 4 && size != 8) ||
			    o + size > files[fi].len)
				return -1;
			uint8_t *p = mem + (files[fi].at - MEM_BASE) + o;
			uint64_t v = 0;
			memcpy(&v, p, size);
			v += files[si].at;
			memcpy(p, &v, size);
		} else if (cmd == 3) { /* ADD_CHECKSUM */
			uint32_t sum = get32(e + 4 + ACPI_LOADER_FILE);
			uint32_t start = get32(e + 8 + ACPI_LOADER_FILE);
			uint32_t n = get32(e + 12 + ACPI_LOADER_FILE);
			if (!files[fi].at || sum >= files[fi].len || start + n > files[fi].len)
				return -1;
			uint8_t *p = mem + (files[fi].at - MEM_BASE);
			p[sum] = (uint8_t)(p[sum] - acpi_checksum(p + start, n));
		} else {
			return -1;
		}
		ran++;
	}
	*rsdp_pa = files[1].at;
	return ran;
}

TEST(acpi_tables_through_the_firmware_loader)
{
	static struct acpi_fw_files f;
	static uint8_t mem[0x30000];
	for (unsigned int cpus = 1; cpus <= 8; cpus += 3) {
		memset(mem, 0, sizeof(mem));
		CHECK_EQ(acpi_fw_build(&f, cpus), 0);
		CHECK_EQ(f.loader_len % ACPI_LOADER_ENTRY, 0);
		CHECK(f.loader_len <= sizeof(f.loader));
		/* No RSDP signature left in the tables file itself. */
		CHECK(memmem(f.tables, f.tables_len, "RSD PTR ", 8) == NULL);
		uint64_t rsdp_pa = 0;
		int ran = run_loader(&f, mem, sizeof(mem), &rsdp_pa);
		CHECK(ran > 0);
		/* Linux scans 0xe0000-0xfffff on 16-byte boundaries. */
		CHECK(rsdp_pa >= 0xe0000 && rsdp_pa < 0x100000 && rsdp_pa % 16 == 0);
		check_tables(failed_, mem, MEM_BASE, sizeof(mem), rsdp_pa, cpus);
		/* The tables moved: their pointers are addresses, not offsets. */
		CHECK(get32(mem + (rsdp_pa - MEM_BASE) + 16) >= MEM_BASE + 0x20000);
	}
	CHECK_EQ(acpi_fw_build(&f, 0), -1);
}
