/* SPDX-License-Identifier: MIT */
/*
 * The PC's CMOS real-time clock (MC146818) at ports 0x70 (index) and 0x71
 * (data): the time of day from the host's clock (UTC), read-only; status
 * registers A-D (never "update in progress", "valid RAM and time"); the
 * rest of the 128 bytes of CMOS RAM store and read back. Without it Linux
 * waits about 10 s for a clock that never leaves "update in progress".
 * Hours are always 24-hour; BCD or binary follows register B's DM bit. No
 * alarm or periodic interrupt. Hosted C.
 */
#ifndef UMBRA_VMM_RTC_H
#define UMBRA_VMM_RTC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define RTC_PORT 0x70
#define RTC_PORTS 2

#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32
#define RTC_B_24H 0x02
#define RTC_B_BINARY 0x04

struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t cmos[128];
	time_t (*now)(void); /* the clock; tests replace it */
};

void rtc_init(struct rtc *r);
void rtc_destroy(struct rtc *r);
/* An ioport_fn for [RTC_PORT, RTC_PORT + RTC_PORTS). */
void rtc_io(void *dev, uint16_t port, uint8_t *data, bool is_write);

#endif
