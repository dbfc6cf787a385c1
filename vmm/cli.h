/* SPDX-License-Identifier: MIT */
/* The command line of `umbra run`, parsed into struct umbra_config. Hosted C:
 * no side effects beyond the config and the error text. */
#ifndef UMBRA_VMM_CLI_H
#define UMBRA_VMM_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define CLI_MEM_DEFAULT (256ULL << 20)
#define CLI_MEM_MIN (16ULL << 20)
#define CLI_MEM_MAX (64ULL << 30)
/* RAM is mapped with 2 MiB pages at boot, so it comes in 2 MiB steps. */
#define CLI_MEM_ALIGN (2ULL << 20)
#define CLI_CPUS_MAX 64
/* -p/--params is at most UMBRA_CMDLINE_MAX - 1 bytes (include/umbra/boot.h):
 * what the guest's command-line buffer holds. */

enum cli_result {
	CLI_OK,    /* cfg is complete */
	CLI_HELP,  /* -h/--help: print cli_usage() and succeed */
	CLI_ERROR, /* err holds one line (without "umbra: ") */
};

/*
 * Parses `run [options] KERNEL`; argv[0] is "run". Options and the kernel
 * may come in any order; "--" ends the options. Strings in cfg point into
 * argv.
 */
enum cli_result cli_parse_run(int argc, char **argv, struct umbra_config *cfg,
			      char *err, size_t errlen);

/*
 * A size: a decimal number with an optional suffix K, M, G or T (binary,
 * either case); a plain number means MiB, as in kvmtool. Returns 0, or -1
 * if s is not a size or overflows 64 bits.
 */
int cli_parse_size(const char *s, uint64_t *bytes);

/*
 * The poll thread's idle time in microseconds, 0 for none (docs/shadow.md,
 * "Exitless faults"). --shadow-poll US decides where given; otherwise shadow
 * mode has the thread, CLI_SHADOW_POLL_DEFAULT_US, when the host has a CPU
 * for it besides one per vCPU (host_cpus: those this process may run on),
 * and none where it would take a vCPU's CPU. KVM's halt polling is the same
 * trade, and on by default too: a host CPU's time for the guest's latency.
 */
#define CLI_SHADOW_POLL_DEFAULT_US 1000
unsigned int cli_shadow_poll_us(const struct umbra_config *cfg, unsigned int host_cpus);

void cli_usage(FILE *f);

#endif
