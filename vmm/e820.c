/* SPDX-License-Identifier: MIT */
#include "e820.h"

unsigned int e820_build(const struct guest_mem *gm, bool pc_holes,
			struct e820_entry out[E820_MAX])
{
	unsigned int n = 0;
	for (unsigned int i = 0; i < gm->nranges; i++) {
		uint64_t start = gm->ranges[i].gpa, end = start + gm->ranges[i].size;
		if (pc_holes && start == 0 && end > E820_LOW_END) {
			out[n++] = (struct e820_entry){0, E820_EBDA_START, E820_RAM};
			out[n++] = (struct e820_entry){E820_EBDA_START,
				0xa0000 - E820_EBDA_START, E820_RESERVED};
			out[n++] = (struct e820_entry){E820_BIOS_START,
				E820_LOW_END - E820_BIOS_START, E820_RESERVED};
			start = E820_LOW_END;
		}
		out[n++] = (struct e820_entry){start, end - start, E820_RAM};
	}
	return n;
}
