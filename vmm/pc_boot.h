/* SPDX-License-Identifier: MIT */
/* The KVM side of booting a struct pc_image (pc_image.h): the PC devices
 * (in-kernel PIT, COM1's IRQ 4, pc_ports.h) and the boot protocols' entry
 * states. */
#ifndef UMBRA_VMM_PC_BOOT_H
#define UMBRA_VMM_PC_BOOT_H

#include "pc_image.h"

struct vm;

/* After guest RAM, the port bus and the vCPUs exist: the devices, the
 * image in guest memory, the BSP's entry state. Returns 0 or an exit
 * status after an error line. */
int pc_boot_setup(struct vm *vm, const struct pc_image *pi);

#endif
