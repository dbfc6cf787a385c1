/* SPDX-License-Identifier: MIT */
/*
 * Stopping every vCPU (vmm/vcpu_pause.c): while a pause is on no vCPU runs
 * its "guest" (a loop that writes until it is kicked, as KVM_RUN runs until
 * a signal or immediate_exit), whether the pauser is another thread (the
 * chaos thread) or a vCPU between exits (reclaim), and when both ask at
 * once, one pause follows the other; a vCPU thread that ends releases a
 * waiting pauser.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "test.h"

#include "vcpu_pause.h"

#define NR 3

struct fake_vm {
	struct vcpu_pause p;
	atomic_bool kicked[NR];
	atomic_uint_fast64_t writes[NR];
	atomic_bool stop;
	atomic_int in_pause;          /* pauses on at once: never above 1 */
	atomic_int overlap;           /* times it was */
	atomic_int moved;             /* writes seen during a pause */
	atomic_int self_pauses;
	unsigned self_every;          /* vCPU 0 pauses after this many exits; 0: never */
	unsigned exits_left[NR];      /* 0: runs until stop */
};

static struct fake_vm *vm_of(void *opaque) { return opaque; }

static void kick_all(void *opaque)
{
	struct fake_vm *vm = vm_of(opaque);
	for (int i = 0; i < NR; i++)
		atomic_store(&vm->kicked[i], true);
}

static void sleep_us(long us)
{
	nanosleep(&(struct timespec){0, us * 1000}, NULL);
}

/* The pauser's side: nothing may move while the pause is on. */
static void paused_check(struct fake_vm *vm, int self)
{
	if (atomic_fetch_add(&vm->in_pause, 1) != 0)
		atomic_fetch_add(&vm->overlap, 1);
	uint64_t before[NR];
	for (int i = 0; i < NR; i++)
		before[i] = atomic_load(&vm->writes[i]);
	sleep_us(300);
	for (int i = 0; i < NR; i++)
		if (i != self && atomic_load(&vm->writes[i]) != before[i])
			atomic_fetch_add(&vm->moved, 1);
	atomic_fetch_sub(&vm->in_pause, 1);
}

struct fake_vcpu {
	struct fake_vm *vm;
	int id;
	pthread_t thread;
};

static void *vcpu_run(void *arg)
{
	struct fake_vcpu *c = arg;
	struct fake_vm *vm = c->vm;
	unsigned exits = 0;
	vcpu_pause_enter(&vm->p);
	while (!atomic_load(&vm->stop)) {
		vcpu_pause_point(&vm->p);
		/* "KVM_RUN": until kicked (a kick before entry ends it at once). */
		unsigned n = 0;
		while (!atomic_exchange(&vm->kicked[c->id], false) && ++n < 2000)
			atomic_fetch_add(&vm->writes[c->id], 1);
		exits++;
		if (vm->exits_left[c->id] && exits >= vm->exits_left[c->id])
			break;
		/* An exit: reclaim that pauses the others. */
		if (c->id == 0 && vm->self_every && exits % vm->self_every == 0) {
			vcpu_pause(&vm->p, true);
			paused_check(vm, 0);
			atomic_fetch_add(&vm->self_pauses, 1);
			vcpu_continue(&vm->p);
		}
	}
	vcpu_pause_leave(&vm->p);
	return NULL;
}

static void start(struct fake_vm *vm, struct fake_vcpu *c)
{
	for (int i = 0; i < NR; i++) {
		c[i] = (struct fake_vcpu){.vm = vm, .id = i};
		pthread_create(&c[i].thread, NULL, vcpu_run, &c[i]);
	}
}

static void finish(struct fake_vm *vm, struct fake_vcpu *c)
{
	atomic_store(&vm->stop, true);
	for (int i = 0; i < NR; i++)
		pthread_join(c[i].thread, NULL);
}

static void fake_vm_init(struct fake_vm *vm)
{
	*vm = (struct fake_vm){0};
	vcpu_pause_init(&vm->p, kick_all, vm);
}

TEST(vcpu_pause_stops_every_vcpu)
{
	struct fake_vm vm;
	struct fake_vcpu c[NR];
	fake_vm_init(&vm);
	start(&vm, c);
	for (int round = 0; round < 40; round++) {
		vcpu_pause(&vm.p, false);
		paused_check(&vm, -1);
		vcpu_continue(&vm.p);
		sleep_us(200);
	}
	/* And they run again after it. */
	uint64_t w = atomic_load(&vm.writes[1]);
	for (int i = 0; i < 1000 && atomic_load(&vm.writes[1]) == w; i++)
		sleep_us(100);
	CHECK(atomic_load(&vm.writes[1]) != w);
	finish(&vm, c);
	CHECK_EQ(atomic_load(&vm.moved), 0);
	CHECK_EQ(atomic_load(&vm.overlap), 0);
	CHECK_EQ(vm.p.pauses, 40);
}

TEST(vcpu_pause_from_a_vcpu_beside_another_pauser)
{
	struct fake_vm vm;
	struct fake_vcpu c[NR];
	fake_vm_init(&vm);
	vm.self_every = 3;
	start(&vm, c);
	for (int round = 0; round < 40; round++) {
		vcpu_pause(&vm.p, false);
		paused_check(&vm, -1);
		vcpu_continue(&vm.p);
	}
	for (int i = 0; i < 2000 && atomic_load(&vm.self_pauses) < 20; i++)
		sleep_us(100);
	finish(&vm, c);
	CHECK(atomic_load(&vm.self_pauses) >= 20);
	CHECK_EQ(atomic_load(&vm.moved), 0);
	CHECK_EQ(atomic_load(&vm.overlap), 0);
}

TEST(vcpu_pause_ends_when_the_vcpus_end)
{
	struct fake_vm vm;
	struct fake_vcpu c[NR];
	fake_vm_init(&vm);
	/* vCPU 2 ends after a few exits, never reaching a pause point again. */
	vm.exits_left[2] = 5;
	start(&vm, c);
	pthread_join(c[2].thread, NULL);
	vcpu_pause(&vm.p, false);
	paused_check(&vm, -1);
	vcpu_continue(&vm.p);
	atomic_store(&vm.stop, true);
	pthread_join(c[0].thread, NULL);
	pthread_join(c[1].thread, NULL);
	/* None left: a pause returns at once. */
	vcpu_pause(&vm.p, false);
	vcpu_continue(&vm.p);
	CHECK_EQ(vm.p.running, 0);
	CHECK_EQ(atomic_load(&vm.moved), 0);
}
