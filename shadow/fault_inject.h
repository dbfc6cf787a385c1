/* SPDX-License-Identifier: MIT */
/*
 * Host failures: the test-only fault injection switch (`umbra run
 * --fault-inject SPEC`, docs/reliability.md) and the report of every host
 * failure, injected or real. Compiled in always; off (one relaxed load per
 * call site) unless a spec was given.
 *
 * A call site asks fault_inject_hit(KIND) just before the host call it
 * guards and, when it says true, behaves as if that call had failed (with
 * EIO / ENOMEM). Whatever failed, the site then says how it coped with
 * host_failure(): survived (the data is kept: a frame stays resident, a
 * fault is retried, a shadow page evicted) or fatal (the guest is stopped
 * through the handler the VMM set, with the message naming what is lost).
 * Thread-safe: vCPU threads, the userfaultfd thread and the chaos thread
 * all get here.
 */
#ifndef UMBRA_FAULT_INJECT_H
#define UMBRA_FAULT_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum fi_kind {
	FI_MMAP,       /* mmap of guest RAM (start-up) */
	FI_MADVISE,    /* MADV_DONTNEED giving frames back to the host */
	FI_UFFD,       /* userfaultfd ioctls: REGISTER, ZEROPAGE, COPY */
	FI_SP_ALLOC,   /* a frame for a shadow page */
	FI_SWAP_WRITE, /* pwrite of a frame to the swap file */
	FI_SWAP_READ,  /* pread of a frame from the swap file */
	FI_KINDS
};

/* Parses SPEC: KIND[:N|:N+|%P],... (KIND as fault_inject_name gives).
 * KIND alone fails every call, :N the Nth call only, :N+ the Nth and every
 * later one, %P P percent of calls (a fixed pseudo-random sequence, so a
 * run is repeatable). Replaces any earlier spec. 0, or -1 with a reason
 * in err. */
int fault_inject_parse(const char *spec, char *err, size_t errlen);
/* The same checks, nothing changed (the command line's). */
int fault_inject_check(const char *spec, char *err, size_t errlen);
/* Whether this call of kind fails (counts the call). */
bool fault_inject_hit(enum fi_kind kind);
/* Turns injection off (and clears every counter): tests. */
void fault_inject_reset(void);
/* Whether any spec is active. */
bool fault_inject_enabled(void);
const char *fault_inject_name(enum fi_kind kind);

/* A host failure of kind happened and was coped with (fatal: the guest
 * is being stopped). The first of each kind, and every fatal one, prints
 * "umbra: WHAT" on stderr (fmt: WHAT); a fatal one then calls the stop
 * handler. Counted for --stats. */
void host_failure(enum fi_kind kind, bool fatal, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* What a fatal failure calls: the VMM stops the guest (vm_stop). */
void host_failure_set_stop(void (*stop)(void *opaque), void *opaque);

struct fi_counts {
	uint64_t calls;     /* calls of the guarded host operation seen */
	uint64_t injected;  /* ... made to fail by the switch */
	uint64_t survived;  /* failures (injected or real) coped with */
	uint64_t fatal;     /* failures that stopped the guest */
};
void fault_inject_counts(enum fi_kind kind, struct fi_counts *c);
/* --stats: one line per kind that was injected or failed. */
void fault_inject_print_stats(FILE *f);

#endif
