/* SPDX-License-Identifier: MIT */
/*
 * tdp mode's host memory (vmm/uffd_mem.c) on ordinary host memory, the
 * VMM's thread serving this process's own touches: first touches get the
 * zero page and the table says present; reclaim writes old frames to the
 * swap file, drops them (its own REMOVE events are not announced again)
 * and a touch brings the bytes back; a MADV_DONTNEED the VMM did not make
 * is announced once on the notifier chain; the balloon discards. Where
 * userfaultfd is refused the memory is backed eagerly, the boot image
 * intact.
 */
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "guest_mem.h"
#include "uffd_mem.h"

#define PAGES 64

/* The thread handles REMOVE events after MADV_DONTNEED returns: wait for
 * the count (a bounded wait, so a lost event fails the test). */
static uint64_t wait_removes(struct uffd_mem *u, uint64_t want_own, uint64_t want_foreign)
{
	struct uffd_stats s;
	for (int i = 0; i < 2000; i++) {
		uffd_mem_stats(u, &s, NULL);
		if (s.removes_own >= want_own && s.removes_foreign >= want_foreign)
			break;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	return s.removes_own + s.removes_foreign;
}

static int swap_file(void)
{
	return memfd_create("test-swap", MFD_CLOEXEC);
}

TEST(uffd_mem_demand_backing_reclaim_and_events)
{
	struct guest_mem gm;
	guest_mem_layout(&gm, PAGES * 4096);
	CHECK_EQ(guest_mem_map(&gm), 0);
	uint8_t *ram = gm.ranges[0].hva;
	ram[5 * 4096] = 42; /* the "boot image", written before */
	struct uffd_mem u;
	uffd_mem_init(&u, &gm);
	int r = uffd_mem_start(&u, 8, swap_file());
	if (r) {
		/* Refused: only for a user without the right to it; then the
		 * eager path must have been taken. */
		CHECK(geteuid() != 0);
		CHECK(u.eager);
		uffd_mem_destroy(&u);
		guest_mem_unmap(&gm);
		return;
	}
	CHECK_EQ(uffd_mem_state(&u, 5), P2M_GFN_PRESENT);
	CHECK_EQ(uffd_mem_state(&u, 6), P2M_GFN_ABSENT);
	CHECK_EQ(atomic_load(&u.resident), 1);

	/* First touches: zero pages, a few frames per fault. */
	unsigned sum = 0;
	for (int i = 0; i < 32; i++)
		sum += ((volatile uint8_t *)ram)[i * 4096];
	CHECK_EQ(sum, 42);
	struct uffd_stats s;
	struct hm_stats hs;
	uffd_mem_stats(&u, &s, &hs);
	CHECK(s.missing >= 2 && s.missing < 31);
	CHECK_EQ(s.missing, s.zeropages);
	CHECK_EQ(uffd_mem_state(&u, 20), P2M_GFN_PRESENT);
	CHECK_EQ(atomic_load(&u.resident), 32);

	/* Distinct bytes in every frame, then reclaim down to 8. */
	for (int i = 0; i < 32; i++)
		ram[i * 4096 + 7] = (uint8_t)(i + 1);
	uint64_t out = uffd_mem_reclaim(&u);
	CHECK(out >= 24);
	CHECK(atomic_load(&u.resident) <= 8);
	uffd_mem_stats(&u, &s, &hs);
	CHECK_EQ(s.swap_outs, out);
	CHECK_EQ(hs.ev_start[HM_EV_CLEAR], out); /* announced once each, by reclaim */
	unsigned swapped = 0;
	for (int i = 0; i < 32; i++)
		swapped += uffd_mem_state(&u, (uint64_t)i) == P2M_GFN_SWAPPED;
	CHECK_EQ(swapped, out);
	/* Its own REMOVE events arrive and are not announced again. */
	CHECK(wait_removes(&u, 1, 0) >= 1);
	uffd_mem_stats(&u, &s, &hs);
	CHECK_EQ(s.removes_foreign, 0);
	CHECK_EQ(hs.ev_start[HM_EV_UNMAP], 0);

	/* Every byte comes back through the missing fault. */
	int bad = 0;
	for (int i = 0; i < 32; i++)
		bad += ((volatile uint8_t *)ram)[i * 4096 + 7] != (uint8_t)(i + 1);
	CHECK_EQ(bad, 0);
	CHECK_EQ(ram[5 * 4096], 42);
	uffd_mem_stats(&u, &s, NULL);
	CHECK_EQ(s.swap_ins, out);

	/* A drop the VMM did not make: announced (UNMAP) once, absent. */
	CHECK_EQ(uffd_mem_state(&u, 9), P2M_GFN_PRESENT);
	CHECK_EQ(madvise(ram + 9 * 4096, 4096, MADV_DONTNEED), 0);
	wait_removes(&u, 0, 1);
	uffd_mem_stats(&u, &s, &hs);
	CHECK_EQ(s.removes_foreign, 1);
	CHECK_EQ(hs.ev_start[HM_EV_UNMAP], 1);
	CHECK_EQ(uffd_mem_state(&u, 9), P2M_GFN_ABSENT);
	CHECK_EQ(((volatile uint8_t *)ram)[9 * 4096 + 7], 0);

	/* The balloon: discarded, announced by it and not by its event. */
	uint64_t gfns[2] = {10, 11};
	uint64_t foreign = s.removes_foreign;
	uffd_mem_balloon(&u, true, gfns, 2);
	CHECK_EQ(uffd_mem_state(&u, 10), P2M_GFN_DISCARDED);
	wait_removes(&u, s.removes_own + 1, 0);
	uffd_mem_stats(&u, &s, &hs);
	CHECK_EQ(s.removes_foreign, foreign);
	CHECK_EQ(s.balloon_out, 2);
	CHECK_EQ(((volatile uint8_t *)ram)[10 * 4096 + 7], 0);
	CHECK_EQ(uffd_mem_state(&u, 10), P2M_GFN_PRESENT);
	uffd_mem_destroy(&u);
	guest_mem_unmap(&gm);
}

TEST(uffd_mem_refused_backs_eagerly)
{
	struct guest_mem gm;
	guest_mem_layout(&gm, PAGES * 4096);
	CHECK_EQ(guest_mem_map(&gm), 0);
	uint8_t *ram = gm.ranges[0].hva;
	ram[5 * 4096] = 42;
	struct uffd_mem u;
	uffd_mem_init(&u, &gm);
	u.debug_fail_errno = EPERM; /* as for a user with vm.unprivileged_userfaultfd=0 */
	CHECK_EQ(uffd_mem_start(&u, 0, -1), -1);
	CHECK(u.eager);
	CHECK(!u.started);
	unsigned char vec[PAGES];
	CHECK_EQ(mincore(ram, PAGES * 4096, vec), 0);
	unsigned present = 0;
	for (int i = 0; i < PAGES; i++)
		present += vec[i] & 1;
	CHECK_EQ(present, PAGES);
	CHECK_EQ(ram[5 * 4096], 42);
	uffd_mem_destroy(&u);
	guest_mem_unmap(&gm);
}

/* --chaos-invalidate's operation: from the first present frame at or after
 * the gfn given, the present frames of the run go to the swap file (all-zero
 * ones are just dropped), each announced once (HM_EV_CLEAR); every byte
 * comes back on the next touch. */
TEST(uffd_mem_invalidate_keeps_the_bytes)
{
	struct guest_mem gm;
	guest_mem_layout(&gm, PAGES * 4096);
	CHECK_EQ(guest_mem_map(&gm), 0);
	uint8_t *ram = gm.ranges[0].hva;
	struct uffd_mem u;
	uffd_mem_init(&u, &gm);
	if (uffd_mem_start(&u, 0, swap_file())) {
		CHECK(geteuid() != 0);
		uffd_mem_destroy(&u);
		guest_mem_unmap(&gm);
		return;
	}
	/* Frames 20..27 written (27 left all-zero), the rest never touched. */
	for (int i = 20; i < 27; i++)
		memset(ram + i * 4096, i, 4096);
	((volatile uint8_t *)ram)[27 * 4096] = 0;
	/* The thread wakes a faulting touch before it counts the frame, but
	 * under the lock: asking the table waits for it. */
	CHECK_EQ(uffd_mem_state(&u, 27), P2M_GFN_PRESENT);
	uint64_t present = atomic_load(&u.resident);
	CHECK(present >= 8);
	/* From gfn 0 the first present frame is the first of the zero run
	 * that the faults filled (0 ... 20, aligned): ask for exactly the
	 * written ones instead. */
	uint64_t n = uffd_mem_invalidate(&u, 20, 8);
	CHECK_EQ(n, 8);
	struct uffd_stats s;
	struct hm_stats hs;
	uffd_mem_stats(&u, &s, &hs);
	CHECK_EQ(s.invalidations, 1);
	CHECK_EQ(s.invalidated, 8);
	CHECK_EQ(hs.ev_start[HM_EV_CLEAR], 8);
	CHECK_EQ(s.swap_zero, 1);
	CHECK_EQ(uffd_mem_state(&u, 20), P2M_GFN_SWAPPED);
	CHECK_EQ(uffd_mem_state(&u, 27), P2M_GFN_ABSENT);
	CHECK_EQ(atomic_load(&u.resident), present - 8);
	int bad = 0;
	for (int i = 20; i < 27; i++)
		for (int b = 0; b < 4096; b += 511)
			bad += ((volatile uint8_t *)ram)[i * 4096 + b] != i;
	CHECK_EQ(bad, 0);
	CHECK_EQ(((volatile uint8_t *)ram)[27 * 4096 + 100], 0);
	/* A gfn with nothing present after it wraps to the first present one. */
	uffd_mem_stats(&u, &s, NULL);
	CHECK_EQ(s.swap_ins, 7);
	CHECK(uffd_mem_invalidate(&u, PAGES - 1, 1) == 1);
	uffd_mem_destroy(&u);
	guest_mem_unmap(&gm);
}
