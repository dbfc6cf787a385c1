/* SPDX-License-Identifier: MIT */
/* The balloon (drivers/balloon.c): frames given back to the host. */
#ifndef GUEST_BALLOON_H
#define GUEST_BALLOON_H

/* At most this many frames (256 MiB). */
#define BALLOON_MAX_PAGES 65536UL

/* Inflates (takes free frames, gives them to the host) or deflates (frees
 * them again) to target frames. 0, -EINVAL beyond BALLOON_MAX_PAGES,
 * -ENOMEM when free memory ran out first (the balloon keeps what it got),
 * -EIO when the host refused. */
int balloon_set_target(unsigned long target);
/* The host set a target (interrupt UMBRA_BALLOON_VECTOR): only noted here;
 * balloon_poll, on the way back to user mode, asks for it and moves the
 * balloon there (allocating is no work for an interrupt handler). */
void balloon_host_changed(void);
void balloon_poll(void);
unsigned long balloon_pages(void);

#endif
