/* SPDX-License-Identifier: MIT */
/* The control socket of a running VM (--control PATH; docs/control.md). */
#ifndef UMBRA_VMM_CONTROL_H
#define UMBRA_VMM_CONTROL_H

struct vm;

/* Starts serving vm->cfg->control_path (if set) on a thread of its own.
 * 0, or an UMBRA_EXIT_* status after one error line. */
int control_start(struct vm *vm);
/* Stops it (the socket file is removed). */
void control_stop(struct vm *vm);

#endif
