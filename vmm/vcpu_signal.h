/* SPDX-License-Identifier: MIT */
/*
 * The signal that kicks a vCPU's thread out of KVM_RUN (kvmtool's
 * SIGKVMEXIT, QEMU's SIG_IPI). Its handler does nothing: the signal's only
 * work is to end KVM_RUN, which returns EINTR. Installed with SA_RESTART,
 * so a kick that lands while the thread blocks in anything else (a dump's
 * write to a serial port, a full stderr pipe) lets that call go on instead
 * of failing it with EINTR.
 *
 * Hosted C: the unit tests install it and kick a thread blocked in read().
 */
#ifndef UMBRA_VMM_VCPU_SIGNAL_H
#define UMBRA_VMM_VCPU_SIGNAL_H

#include <pthread.h>

/* Installs the kick signal's handler, once per process; 0 or -1 (errno). */
int vcpu_signals_init(void);

/* Sends the kick signal to thread t. */
void vcpu_signal_kick(pthread_t t);

#endif
