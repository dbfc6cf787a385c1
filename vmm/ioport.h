/* SPDX-License-Identifier: MIT */
/*
 * The port-I/O bus: devices claim port ranges; an access nobody claims
 * reads as all-ones (as on a real PC bus) and is counted, and a write to it
 * is counted and dropped. Ranges are registered before the vCPUs start and
 * never change after, so lookups need no lock; each device locks itself.
 * Hosted C.
 */
#ifndef UMBRA_VMM_IOPORT_H
#define UMBRA_VMM_IOPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

#define IOPORT_MAX_RANGES 16

/* One byte at port: a write of *data, or a read into *data. */
typedef void ioport_fn(void *dev, uint16_t port, uint8_t *data, bool is_write);

struct ioport_range {
	uint16_t base;
	uint16_t len;
	ioport_fn *fn;
	void *dev;
};

struct ioport_bus {
	struct stats *stats;
	unsigned int n;
	struct ioport_range ranges[IOPORT_MAX_RANGES];
};

void ioport_bus_init(struct ioport_bus *bus, struct stats *stats);

/* Claims [base, base + len) for fn. Returns 0, or -1 if the range is empty,
 * wraps past port 0xffff, overlaps another, or the bus is full. */
int ioport_register(struct ioport_bus *bus, uint16_t base, uint16_t len,
		    ioport_fn *fn, void *dev);

/*
 * One access of size bytes (1, 2 or 4) at port, data in guest byte order
 * (little-endian). Devices see it byte by byte at consecutive ports, so a
 * 16-bit access to two 8-bit registers works as on hardware. Returns false
 * if any byte was unhandled (it then read 0xff); counted once per access.
 */
bool ioport_access(struct ioport_bus *bus, uint16_t port, uint8_t *data,
		   unsigned int size, bool is_write);

#endif
