/* SPDX-License-Identifier: MIT */
/* QEMU's fw_cfg device, I/O-port flavour with DMA; see fw_cfg.h. */
#include "fw_cfg.h"

#include <stdlib.h>
#include <string.h>

static void put_be(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int set_item(struct fw_cfg *fc, uint16_t key, const void *data, size_t len)
{
	if (key >= FW_CFG_KEYS || len > UINT32_MAX)
		return -1;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -1;
	if (len)
		memcpy(copy, data, len);
	free(fc->items[key].data);
	fc->items[key] = (struct fw_cfg_item){copy, (uint32_t)len};
	return 0;
}

/* The directory: a big-endian count, then per file its size, key, a
 * reserved half-word and the NUL-padded name. */
static int write_dir(struct fw_cfg *fc)
{
	size_t len = 4 + 64 * (size_t)fc->nfiles;
	uint8_t *dir = calloc(1, len);
	if (!dir)
		return -1;
	put_be(dir, fc->nfiles, 4);
	for (unsigned int i = 0; i < fc->nfiles; i++) {
		uint8_t *e = dir + 4 + 64 * i;
		const struct fw_cfg_item *it = &fc->items[FW_CFG_FILE_FIRST + i];
		put_be(e, it->len, 4);
		put_be(e + 4, FW_CFG_FILE_FIRST + i, 2);
		/* The name was kept after the data (see fw_cfg_add_file). */
		memcpy(e + 8, it->data + it->len, FW_CFG_NAME_MAX);
	}
	int r = set_item(fc, FW_CFG_FILE_DIR, dir, len);
	free(dir);
	return r;
}

void fw_cfg_init(struct fw_cfg *fc, const struct guest_mem *mem)
{
	memset(fc, 0, sizeof(*fc));
	pthread_mutex_init(&fc->lock, NULL);
	fc->mem = mem;
	set_item(fc, FW_CFG_SIGNATURE, "QEMU", 4);
	fw_cfg_set_u32(fc, FW_CFG_ID, FW_CFG_ID_TRADITIONAL | (mem ? FW_CFG_ID_DMA : 0));
	write_dir(fc);
}

void fw_cfg_destroy(struct fw_cfg *fc)
{
	for (unsigned int i = 0; i < FW_CFG_KEYS; i++)
		free(fc->items[i].data);
	pthread_mutex_destroy(&fc->lock);
	memset(fc->items, 0, sizeof(fc->items));
}

int fw_cfg_set(struct fw_cfg *fc, uint16_t key, const void *data, size_t len)
{
	return key < FW_CFG_FILE_FIRST && key != FW_CFG_FILE_DIR
		       ? set_item(fc, key, data, len) : -1;
}

int fw_cfg_set_u16(struct fw_cfg *fc, uint16_t key, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	return fw_cfg_set(fc, key, b, sizeof(b));
}

int fw_cfg_set_u32(struct fw_cfg *fc, uint16_t key, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fw_cfg_set(fc, key, b, sizeof(b));
}

int fw_cfg_set_u64(struct fw_cfg *fc, uint16_t key, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fw_cfg_set(fc, key, b, sizeof(b));
}

int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, size_t len)
{
	size_t nlen = strlen(name);
	if (nlen == 0 || nlen >= FW_CFG_NAME_MAX || fc->nfiles == FW_CFG_FILES_MAX ||
	    len > UINT32_MAX - FW_CFG_NAME_MAX)
		return -1;
	for (unsigned int i = 0; i < fc->nfiles; i++) {
		const struct fw_cfg_item *it = &fc->items[FW_CFG_FILE_FIRST + i];
		if (strcmp((const char *)it->data + it->len, name) == 0)
			return -1;
	}
	/* The data, then the NUL-padded name (for the directory), which the
	 * item's length leaves out. */
	uint8_t *buf = calloc(1, len + FW_CFG_NAME_MAX);
	if (!buf)
		return -1;
	if (len)
		memcpy(buf, data, len);
	memcpy(buf + len, name, nlen);
	uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + fc->nfiles);
	free(fc->items[key].data);
	fc->items[key] = (struct fw_cfg_item){buf, (uint32_t)len};
	fc->nfiles++;
	if (write_dir(fc)) {
		fc->nfiles--;
		return -1;
	}
	return key;
}

static void select_key(struct fw_cfg *fc, uint16_t key)
{
	fc->sel = key;
	fc->offset = 0;
}

/* The current item, or NULL (an unknown key reads as zeros). */
static const struct fw_cfg_item *current(const struct fw_cfg *fc)
{
	/* Bit 14 asks for a write, bit 15 for the architecture-specific
	 * keys; neither is offered. */
	if (fc->sel >= FW_CFG_KEYS || !fc->items[fc->sel].data)
		return NULL;
	return &fc->items[fc->sel];
}

int fw_cfg_dma(struct fw_cfg *fc, uint64_t gpa)
{
	uint8_t *d = fc->mem ? guest_mem_hva(fc->mem, gpa, 16) : NULL;
	if (!d)
		return -1;
	uint32_t control = (uint32_t)get_be(d, 4), length = (uint32_t)get_be(d + 4, 4);
	uint64_t addr = get_be(d + 8, 8);
	if (control & FW_CFG_DMA_SELECT)
		select_key(fc, (uint16_t)(control >> 16));
	bool error = false;
	if (control & FW_CFG_DMA_WRITE) {
		error = true; /* nothing is writable */
	} else if (control & (FW_CFG_DMA_READ | FW_CFG_DMA_SKIP)) {
		const struct fw_cfg_item *it = current(fc);
		uint32_t avail = it && fc->offset < it->len ? it->len - fc->offset : 0;
		uint32_t n = length < avail ? length : avail;
		if (control & FW_CFG_DMA_READ) {
			/* Past the item's end, a read gives zeros. */
			uint8_t *dst = guest_mem_hva(fc->mem, addr, length);
			if (!dst) {
				error = true;
			} else {
				if (n)
					memcpy(dst, it->data + fc->offset, n);
				memset(dst + n, 0, length - n);
			}
		}
		if (!error)
			fc->offset += n;
	}
	put_be(d, error ? FW_CFG_DMA_ERROR : 0, 4);
	return 0;
}

void fw_cfg_io(void *dev, uint16_t port, uint8_t *data, bool is_write)
{
	struct fw_cfg *fc = dev;
	unsigned int off = (uint16_t)(port - FW_CFG_PORT_SEL);
	pthread_mutex_lock(&fc->lock);
	if (off < 2) {
		/* The 16-bit selector write arrives as bytes at 0x510 and 0x511;
		 * 0x511 is also the data port, whose writes QEMU ignores: a write
		 * there is taken as the selector's high byte. */
		if (is_write && off == 0)
			select_key(fc, *data);
		else if (is_write)
			select_key(fc, (uint16_t)(fc->sel | *data << 8));
		else if (off == 1) {
			const struct fw_cfg_item *it = current(fc);
			*data = it && fc->offset < it->len ? it->data[fc->offset] : 0;
			if (it && fc->offset < it->len)
				fc->offset++;
		} else {
			*data = 0xff;
		}
	} else if (off >= 4) {
		unsigned int i = off - 4; /* byte of the big-endian address */
		if (!is_write) {
			*data = (uint8_t)(FW_CFG_DMA_SIGNATURE >> (8 * (7 - i)));
		} else if (fc->mem) {
			fc->dma_addr[i] = *data;
			if (i == 7) {
				uint64_t gpa = get_be(fc->dma_addr, 8);
				/* A descriptor outside RAM: nothing to report to. */
				(void)fw_cfg_dma(fc, gpa);
				memset(fc->dma_addr, 0, 4); /* the high word is per transfer */
			}
		}
	} else if (!is_write) {
		*data = 0xff; /* 0x512, 0x513: nothing */
	}
	pthread_mutex_unlock(&fc->lock);
}
