/* SPDX-License-Identifier: MIT */
/* 16550 UART (transmit side). */
#include "serial.h"

#include <errno.h>
#include <unistd.h>

/* Register offsets; with LCR.DLAB set, 0 and 1 are the divisor latch. */
enum { UART_RBR_THR = 0, UART_IER = 1, UART_IIR_FCR = 2, UART_LCR = 3,
       UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7 };

#define LCR_DLAB 0x80
#define FCR_FIFO_ENABLE 0x01
#define IIR_NO_INT 0x01
#define IIR_FIFO_ENABLED 0xc0
#define IER_THRI 0x02
#define IIR_THRI 0x02
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */
#define MSR_DCD_DSR_CTS 0xb0 /* a connected line */
#define MCR_OUT2 0x08 /* on a PC, gates the UART's interrupt onto the ISA line */

void serial_init(struct serial *s, uint16_t base, int out_fd)
{
	pthread_mutex_init(&s->lock, NULL);
	s->base = base;
	s->out_fd = out_fd;
	s->ier = s->fcr = s->lcr = s->mcr = s->scr = s->dll = s->dlm = 0;
	s->len = 0;
	s->thri_pending = false;
	s->irq_level = 0;
	s->irq_set = NULL;
	s->irq_ctx = NULL;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* Called with the lock held. Output errors (a closed stdout) drop the
 * text: the guest's console must not stop the VM. */
static void flush_locked(struct serial *s)
{
	size_t off = 0;
	while (off < s->len) {
		ssize_t n = write(s->out_fd, s->line + off, s->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	s->len = 0;
}

static void transmit(struct serial *s, uint8_t c)
{
	s->line[s->len++] = (char)c;
	if (c == '\n' || s->len == sizeof(s->line))
		flush_locked(s);
}

/*
 * Called with the lock held: the line follows the pending interrupt. As on
 * a PC, the line is driven only while MCR.OUT2 is set: Linux probes the
 * port (toggling IER) before it sets OUT2, and firmware such as SeaBIOS may
 * leave the 8259 unmasked; an edge from that probe would be taken early,
 * never acknowledged, and block IRQ 4 in the PIC's in-service register.
 */
static void update_irq(struct serial *s)
{
	int level = (s->mcr & MCR_OUT2) && (s->ier & IER_THRI) && s->thri_pending;
	if (level != s->irq_level && s->irq_set)
		s->irq_set(s->irq_ctx, level);
	s->irq_level = level;
}

void serial_io(void *dev, uint16_t port, uint8_t *data, bool is_write)
{
	struct serial *s = dev;
	unsigned int reg = (uint16_t)(port - s->base);
	pthread_mutex_lock(&s->lock);
	bool dlab = s->lcr & LCR_DLAB;
	if (is_write) {
		uint8_t v = *data;
		switch (reg) {
		case UART_RBR_THR:
			if (dlab)
				s->dll = v;
			else {
				/* The byte leaves at once: THR is empty again,
				 * a new edge of the interrupt. */
				s->thri_pending = false;
				update_irq(s);
				transmit(s, v);
				s->thri_pending = true;
			}
			break;
		case UART_IER:
			if (dlab)
				s->dlm = v;
			else {
				if (!(s->ier & IER_THRI) && (v & IER_THRI))
					s->thri_pending = true;
				s->ier = v & 0x0f;
			}
			break;
		case UART_IIR_FCR:
			/* Bits 1-2 (clear FIFOs) act and read back as 0. */
			s->fcr = v & ~0x06;
			break;
		case UART_LCR: s->lcr = v; break;
		case UART_MCR: s->mcr = v & 0x1f; break;
		case UART_SCR: s->scr = v; break;
		default: break; /* LSR, MSR: factory-test writes, ignored */
		}
	} else {
		uint8_t v = 0;
		switch (reg) {
		case UART_RBR_THR: v = dlab ? s->dll : 0; break; /* nothing received */
		case UART_IER: v = dlab ? s->dlm : s->ier; break;
		case UART_IIR_FCR:
			v = (s->fcr & FCR_FIFO_ENABLE) ? IIR_FIFO_ENABLED : 0;
			if ((s->ier & IER_THRI) && s->thri_pending) {
				v |= IIR_THRI; /* reading it clears it */
				s->thri_pending = false;
			} else {
				v |= IIR_NO_INT;
			}
			break;
		case UART_LCR: v = s->lcr; break;
		case UART_MCR: v = s->mcr; break;
		case UART_LSR: v = LSR_THRE | LSR_TEMT; break;
		case UART_MSR: v = MSR_DCD_DSR_CTS; break;
		case UART_SCR: v = s->scr; break;
		default: break;
		}
		*data = v;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

void serial_flush(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	flush_locked(s);
	pthread_mutex_unlock(&s->lock);
}
