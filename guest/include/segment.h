/* SPDX-License-Identifier: MIT */
/*
 * GDT layout. SYSRET derives the user selectors from STAR[63:48] = base:
 * SS = base + 8, CS = base + 16, so user data must sit right below user
 * code (the order Linux uses). The slot at the base itself would be the
 * 32-bit user code segment; it stays null, so user mode can never enter
 * compatibility mode (there is no 32-bit syscall entry).
 */
#ifndef GUEST_SEGMENT_H
#define GUEST_SEGMENT_H

#define GDT_ENTRY_KERNEL_CS 1
#define GDT_ENTRY_KERNEL_DS 2
#define GDT_ENTRY_USER32_CS 3 /* null; only the SYSRET base */
#define GDT_ENTRY_USER_DS 4
#define GDT_ENTRY_USER_CS 5
#define GDT_ENTRY_TSS 6 /* a 16-byte descriptor: two slots */
#define GDT_ENTRIES 8

#define __KERNEL_CS (GDT_ENTRY_KERNEL_CS * 8)       /* 0x08, as the VMM's boot CS */
#define __KERNEL_DS (GDT_ENTRY_KERNEL_DS * 8)       /* 0x10 */
#define __USER32_CS (GDT_ENTRY_USER32_CS * 8 + 3)   /* 0x1b */
#define __USER_DS (GDT_ENTRY_USER_DS * 8 + 3)       /* 0x23 */
#define __USER_CS (GDT_ENTRY_USER_CS * 8 + 3)       /* 0x2b */
#define GDT_TSS_SEL (GDT_ENTRY_TSS * 8)             /* 0x30 */

#endif
