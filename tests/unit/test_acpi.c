/* SPDX-License-Identifier: MIT */
/* The ACPI tables for PC images: found from the RSDP as Linux walks them,
 * checksums valid, one enabled local APIC per vCPU and the IOAPIC. */
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
		CHECK_EQ(rsdt_len, 40);
		CHECK_EQ(acpi_checksum(rsdt, rsdt_len), 0);
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
