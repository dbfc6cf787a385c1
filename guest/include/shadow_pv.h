/* SPDX-License-Identifier: MIT */
/*
 * The guest side of shadow paging (--paging shadow; docs/hypercalls.md
 * "Shadow paging", arch/x86/shadow_pv.c). In tdp mode shadow_paging is
 * false and none of this runs: no subscriber, no hypercall.
 */
#ifndef GUEST_SHADOW_PV_H
#define GUEST_SHADOW_PV_H

#include <stdbool.h>
#include <stdint.h>

#include "ptrace.h"

struct mm_struct;

/* After the FDT is read: when it says paging-mode shadow, pins what the
 * #PF path needs and moves to a shadow address space of the boot tables. */
void shadow_pv_init(void);
/* The first chance at a page fault: true when the VMM filled the shadow
 * (return and retry); false to handle it as usual, with regs->error_code
 * the one the guest's own tables give. */
bool shadow_first_chance(struct pt_regs *regs);
/* After the guest's mm handled a user fault at addr: has the VMM's poll
 * thread (--shadow-poll) fill the shadow entry now (applying the queue
 * first), so the access does not fault again; nothing when the slot is
 * off, busy or idle, or the fault did not map the page. When the fault
 * posted the fill early (shadow_prefill_early), only waits for it. */
void shadow_prefill(uint64_t addr, unsigned long error_code);
/* For a user fault that brings a new anonymous page at addr in mm: true
 * when the page's PTE may be set before its contents are written (shadow
 * paging with the poll thread, the CPU on mm's shadow, and mm used by no
 * other task, so nothing reaches the page before the fault returns). */
bool shadow_prefill_early_ok(struct mm_struct *mm, uint64_t addr);
/* Then, once the PTE is set (and any invalidation queued), the pages
 * touched: posts the fill of addr's shadow entry, and shadow_prefill
 * waits for its answer after the fault, so the VMM's answer overlaps the
 * clearing or copy. False when not posted (the slot is busy or idle):
 * shadow_prefill then tries again as usual. */
bool shadow_prefill_early(uint64_t addr);
/* For a user read (or, with instr, fetch) fault at addr in mm that maps
 * cached file pages (fault-around), before it writes their PTEs: posts the fill of addr's
 * shadow entry as a stream (UMBRA_SHADOW_FAULT_STREAM), so the VMM fills
 * the entries as they are written, and shadow_prefill waits for the
 * answer after the fault. False when not posted (as
 * shadow_prefill_early). shadow_prefill_stream_end, once the PTEs are
 * written, tells the VMM no more come. */
bool shadow_prefill_stream_begin(struct mm_struct *mm, uint64_t addr, bool instr);
void shadow_prefill_stream_end(void);
/* Last thing before __switch_to_asm saves RSP at prev_rsp and pops from
 * the kernel stack ending at next_top: makes sure the shadow has all of
 * both stacks and the slot at once (a #PF pushed onto a missing stack is a
 * double fault). After every shadow hypercall the current stack is
 * touched the same way. */
void shadow_prepare_switch(uint64_t *prev_rsp, uint64_t next_top);
/* Last thing before returning to user mode: applies the queued
 * invalidations (docs/hypercalls.md, "The queue rule"). */
void shadow_exit_to_user(void);
/* After a hypercall that took host memory (a balloon inflate): flushes the
 * TLB and touches the kernel stack, whose shadow may have gone with a 2M
 * entry around the frames (the VMM refilled only the pages under RSP). */
void shadow_after_host_change(void);
/* The kick interrupt (UMBRA_SHADOW_KICK_VECTOR): the VMM zapped entries
 * from another thread; flushes this CPU's TLB and acknowledges. */
void shadow_kick(void);
/* The asid the vCPU runs, and the batch queue's guest-physical address
 * (for kernel/hostile.c). */
uint32_t shadow_pv_asid(void);
uint64_t shadow_pv_ring(void);
/* A new mm: subscribes the VMM's shadow to its notifier chain. */
void shadow_mm_init(struct mm_struct *mm);
/* SMP (docs/shadow.md "SMP"): starts the CPU with apic_id on the kernel's
 * shadow root and its idle stack (UMBRA_HC_SMP_START_CPU); false when the
 * VMM refused. */
bool shadow_start_cpu(uint32_t apic_id, uint64_t stack_top);
/* On a started CPU, once its per-CPU area is loaded: its shadow state, its
 * stack hint and kick flag (UMBRA_HC_SHADOW_STACK_HINT, _KICK_FLAG). */
void shadow_secondary_init(void);
/* From loops that spin with interrupts off: answers a pending kick (its
 * sender may wait for it while holding what the loop waits for), seen in
 * the kick flag the VMM sets, without a VM exit. */
void shadow_kick_poll(void);

#endif
