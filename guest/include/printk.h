/* SPDX-License-Identifier: MIT */
/*
 * Kernel messages. Every line the kernel prints starts with "umbra-guest: ",
 * so the guest's own output can be told apart (the integration tests filter
 * on it). pr_info is dropped under the cmdline word "quiet"; warnings and
 * errors always print.
 */
#ifndef GUEST_PRINTK_H
#define GUEST_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

#include "kernel.h"

#define LOGLEVEL_ERR 3
#define LOGLEVEL_WARNING 4
#define LOGLEVEL_INFO 6

void printk(int level, const char *fmt, ...) __printf(2, 3);
void vprintk(int level, const char *fmt, va_list ap);

#define pr_err(...) printk(LOGLEVEL_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOGLEVEL_WARNING, __VA_ARGS__)
#define pr_info(...) printk(LOGLEVEL_INFO, __VA_ARGS__)

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
