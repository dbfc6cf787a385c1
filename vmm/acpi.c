/* SPDX-License-Identifier: MIT */
/* RSDP, RSDT, MADT, FADT and DSDT; see acpi.h. */
#include "acpi.h"

#include <string.h>

#define SDT_HEADER 36
#define RSDP_LEN 20
#define RSDT_OFF 0x40
#define MADT_OFF 0x80
#define FADT_LEN 276 /* ACPI 6.0 and later */
/* FADT fields (ACPI 6.x, 5.2.9) */
#define FADT_DSDT 40
#define FADT_SCI_INT 46
#define FADT_PM1A_EVT_BLK 56
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR 131
#define FADT_X_DSDT 140
#define FADT_HYPERVISOR_ID 268
#define BOOT_ARCH_LEGACY_DEVICES (1u << 0)
#define BOOT_ARCH_8042 (1u << 1)
#define BOOT_ARCH_NO_VGA (1u << 2)
#define FADT_WBINVD (1u << 0)
#define FADT_PWR_BUTTON (1u << 4) /* no fixed power button */
#define FADT_SLP_BUTTON (1u << 5) /* no fixed sleep button */
#define FADT_RESET_REG_SUP (1u << 10)
#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1

/* The DSDT's AML: Name (_S5, Package (2) { 5, 0 }) — SLP_TYPa 5. */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',      /* NameOp, NameSeg */
	0x12, 0x05, 0x02,              /* PackageOp, PkgLength 5, 2 elements */
	0x0a, ACPI_S5_SLP_TYP, 0x00,   /* BytePrefix 5, ZeroOp */
};

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
/* A Generic Address Structure: an 8-bit I/O port. */
static void gas_port(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8; /* bit width */
	p[2] = 0; /* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	memset(p + 4, 0, 8);
	memcpy(p + 4, &port, sizeof(port));
}

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

static void build_fadt(uint8_t *f, uint32_t dsdt_pa)
{
	sdt_header(f, "FACP", FADT_LEN, 6);
	put32(f + FADT_DSDT, dsdt_pa);
	uint16_t sci = ACPI_SCI_IRQ;
	memcpy(f + FADT_SCI_INT, &sci, sizeof(sci));
	/* SMI_CMD 0: always in ACPI mode. */
	put32(f + FADT_PM1A_EVT_BLK, ACPI_PM1A_EVT_PORT);
	put32(f + FADT_PM1A_CNT_BLK, ACPI_PM1A_CNT_PORT);
	f[FADT_PM1_EVT_LEN] = 4;
	f[FADT_PM1_CNT_LEN] = 2;
	f[FADT_IAPC_BOOT_ARCH] = BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042 | BOOT_ARCH_NO_VGA;
	put32(f + FADT_FLAGS, FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
				      FADT_RESET_REG_SUP);
	/* ACPI reboot: the i8042's reset command, which ends the run. */
	gas_port(f + FADT_RESET_REG, 0x64);
	f[FADT_RESET_VALUE] = 0xfe;
	f[FADT_MINOR] = 0;
	uint64_t x_dsdt = dsdt_pa;
	memcpy(f + FADT_X_DSDT, &x_dsdt, sizeof(x_dsdt));
	memcpy(f + FADT_HYPERVISOR_ID, "UMBRA   ", 8);
	f[9] = (uint8_t)-acpi_checksum(f, FADT_LEN);
}

/* Where each table lies from the start of the tables (the RSDP's). */
static uint32_t madt_len_of(unsigned int cpus)
{
	return SDT_HEADER + 8 + 8 * cpus + 12;
}

static uint32_t fadt_off_of(unsigned int cpus)
{
	return (MADT_OFF + madt_len_of(cpus) + 15) & ~15u;
}

size_t acpi_build(uint8_t *buf, size_t cap, uint64_t gpa, unsigned int cpus)
{
	uint32_t madt_len = madt_len_of(cpus);
	uint32_t fadt_off = fadt_off_of(cpus);
	uint32_t dsdt_off = fadt_off + FADT_LEN;
	uint32_t dsdt_len = SDT_HEADER + sizeof(dsdt_aml);
	size_t total = dsdt_off + dsdt_len;
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

	uint8_t *dsdt = buf + dsdt_off;
	sdt_header(dsdt, "DSDT", dsdt_len, 2);
	memcpy(dsdt + SDT_HEADER, dsdt_aml, sizeof(dsdt_aml));
	dsdt[9] = (uint8_t)-acpi_checksum(dsdt, dsdt_len);
	build_fadt(buf + fadt_off, (uint32_t)(gpa + dsdt_off));

	uint8_t *rsdt = buf + RSDT_OFF;
	sdt_header(rsdt, "RSDT", SDT_HEADER + 8, 1);
	put32(rsdt + SDT_HEADER, (uint32_t)(gpa + MADT_OFF));
	put32(rsdt + SDT_HEADER + 4, (uint32_t)(gpa + fadt_off));
	rsdt[9] = (uint8_t)-acpi_checksum(rsdt, SDT_HEADER + 8);

	memcpy(buf, "RSD PTR ", 8);
	memcpy(buf + 9, "UMBRA ", 6);
	buf[15] = 0; /* ACPI 1.0 */
	put32(buf + 16, (uint32_t)(gpa + RSDT_OFF));
	buf[8] = (uint8_t)-acpi_checksum(buf, RSDP_LEN);
	return total;
}

/* --- the same tables for firmware: QEMU's linker/loader --- */

/* One 128-byte command of the script: what QEMU's BiosLinkerLoaderEntry
 * holds (hw/acpi/bios-linker-loader.c) and SeaBIOS's romfile_loader runs. */
#define LOADER_ALLOCATE 1
#define LOADER_ADD_POINTER 2
#define LOADER_ADD_CHECKSUM 3
#define LOADER_ZONE_HIGH 1
#define LOADER_ZONE_FSEG 2 /* where Linux scans for the RSDP */

static uint8_t *loader_entry(struct acpi_fw_files *f, uint32_t command, const char *file)
{
	uint8_t *e = f->loader + f->loader_len;
	f->loader_len += ACPI_LOADER_ENTRY;
	memset(e, 0, ACPI_LOADER_ENTRY);
	put32(e, command);
	strncpy((char *)e + 4, file, ACPI_LOADER_FILE - 1);
	return e;
}

static void loader_allocate(struct acpi_fw_files *f, const char *file, uint32_t align,
			    uint8_t zone)
{
	uint8_t *e = loader_entry(f, LOADER_ALLOCATE, file);
	put32(e + 4 + ACPI_LOADER_FILE, align);
	e[8 + ACPI_LOADER_FILE] = zone;
}

/* The size-byte field at offset of dest gets src's address added. */
static void loader_pointer(struct acpi_fw_files *f, const char *dest, const char *src,
			   uint32_t offset, uint8_t size)
{
	uint8_t *e = loader_entry(f, LOADER_ADD_POINTER, dest);
	strncpy((char *)e + 4 + ACPI_LOADER_FILE, src, ACPI_LOADER_FILE - 1);
	put32(e + 4 + 2 * ACPI_LOADER_FILE, offset);
	e[8 + 2 * ACPI_LOADER_FILE] = size;
}

/* The checksum byte at sum, over [start, start + len), made right again
 * after pointers in that range moved. */
static void loader_checksum(struct acpi_fw_files *f, const char *file, uint32_t sum,
			    uint32_t start, uint32_t len)
{
	uint8_t *e = loader_entry(f, LOADER_ADD_CHECKSUM, file);
	put32(e + 4 + ACPI_LOADER_FILE, sum);
	put32(e + 8 + ACPI_LOADER_FILE, start);
	put32(e + 12 + ACPI_LOADER_FILE, len);
}

int acpi_fw_build(struct acpi_fw_files *f, unsigned int cpus)
{
	memset(f, 0, sizeof(*f));
	/* Built at address 0, every pointer is an offset into the tables,
	 * which the loader turns into an address; the RSDP goes apart. */
	size_t n = acpi_build(f->tables, sizeof(f->tables), 0, cpus);
	if (!n)
		return -1;
	memcpy(f->rsdp, f->tables, RSDP_LEN);
	memset(f->tables, 0, RSDT_OFF); /* no second "RSD PTR " */
	f->tables_len = n;
	f->rsdp_len = RSDP_LEN;
	uint32_t fadt = fadt_off_of(cpus);
	loader_allocate(f, ACPI_FW_RSDP_FILE, 16, LOADER_ZONE_FSEG);
	loader_allocate(f, ACPI_FW_TABLES_FILE, 64, LOADER_ZONE_HIGH);
	loader_pointer(f, ACPI_FW_RSDP_FILE, ACPI_FW_TABLES_FILE, 16, 4);
	loader_pointer(f, ACPI_FW_TABLES_FILE, ACPI_FW_TABLES_FILE, RSDT_OFF + SDT_HEADER, 4);
	loader_pointer(f, ACPI_FW_TABLES_FILE, ACPI_FW_TABLES_FILE, RSDT_OFF + SDT_HEADER + 4, 4);
	loader_pointer(f, ACPI_FW_TABLES_FILE, ACPI_FW_TABLES_FILE, fadt + FADT_DSDT, 4);
	loader_pointer(f, ACPI_FW_TABLES_FILE, ACPI_FW_TABLES_FILE, fadt + FADT_X_DSDT, 8);
	/* An RSDP's checksum byte is at 8, a table's at 9. */
	loader_checksum(f, ACPI_FW_RSDP_FILE, 8, 0, RSDP_LEN);
	loader_checksum(f, ACPI_FW_TABLES_FILE, RSDT_OFF + 9, RSDT_OFF, SDT_HEADER + 8);
	loader_checksum(f, ACPI_FW_TABLES_FILE, fadt + 9, fadt, FADT_LEN);
	return 0;
}
