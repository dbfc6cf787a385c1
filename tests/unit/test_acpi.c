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

TEST(acpi_rsdp_rsdt_madt)
{
	uint8_t buf[ACPI_TABLES_MAX];
	const uint64_t gpa = ACPI_TABLES_GPA;
	for (unsigned int cpus = 1; cpus <= 8; cpus += 7) {
		size_t n = acpi_build(buf, sizeof(buf), gpa, cpus);
		CHECK(n > 0);
		CHECK_EQ(memcmp(buf, "RSD PTR ", 8), 0);
		CHECK_EQ(acpi_checksum(buf, 20), 0);
		uint32_t rsdt_pa = get32(buf + 16);
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
	CHECK_EQ(acpi_build(buf, 64, gpa, 2), 0); /* too small */
	CHECK_EQ(acpi_build(buf, sizeof(buf), gpa, 0), 0);
}
