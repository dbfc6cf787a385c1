/* SPDX-License-Identifier: MIT */
/*
 * A 16550 UART, transmit only: what the guest writes to THR goes to an output
 * fd (the VMM's stdout), flushed per line. The transmitter is always ready
 * (LSR = THRE|TEMT), so a guest can poll; there is no receiver, no
 * loopback, and no interrupts (IIR always "none pending"). The other
 * registers store and read back. Hosted C.
 */
#ifndef UMBRA_VMM_SERIAL_H
#define UMBRA_VMM_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_PORTS 8
#define SERIAL_LINE_MAX 4096

struct serial {
	pthread_mutex_t lock;
	uint16_t base;
	int out_fd;
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	size_t len;
	char line[SERIAL_LINE_MAX];
};

void serial_init(struct serial *s, uint16_t base, int out_fd);
void serial_destroy(struct serial *s);

/* An ioport_fn for [base, base + SERIAL_PORTS). */
void serial_io(void *dev, uint16_t port, uint8_t *data, bool is_write);

/* Writes out a partial line (at the end of the run). */
void serial_flush(struct serial *s);

#endif
