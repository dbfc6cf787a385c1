/* SPDX-License-Identifier: MIT */
/*
 * Dumps of a running VM (docs/dump-format.md): the file they are appended
 * to (--dump-on-exit), the guest's request (UMBRA_HC_DUMP), SIGUSR2, the
 * control socket's `dump`, and the last one at exit. A dump is made where
 * the VM's state can be read: on the calling vCPU's thread (a hypercall),
 * on vCPU 0's thread (a request from another thread, which kicks it), or
 * on the main thread once the vCPUs stopped.
 */
#ifndef UMBRA_VMM_VM_DUMP_H
#define UMBRA_VMM_VM_DUMP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct vcpu;

#define VM_DUMP_LABEL_MAX 128

struct vm_dump_args {
	const char *reason;             /* "exit", "signal", "control", ... */
	char label[VM_DUMP_LABEL_MAX + 1];
	uint64_t guest_root;            /* 0: every address space */
	uint32_t asid;                  /* shadow: 0 every one */
	bool user_only;
};

struct vm_dump_state {
	FILE *f;                 /* the dump file; NULL without --dump-on-exit */
	pthread_mutex_t lock;    /* one dump at a time, and seq */
	uint64_t seq;
	/* A request for vCPU 0 (vm_dump_request). */
	pthread_mutex_t req_lock;
	pthread_cond_t req_cond;
	atomic_bool pending;
	bool taken, done;
	const struct vm_dump_args *req;
	FILE *req_out;
	int64_t req_result;
	uint64_t last_root[64];  /* tdp: each vCPU's CR3 when last seen */
	bool la57, nxe;          /* tdp: the paging mode last seen */
};

/* Opens --dump-on-exit's file (truncated; a terminal is made raw). 0, or an
 * UMBRA_EXIT_* status after one error line. */
int vm_dump_init(struct vm *vm);
void vm_dump_fini(struct vm *vm);

/* A dump made on this thread: vcpu is the caller's vCPU, or -1 on the main
 * thread after the vCPUs stopped. out NULL: the dump file. Returns the
 * dump's seq (dump file) or 0, or -UMBRA_E*. */
int64_t vm_dump_now(struct vm *vm, int vcpu, const struct vm_dump_args *a, FILE *out);

/* From any other thread while the VM may run: vCPU 0 makes it. */
int64_t vm_dump_request(struct vm *vm, const struct vm_dump_args *a, FILE *out);

/* vCPU 0's thread: makes a pending request's dump. */
void vm_dump_service(struct vcpu *v);

/* UMBRA_HC_DUMP for the dispatcher (hc_state.dump). */
int64_t vm_dump_hypercall(void *opaque, unsigned int vcpu, const uint64_t *args);

#endif
