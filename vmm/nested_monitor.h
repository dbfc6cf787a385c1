/* SPDX-License-Identifier: MIT */
/*
 * Where a nested run's L1 CPUs are, read through QEMU's human monitor
 * (`info registers -a`): said when a run is stopped from outside (a stop
 * signal, UMBRA_NESTED_TIMEOUT) or L1 does not start umbra, so a hang
 * shows whether L1's kernel or the inner guest was stuck, and where.
 * A CPU in the inner guest shows the guest's registers: the emulator
 * keeps the running world's state in the CPU. Hosted C.
 */
#ifndef UMBRA_VMM_NESTED_MONITOR_H
#define UMBRA_VMM_NESTED_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "elf_syms.h"

#define NESTED_MONITOR_MAX_CPUS 16

struct l1_cpu_state {
	unsigned cpu;
	uint64_t rip; /* EIP where the CPU is not in 64-bit mode */
	int cpl;
	bool halted;
	bool legacy; /* not in 64-bit mode (QEMU printed EIP) */
};

/* The CPUs in the monitor's answer text[0, len) to `info registers -a`,
 * at most max of them; how many. A CPU without RIP or EIP is left out. */
int nested_monitor_parse(const char *text, size_t len, struct l1_cpu_state *cpus, int max);

/* Called while the report waits for the monitor, about every 10 ms: the
 * caller keeps reading QEMU's output, whose full pipes would otherwise
 * stop the emulator, and with it the monitor. */
typedef void nested_monitor_idle_fn(void *arg);

/* Asks the monitor listening on path; the number of CPUs read (0: an
 * answer without any), or -1 (no monitor, or no answer within about a
 * second). */
int nested_monitor_sample(const char *path, struct l1_cpu_state *cpus, int max,
			  nested_monitor_idle_fn *idle, void *idle_arg);

/* One CPU's state in words: "halted", "guest kernel NAME+0xOFF" (the
 * guest's code, syms may be empty), "kernel mode 0x...", "user mode
 * 0x..." or "32-bit 0x...". */
void nested_monitor_describe(const struct l1_cpu_state *c, const struct elf_syms *syms,
			     char *buf, size_t len);

/* Samples the monitor `samples` times, gap_ms apart, and prints a line per
 * CPU with what each sample found, after the header line why. */
void nested_monitor_report(FILE *f, const char *path, const struct elf_syms *syms,
			   const char *why, int samples, int gap_ms,
			   nested_monitor_idle_fn *idle, void *idle_arg);

#endif
