/* SPDX-License-Identifier: MIT */
/* The vCPU kick signal (vcpu_signal.h). */
#include "vcpu_signal.h"

#include <signal.h>

#define VCPU_KICK_SIGNAL SIGUSR1

static void on_kick(int sig)
{
	(void)sig;
}

int vcpu_signals_init(void)
{
	/* SA_RESTART: stdio gives up on a write that fails with EINTR,
	 * drops the rest and keeps the error for every later flush. KVM_RUN
	 * still ends: KVM returns -EINTR itself, never restarted (as for
	 * kvm_run.immediate_exit). */
	struct sigaction sa = {.sa_handler = on_kick, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
}

void vcpu_signal_kick(pthread_t t)
{
	pthread_kill(t, VCPU_KICK_SIGNAL);
}
