/* SPDX-License-Identifier: MIT */
/* i8042 reset line, isa-debug-exit, ACPI PM1 blocks; see pc_ports.h. */
#include "pc_ports.h"

#include "acpi.h"

void i8042_io(void *dev, uint16_t port, uint8_t *data, bool is_write)
{
	struct pc_ports *pc = dev;
	if (!is_write) {
		*data = port == I8042_CMD_PORT ? I8042_STATUS_IDLE : 0xff;
		return;
	}
	if (port == I8042_CMD_PORT && *data == I8042_CMD_RESET)
		pc->stop(pc->ctx, 0, "reset through the i8042");
}

void debug_exit_io(void *dev, uint16_t port, uint8_t *data, bool is_write)
{
	struct pc_ports *pc = dev;
	if (!is_write) {
		*data = 0xff;
		return;
	}
	if (port == DEBUG_EXIT_PORT)
		pc->stop(pc->ctx, ((*data << 1) | 1) & 0xff, "isa-debug-exit");
}

void acpi_pm_io(void *dev, uint16_t port, uint8_t *data, bool is_write)
{
	struct pc_ports *pc = dev;
	bool enable = port >= ACPI_PM1A_EVT_PORT + 2 && port < ACPI_PM1A_EVT_PORT + 4;
	if (!is_write) {
		if (enable)
			*data = pc->pm1_enable[port - ACPI_PM1A_EVT_PORT - 2];
		else
			*data = port == ACPI_PM1A_CNT_PORT ? ACPI_PM1_CNT_SCI_EN : 0;
		return;
	}
	if (enable)
		pc->pm1_enable[port - ACPI_PM1A_EVT_PORT - 2] = *data;
	/* Word writes arrive a byte at a time: the sleep fields are all in
	 * the high byte. */
	if (port == ACPI_PM1A_CNT_PORT + 1 && (*data & ACPI_PM1_CNT_HI_SLP_EN) &&
	    ACPI_PM1_CNT_HI_SLP_TYP(*data) == ACPI_S5_SLP_TYP)
		pc->stop(pc->ctx, 0, "ACPI power-off");
}
