/* SPDX-License-Identifier: MIT */
/* hostile=CASE: bogus hypercalls for the VMM's tests (kernel/hostile.c). */
#ifndef GUEST_HOSTILE_H
#define GUEST_HOSTILE_H

/* Runs the case named on the command line (NULL: none). */
void hostile_run(const char *which);

#endif
