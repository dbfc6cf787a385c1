/* SPDX-License-Identifier: MIT */
/*
 * The smallest ACPI tables that let Linux find N CPUs and the IOAPIC (the
 * Debian kernel has no MP-table parser: CONFIG_X86_MPPARSE is off): an
 * ACPI 1.0 RSDP, an RSDT with one entry, and the MADT (one enabled local
 * APIC per vCPU, APIC IDs 0..N-1, the IOAPIC at 0xfec00000 with GSI base 0,
 * PC-AT compatible dual 8259s). No FADT or DSDT: Linux enumerates CPUs and
 * the IOAPIC from the MADT early, then reports that it cannot load the
 * ACPI namespace and runs without the interpreter. Hosted C.
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

/* Writes the tables for cpus vCPUs into buf (cap bytes), which the guest
 * sees at gpa; the RSDP comes first. Returns the bytes used, or 0 if cap
 * is too small. */
size_t acpi_build(uint8_t *buf, size_t cap, uint64_t gpa, unsigned int cpus);

/* The sum of len bytes, mod 256: 0 for a table with a valid checksum. */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
