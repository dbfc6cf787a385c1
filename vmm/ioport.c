/* SPDX-License-Identifier: MIT */
/* The port-I/O bus. */
#include "ioport.h"

#include <string.h>

void ioport_bus_init(struct ioport_bus *bus, struct stats *stats)
{
	memset(bus, 0, sizeof(*bus));
	bus->stats = stats;
}

int ioport_register(struct ioport_bus *bus, uint16_t base, uint16_t len,
		    ioport_fn *fn, void *dev)
{
	if (len == 0 || (uint32_t)base + len > 0x10000 || bus->n == IOPORT_MAX_RANGES)
		return -1;
	for (unsigned int i = 0; i < bus->n; i++) {
		const struct ioport_range *r = &bus->ranges[i];
		if (base < r->base + r->len && r->base < base + len)
			return -1;
	}
	bus->ranges[bus->n++] = (struct ioport_range){base, len, fn, dev};
	return 0;
}

static const struct ioport_range *find(const struct ioport_bus *bus, uint32_t port)
{
	for (unsigned int i = 0; i < bus->n; i++) {
		const struct ioport_range *r = &bus->ranges[i];
		if (port >= r->base && port < (uint32_t)r->base + r->len)
			return r;
	}
	return NULL;
}

bool ioport_access(struct ioport_bus *bus, uint16_t port, uint8_t *data,
		   unsigned int size, bool is_write)
{
	bool handled = true;
	for (unsigned int i = 0; i < size; i++) {
		/* A 32-bit access at 0xfffe reaches past the last port: those
		 * bytes are unhandled. */
		const struct ioport_range *r = find(bus, (uint32_t)port + i);
		if (r) {
			r->fn(r->dev, (uint16_t)(port + i), &data[i], is_write);
		} else {
			if (!is_write)
				data[i] = 0xff;
			handled = false;
		}
	}
	if (!handled)
		stats_inc(is_write ? &bus->stats->pio_unhandled_writes
				   : &bus->stats->pio_unhandled_reads);
	return handled;
}
