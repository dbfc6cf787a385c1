/* SPDX-License-Identifier: MIT */
/* RSDP, RSDT and MADT; see acpi.h. */
#include "acpi.h"

#include <string.h>

#define SDT_HEADER 36
#define RSDP_LEN 20
#define RSDT_OFF 0x40
#define MADT_OFF 0x80

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* A table header; the checksum is filled in once the table is complete. */
static void sdt_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "UMBRA ", 6);
	memcpy(t + 16, "UMBRAPC ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "UMBR", 4);
	put32(t + 32, 1);
}

size_t acpi_build(uint8_t *buf, size_t cap, uint64_t gpa, unsigned int cpus)
{
	uint32_t madt_len = SDT_HEADER + 8 + 8 * cpus + 12;
	size_t total = MADT_OFF + madt_len;
	if (cpus == 0 || cpus > 255 || total > cap || gpa + total > 0xffffffffULL)
		return 0;
	memset(buf, 0, total);

	uint8_t *madt = buf + MADT_OFF;
	sdt_header(madt, "APIC", madt_len, 1);
	put32(madt + SDT_HEADER, ACPI_LAPIC_ADDR);
	put32(madt + SDT_HEADER + 4, 1); /* PCAT_COMPAT: there are 8259s */
	uint8_t *e = madt + SDT_HEADER + 8;
	for (unsigned int i = 0; i < cpus; i++, e += 8) {
		e[0] = 0; /* processor local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i; /* ACPI processor ID */
		e[3] = (uint8_t)i; /* APIC ID, as CPUID reports it (vcpu.c) */
		put32(e + 4, 1);   /* enabled */
	}
	e[0] = 1; /* IOAPIC */
	e[1] = 12;
	e[2] = (uint8_t)cpus; /* its ID, after the CPUs' */
	put32(e + 4, ACPI_IOAPIC_ADDR);
	put32(e + 8, 0); /* GSI base */
	madt[9] = (uint8_t)-acpi_checksum(madt, madt_len);

	uint8_t *rsdt = buf + RSDT_OFF;
	sdt_header(rsdt, "RSDT", SDT_HEADER + 4, 1);
	put32(rsdt + SDT_HEADER, (uint32_t)(gpa + MADT_OFF));
	rsdt[9] = (uint8_t)-acpi_checksum(rsdt, SDT_HEADER + 4);

	memcpy(buf, "RSD PTR ", 8);
	memcpy(buf + 9, "UMBRA ", 6);
	buf[15] = 0; /* ACPI 1.0 */
	put32(buf + 16, (uint32_t)(gpa + RSDT_OFF));
	buf[8] = (uint8_t)-acpi_checksum(buf, RSDP_LEN);
	return total;
}
