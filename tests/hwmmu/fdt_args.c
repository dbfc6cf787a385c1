/* SPDX-License-Identifier: MIT */
/*
 * Reads numbers from the kernel command line (/chosen bootargs of the
 * flattened device tree the VMM passes in RDI): enough of the FDT format
 * (devicetree spec §5) to find one property, bounded by the header's sizes.
 */
#include "hwmmu.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* The bootargs string, or NULL. */
static const char *bootargs(const void *fdt)
{
	const uint8_t *h = fdt;
	if (!h || be32(h) != FDT_MAGIC)
		return NULL;
	const uint8_t *st = h + be32(h + 8);
	const char *strs = (const char *)h + be32(h + 12);
	uint32_t size = be32(h + 36);
	uint32_t off = 0;
	int depth = 0;
	bool in_chosen = false;

	while (off + 4 <= size) {
		uint32_t tok = be32(st + off);
		off += 4;
		switch (tok) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)st + off;
			depth++;
			if (depth == 2)
				in_chosen = str_eq(name, "chosen");
			off += (uint32_t)(str_len(name) + 4) & ~3u;
			break;
		}
		case FDT_END_NODE:
			if (depth-- == 2)
				in_chosen = false;
			break;
		case FDT_PROP: {
			uint32_t len = be32(st + off);
			const char *name = strs + be32(st + off + 4);
			off += 8;
			if (in_chosen && depth == 2 && str_eq(name, "bootargs") && len)
				return (const char *)st + off;
			off += (len + 3) & ~3u;
			break;
		}
		case FDT_NOP:
			break;
		default:
			return NULL;
		}
	}
	return NULL;
}

bool bootarg_u64(const void *fdt, const char *key, uint64_t *val)
{
	const char *s = bootargs(fdt);
	size_t klen = str_len(key);
	while (s && *s) {
		while (*s == ' ')
			s++;
		size_t i = 0;
		while (i < klen && s[i] == key[i])
			i++;
		if (i == klen && s[i] == '=') {
			const char *p = s + i + 1;
			unsigned base = 10;
			uint64_t v = 0;
			if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
				base = 16;
				p += 2;
			}
			for (;; p++) {
				unsigned d;
				if (*p >= '0' && *p <= '9')
					d = (unsigned)(*p - '0');
				else if (base == 16 && *p >= 'a' && *p <= 'f')
					d = (unsigned)(*p - 'a' + 10);
				else if (base == 16 && *p >= 'A' && *p <= 'F')
					d = (unsigned)(*p - 'A' + 10);
				else
					break;
				v = v * base + d;
			}
			*val = v;
			return true;
		}
		while (*s && *s != ' ')
			s++;
	}
	return false;
}
