/* SPDX-License-Identifier: MIT */
/* The configuration of one `umbra run`, as parsed from its command line. */
#ifndef UMBRA_VMM_CONFIG_H
#define UMBRA_VMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

enum paging_mode { PAGING_TDP, PAGING_SHADOW };

struct umbra_config {
	const char *kernel;      /* path of the guest kernel ELF (required) */
	const char *initrd;      /* path of a newc cpio, or NULL */
	const char *bios;        /* --bios: firmware started at the reset vector, or NULL */
	const char *params;      /* guest command line ("" if none) */
	uint64_t mem_bytes;      /* guest RAM, -m/--mem (default 256 MiB) */
	unsigned int cpus;       /* -c/--cpus (default 1) */
	enum paging_mode paging; /* --paging */
	/* Shadow mode only (docs/shadow.md): */
	bool audit;              /* --audit: audit the shadow after every hypercall */
	unsigned int audit_interval; /* --audit-interval N: every Nth one */
	bool stats;              /* --stats: shadow counters at exit */
	bool prefetch_given;     /* --prefetch N given (else the default, 16) */
	unsigned int prefetch;
	unsigned int shadow_budget; /* --shadow-budget PAGES; 0: 2% of RAM */
	bool shadow_poll_given;  /* --shadow-poll US given (else the default:
				  * cli_shadow_poll_us) */
	unsigned int shadow_poll_us; /* the fault-slot poll thread sleeps after US
				      * idle; 0: no thread */
	/* Host memory (docs/host-memory.md), shadow mode only: */
	uint64_t mem_limit;      /* --mem-limit SIZE: bytes the guest holds; 0: none */
	bool dedup;              /* --dedup: merge identical frames */
	unsigned int chaos_rate; /* --chaos-invalidate RATE: operations per second */
	bool debug_exits;        /* --debug-exits: log every VM exit to stderr */
	bool no_nested;          /* --no-nested: never re-execute inside QEMU */
	/* Tools (docs/dump-format.md, docs/control.md): */
	const char *dump_path;   /* --dump-on-exit FILE: dumps are appended here */
	const char *control_path; /* --control PATH: the control socket */
	unsigned int trace_events; /* --trace N: MMU event ring size (0: off) */
	const char *fault_inject; /* --fault-inject SPEC (tests; shadow/fault_inject.h) */
};

#endif
