/* SPDX-License-Identifier: MIT */
/* i8042 reset line and isa-debug-exit; see pc_ports.h. */
#include "pc_ports.h"

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
