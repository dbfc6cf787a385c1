// SPDX-License-Identifier: MIT
/* The user FPU/SSE state: FXSAVE/FXRSTOR areas (see processor.h). */
#include "processor.h"
#include "slab.h"
#include "string.h"

#define FCW_DEFAULT 0x37f

static uint8_t init_fpstate[FXSAVE_SIZE] __aligned(16);

static void init_fpstate_once(void)
{
	if (init_fpstate[0])
		return;
	uint16_t fcw = FCW_DEFAULT;
	uint32_t mxcsr = MXCSR_DEFAULT;
	memcpy(init_fpstate, &fcw, sizeof(fcw));
	memcpy(init_fpstate + FXSAVE_MXCSR_OFFSET, &mxcsr, sizeof(mxcsr));
}

void *fpu_alloc(void)
{
	/* kmalloc's 512-byte class is 512-aligned. */
	void *buf = kmalloc(FXSAVE_SIZE);
	if (!buf)
		return NULL;
	init_fpstate_once();
	memcpy(buf, init_fpstate, FXSAVE_SIZE);
	return buf;
}

void fpu_save(void *buf)
{
	__asm__ volatile("fxsave64 (%0)" ::"r"(buf) : "memory");
}

void fpu_restore(const void *buf)
{
	__asm__ volatile("fxrstor64 (%0)" ::"r"(buf) : "memory");
}

void fpu_reset(void)
{
	init_fpstate_once();
	fpu_restore(init_fpstate);
}
