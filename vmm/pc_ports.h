/* SPDX-License-Identifier: MIT */
/*
 * The small PC ports guests umbra did not build use to end a run (see
 * docs/devices.md). Hosted C.
 *
 * i8042 (0x60, 0x64): only the keyboard controller's reset line. Writing
 * command 0xfe to 0x64 resets the machine; umbra ends the run with status 0
 * (as QEMU with -no-reboot and Firecracker do): Linux's `reboot` goes this
 * way when there is no ACPI. There is no keyboard controller behind it:
 * the status register reads "output buffer full, input buffer empty" and
 * 0x60 reads 0xff, so Linux's i8042 driver reports "No controller found"
 * at once while its reboot path can write the reset command at once.
 *
 * isa-debug-exit (0xf4, as QEMU's -device isa-debug-exit,iobase=0xf4): a
 * write of V ends the run with status (V << 1) | 1, the convention of
 * kvm-unit-tests. Ports 0xf5..0xf7 belong to it too, so a 32-bit write
 * lands whole; only its low byte counts (exit statuses are 8 bits).
 *
 * ACPI PM1a event and control blocks (ACPI_PM1A_EVT_PORT, 4 bytes, and
 * ACPI_PM1A_CNT_PORT, 2 bytes, named by the FADT; acpi.h): a write of
 * SLP_EN with \_S5's sleep type to PM1a control is the guest's power-off,
 * which ends the run with status 0. Other sleep states are not offered (the
 * DSDT names only \_S5) and such writes are ignored. The status register
 * reads 0 (no SCI is ever raised); the enable register keeps what is written
 * (ACPICA reads it back when it enables a fixed event); control reads SCI_EN
 * (always in ACPI mode).
 */
#ifndef UMBRA_VMM_PC_PORTS_H
#define UMBRA_VMM_PC_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
#define I8042_CMD_RESET 0xfe
#define I8042_STATUS_IDLE 0x01 /* OBF set, IBF clear */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PORTS 4

/* Ends the run: status, and whether the guest asked for it (a reset or a
 * debug-exit write) — what vm_stop() takes. */
typedef void pc_stop_fn(void *ctx, int status, const char *why);

struct pc_ports {
	pc_stop_fn *stop;
	void *ctx;
	uint8_t pm1_enable[2]; /* PM1a enable: kept, as the guest checks it */
};

/* ioport_fns: i8042_io for 0x60 and 0x64 (registered one port each),
 * debug_exit_io for [DEBUG_EXIT_PORT, + DEBUG_EXIT_PORTS). dev is the
 * struct pc_ports. */
void i8042_io(void *dev, uint16_t port, uint8_t *data, bool is_write);
void debug_exit_io(void *dev, uint16_t port, uint8_t *data, bool is_write);
/* For [ACPI_PM1A_EVT_PORT, + ACPI_PM_PORTS): both blocks. */
void acpi_pm_io(void *dev, uint16_t port, uint8_t *data, bool is_write);

#endif
