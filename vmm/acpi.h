/* SPDX-License-Identifier: MIT */
/*
 * The smallest ACPI tables that let Linux find N CPUs and the IOAPIC and
 * power the machine off (the Debian kernel has no MP-table parser:
 * CONFIG_X86_MPPARSE is off): an ACPI 1.0 RSDP and RSDT; the MADT (one
 * enabled local APIC per vCPU, APIC IDs 0..N-1, the IOAPIC at 0xfec00000
 * with GSI base 0, PC-AT compatible dual 8259s); an FADT with only the
 * required fixed hardware — the PM1a event and control blocks as I/O ports,
 * SCI on IRQ 9 (never raised), no SMI command port (the machine is always in
 * ACPI mode), no PM timer (optional since ACPI 5.0a), the i8042's reset
 * command as the reset register; and a DSDT that holds only \_S5
 * (soft-off's sleep type). Not hardware-reduced: that would take the legacy
 * PIC and the ISA IRQ mappings away, and COM1's IRQ 4 with them, unless the
 * DSDT declared every ISA device. Hosted C.
 */
#ifndef UMBRA_VMM_ACPI_H
#define UMBRA_VMM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_LAPIC_ADDR 0xfee00000u
#define ACPI_IOAPIC_ADDR 0xfec00000u
/* Where PC images get the tables: the reserved BIOS area that Linux also
 * scans for the RSDP. */
#define ACPI_TABLES_GPA 0xf0000ULL
#define ACPI_TABLES_MAX 0x2000ULL

/* The PM1a event block (status, enable: 2 bytes each) and control block
 * (2 bytes) the FADT names, and the sleep type \_S5 gives. The guest powers
 * off by writing SLP_TYP = ACPI_S5_SLP_TYP with SLP_EN to PM1a control;
 * both fields are in its high byte (bits 10-12 and 13). */
#define ACPI_PM1A_EVT_PORT 0x600
#define ACPI_PM1A_CNT_PORT 0x604
#define ACPI_PM_PORTS 6
#define ACPI_SCI_IRQ 9
#define ACPI_S5_SLP_TYP 5
#define ACPI_PM1_CNT_SCI_EN 0x01     /* low byte */
#define ACPI_PM1_CNT_HI_SLP_EN 0x20  /* high byte: bit 13 */
#define ACPI_PM1_CNT_HI_SLP_TYP(v) (((v) >> 2) & 7) /* high byte: bits 10-12 */

/* Writes the tables for cpus vCPUs into buf (cap bytes), which the guest
 * sees at gpa; the RSDP comes first. Returns the bytes used, or 0 if cap
 * is too small. */
size_t acpi_build(uint8_t *buf, size_t cap, uint64_t gpa, unsigned int cpus);

/*
 * The same tables for firmware (--bios): fw_cfg files as QEMU gives them to
 * SeaBIOS. SeaBIOS runs the loader script: it allocates the RSDP in the
 * F-segment and the tables in high memory, adds each one's address to the
 * pointers that name it (built as offsets into the tables file) and fixes
 * the checksums those changed. The RSDP it then finds is Linux's.
 */
#define ACPI_FW_TABLES_FILE "etc/acpi/tables"
#define ACPI_FW_RSDP_FILE "etc/acpi/rsdp"
#define ACPI_FW_LOADER_FILE "etc/table-loader"
#define ACPI_LOADER_ENTRY 128 /* bytes per script command */
#define ACPI_LOADER_FILE 56   /* a file name field, NUL-padded */
struct acpi_fw_files {
	uint8_t tables[ACPI_TABLES_MAX];
	uint8_t rsdp[20];
	uint8_t loader[16 * ACPI_LOADER_ENTRY];
	size_t tables_len, rsdp_len, loader_len;
};
/* 0, or -1 for a vCPU count the tables cannot hold. */
int acpi_fw_build(struct acpi_fw_files *f, unsigned int cpus);

/* The sum of len bytes, mod 256: 0 for a table with a valid checksum. */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
