/* SPDX-License-Identifier: MIT */
/*
 * A 16550 UART, transmit only: what the guest writes to THR goes to an output
 * fd (the VMM's stdout), flushed per line. The transmitter is always ready
 * (LSR = THRE|TEMT), so a guest can poll; there is no receiver and no
 * loopback. The one interrupt is "THR empty" (IER bit 1), as on a 16550:
 * raised when it is enabled and after each byte sent, cleared by reading it
 * from IIR or by writing THR; the line goes to irq_set (none: polling
 * only). Linux's 8250 driver sends user output that way. The other
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
	bool thri_pending; /* the "THR empty" interrupt is pending */
	int irq_level;     /* last level given to irq_set */
	/* Sets the interrupt line (level 0/1); NULL: no interrupt line. */
	void (*irq_set)(void *ctx, int level);
	void *irq_ctx;
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
