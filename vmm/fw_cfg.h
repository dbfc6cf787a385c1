/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device (docs/specs/fw_cfg.rst in QEMU), the
 * x86 I/O-port flavour: selector 0x510 (16-bit write), data 0x511 (byte
 * reads; writes ignored, as QEMU since 2.4), DMA address 0x514 (high 32
 * bits) and 0x518 (low 32 bits; writing it runs the transfer), both
 * big-endian. Items are numbered (the fixed keys below) or files named in
 * the directory at FW_CFG_FILE_DIR. SeaBIOS reads its configuration here;
 * kvm-unit-tests reads the CPU count. Items are read-only. Hosted C: DMA
 * goes through guest_mem_hva().
 */
#ifndef UMBRA_VMM_FW_CFG_H
#define UMBRA_VMM_FW_CFG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA 0x514
#define FW_CFG_PORTS 12 /* 0x510..0x51b */

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NOGRAPHIC 0x04
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_KERNEL_ADDR 0x07
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR 0x0a
#define FW_CFG_INITRD_SIZE 0x0b
#define FW_CFG_BOOT_DEVICE 0x0c
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_KERNEL_ENTRY 0x10
#define FW_CFG_KERNEL_DATA 0x11
#define FW_CFG_INITRD_DATA 0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR 0x16
#define FW_CFG_SETUP_SIZE 0x17
#define FW_CFG_SETUP_DATA 0x18
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_FILES_MAX 32
#define FW_CFG_KEYS (FW_CFG_FILE_FIRST + FW_CFG_FILES_MAX)
#define FW_CFG_NAME_MAX 56

#define FW_CFG_ID_TRADITIONAL 0x01
#define FW_CFG_ID_DMA 0x02
/* DMA control bits. */
#define FW_CFG_DMA_ERROR 0x01
#define FW_CFG_DMA_READ 0x02
#define FW_CFG_DMA_SKIP 0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE 0x10
/* What reading the DMA address port returns: "QEMU CFG", big-endian. */
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ULL

struct fw_cfg_item {
	uint8_t *data;
	uint32_t len;
};

struct fw_cfg {
	pthread_mutex_t lock;
	const struct guest_mem *mem; /* DMA target; NULL: no DMA */
	struct fw_cfg_item items[FW_CFG_KEYS];
	unsigned int nfiles;
	uint16_t sel;
	uint32_t offset;
	uint8_t dma_addr[8]; /* big-endian, as written */
};

/* An empty device with the signature, the ID (DMA if mem) and the
 * (empty) file directory. */
void fw_cfg_init(struct fw_cfg *fc, const struct guest_mem *mem);
void fw_cfg_destroy(struct fw_cfg *fc);

/* Sets numbered item key (< FW_CFG_FILE_FIRST) to a copy of data. Returns
 * 0, or -1 (bad key, out of memory). */
int fw_cfg_set(struct fw_cfg *fc, uint16_t key, const void *data, size_t len);
int fw_cfg_set_u16(struct fw_cfg *fc, uint16_t key, uint16_t v); /* little-endian */
int fw_cfg_set_u32(struct fw_cfg *fc, uint16_t key, uint32_t v);
int fw_cfg_set_u64(struct fw_cfg *fc, uint16_t key, uint64_t v);

/* Adds file name (< FW_CFG_NAME_MAX bytes) with a copy of data to the
 * directory. Returns its key, or -1 (duplicate, full, bad name). */
int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, size_t len);

/* An ioport_fn for [FW_CFG_PORT_SEL, + FW_CFG_PORTS). */
void fw_cfg_io(void *dev, uint16_t port, uint8_t *data, bool is_write);

/* Runs the DMA transfer whose descriptor is at gpa (as a write of the low
 * address word does); the descriptor's control word ends 0 or with the
 * error bit. Returns 0, or -1 if the descriptor is not in guest RAM. */
int fw_cfg_dma(struct fw_cfg *fc, uint64_t gpa);

#endif
