/* SPDX-License-Identifier: MIT */
/*
 * The pure parts of nested runs (nested.c), kept apart so they can be
 * unit-tested: the files handed to the L1 VM, the sizing of the L1 VM, and
 * the parser of the L1 console stream with its markers.
 *
 * The protocol with the L1 /init (tools/mkl1base.sh): /init prints on ttyS0
 * whole lines
 *     umbra-l1-start MARK             KVM is up; the inner umbra starts now
 *     umbra-l1-exit MARK STATUS       the inner umbra ended with STATUS
 *     umbra-l1-error MARK MESSAGE     L1 could not set up KVM
 * where MARK is a per-run nonce (written into /umbra/env) that the guest's
 * output cannot guess. Between start and exit, ttyS0 carries exactly the
 * inner umbra's stdout; its stderr goes to ttyS1 alone.
 */
#ifndef UMBRA_VMM_NESTED_PROTO_H
#define UMBRA_VMM_NESTED_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

/* Where the per-run files appear inside L1. */
#define NESTED_L1_UMBRA "/umbra/umbra"
#define NESTED_L1_KERNEL "/umbra/kernel"
#define NESTED_L1_INITRD "/umbra/initrd"
#define NESTED_L1_BIOS "/umbra/bios"
/* The dump file and the control socket: serial ports whose host side is
 * the user's file and socket. */
#define NESTED_L1_DUMP "/dev/ttyS2"
#define NESTED_L1_CONTROL "/dev/ttyS3"

/* Hex digits of the per-run nonce. */
#define NESTED_MARK_LEN 16

/*
 * Writes /umbra/argv: the NUL-terminated arguments of the `umbra run` that
 * the L1 VM runs, equivalent to cfg with the paths of the L1 copies and
 * --no-nested. Every field of struct umbra_config must be carried here.
 * Returns 0, or -1 on a write error.
 */
int nested_write_argv(FILE *f, const struct umbra_config *cfg);

/*
 * Splits the contents of an argv file (len bytes, each argument ending in
 * NUL) into vec, pointing into buf. Returns the number of arguments, or -1
 * if the file is empty, does not end in NUL, or has more than max.
 */
int nested_split_argv(char *buf, size_t len, char **vec, int max);

/*
 * Writes /umbra/env, sourced by /init: the nonce and the parameters for
 * `insmod kvm-amd.ko` (e.g. "npt=0"; may be NULL), shell-quoted.
 */
int nested_write_env(FILE *f, const char *mark, const char *kvm_amd_params);

/*
 * RAM of the L1 VM in MiB: the guest's RAM, 512 MiB for the L1 kernel and
 * the VMM, and twice the per-run files (the initramfs image and its
 * unpacked copy in L1's rootfs); at least 1024.
 */
uint64_t nested_l1_mem_mib(uint64_t guest_bytes, uint64_t files_bytes);

/* vCPUs of the L1 VM: one per guest vCPU plus one for the VMM's other
 * threads, at least 2. */
unsigned int nested_l1_cpus(unsigned int guest_cpus);

/*
 * The parser of the L1 console (ttyS0). Before the start marker it only
 * remembers the last line (L1 boot noise is not shown); between the markers
 * it passes everything through, holding back only bytes that might begin
 * the exit marker; after the exit marker it ignores the rest.
 */
enum nested_console_state {
	NESTED_BOOT,  /* waiting for the start marker */
	NESTED_RUN,   /* forwarding the inner umbra's stdout */
	NESTED_EXIT,  /* exit marker seen: status is valid */
	NESTED_ERROR, /* error marker seen: message is valid */
};

#define NESTED_CONSOLE_HOLD 512

struct nested_console {
	enum nested_console_state state;
	char start_line[64];  /* "umbra-l1-start MARK" */
	char exit_tag[64];    /* "umbra-l1-exit MARK " */
	char error_tag[64];   /* "umbra-l1-error MARK " */
	char held[NESTED_CONSOLE_HOLD];
	size_t held_len;
	char last_line[160];  /* last non-empty line L1 printed, for errors */
	size_t last_len;      /* length of the line being collected */
	int status;
	char message[NESTED_CONSOLE_HOLD];
};

/* Passes len bytes at data to the real stdout. */
typedef void nested_out_fn(void *ctx, const char *data, size_t len);

void nested_console_init(struct nested_console *c, const char *mark);
void nested_console_feed(struct nested_console *c, const char *data,
			 size_t len, nested_out_fn *out, void *ctx);
/* At the end of the stream: passes on what was held back. */
void nested_console_end(struct nested_console *c, nested_out_fn *out,
			void *ctx);

#endif
