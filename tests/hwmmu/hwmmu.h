/* SPDX-License-Identifier: MIT */
/* Shared declarations of the hardware-differential image (tests/hwmmu/). */
#ifndef HWMMU_H
#define HWMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* console.c: COM1 output and the exit hypercall. */
void con_putc(char c);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void hw_exit(unsigned status);

/* fdt_args.c: a "key=value" of the /chosen bootargs as a number. */
bool bootarg_u64(const void *fdt, const char *key, uint64_t *val);

/* cpu.c: descriptor tables, control registers, CPUID. */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS   0x1b
#define USER_CS   0x23
#define VEC_DONE  0x80 /* "int $0x80": the access completed */

struct cpu_features {
	bool smep, smap, pku, nx, gbpages, la57;
	unsigned maxphyaddr;
};
#define LDT_SEL   0x38
#define CODE32_SEL 0x48 /* 32-bit code, for the trip to 5-level paging */
void cpu_tables_init(void);
void cpu_set_ldt(uint64_t base);
void cpu_features_read(struct cpu_features *f);
uint64_t read_cr0(void);
void write_cr0(uint64_t v);
uint64_t read_cr3(void);
void write_cr3(uint64_t v);
uint64_t read_cr4(void);
void write_cr4(uint64_t v);
uint64_t rdmsr(uint32_t msr);
void wrmsr(uint32_t msr, uint64_t v);
void wrpkru(uint32_t v);
void invlpg(uint64_t va);

/* head.S */
void enter_la57(uint64_t pml5);
void run_access(uint64_t rip, uint64_t cs, uint64_t rflags, uint64_t rsp,
		uint64_t ss, uint64_t target);
extern uint64_t ev_vector, ev_error, ev_rip, ev_cs, ev_cr2;
extern const char acc_read[], acc_write[], acc_fetch[], acc_implicit[];
extern const char acc_read_end[], acc_write_end[], acc_implicit_end[];
extern const char __user_text_start[], __user_text_end[];
extern const char trap_stubs[];
extern const char _end[];

#endif
