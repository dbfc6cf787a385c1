/* SPDX-License-Identifier: MIT */
/*
 * The vCPU kick signal (vmm/vcpu_signal.c): a kick that lands while the
 * vCPU's thread blocks in a read or write lets the call go on. Without
 * SA_RESTART the read fails with EINTR, as a dump's write to a serial port
 * did when a SIGUSR2 dump kicked vCPU 0 during the guest's own dump.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#include "vcpu_signal.h"

struct reader {
	int fd;
	ssize_t got;
	int err;
	char byte;
};

static void *read_one(void *arg)
{
	struct reader *r = arg;
	r->got = read(r->fd, &r->byte, 1);
	r->err = r->got < 0 ? errno : 0;
	return NULL;
}

TEST(vcpu_kick_lets_a_blocked_read_go_on)
{
	int p[2];
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(vcpu_signals_init(), 0);
	struct reader r = {.fd = p[0]};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, read_one, &r), 0);
	/* The reader blocks in read() well before this (a kick before it
	 * would prove nothing, never fail wrongly); several kicks, as a
	 * remote flush and a dump request may send. */
	struct timespec pause = {0, 50 * 1000 * 1000};
	for (int i = 0; i < 3; i++) {
		nanosleep(&pause, NULL);
		vcpu_signal_kick(t);
	}
	nanosleep(&pause, NULL);
	CHECK_EQ(write(p[1], "x", 1), 1);
	pthread_join(t, NULL);
	CHECK_EQ(r.got, 1);
	CHECK_EQ(r.err, 0);
	CHECK_EQ(r.byte, 'x');
	close(p[0]);
	close(p[1]);
}
