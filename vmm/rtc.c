/* SPDX-License-Identifier: MIT */
/* MC146818 CMOS clock; see rtc.h. */
#include "rtc.h"

#include <string.h>

static time_t host_now(void)
{
	return time(NULL);
}

void rtc_init(struct rtc *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->now = host_now;
	r->cmos[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz rate */
	r->cmos[RTC_REG_B] = RTC_B_24H;
	r->cmos[RTC_REG_D] = 0x80; /* valid RAM and time */
}

void rtc_destroy(struct rtc *r)
{
	pthread_mutex_destroy(&r->lock);
}

/* The time register reg (< 0x0a, or the century) in the current mode. */
static uint8_t time_reg(const struct rtc *r, unsigned int reg)
{
	time_t t = r->now();
	struct tm tm;
	gmtime_r(&t, &tm);
	int v;
	switch (reg) {
	case RTC_SECONDS: v = tm.tm_sec; break;
	case RTC_MINUTES: v = tm.tm_min; break;
	case RTC_HOURS: v = tm.tm_hour; break;
	case RTC_DAY_OF_WEEK: v = tm.tm_wday + 1; break;
	case RTC_DAY_OF_MONTH: v = tm.tm_mday; break;
	case RTC_MONTH: v = tm.tm_mon + 1; break;
	case RTC_YEAR: v = tm.tm_year % 100; break;
	case RTC_CENTURY: v = (tm.tm_year + 1900) / 100; break;
	default: v = 0; break; /* the alarm registers */
	}
	if (r->cmos[RTC_REG_B] & RTC_B_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

void rtc_io(void *dev, uint16_t port, uint8_t *data, bool is_write)
{
	struct rtc *r = dev;
	pthread_mutex_lock(&r->lock);
	if (port == RTC_PORT) {
		/* Bit 7 masks NMIs on a PC; there are none to mask. */
		if (is_write)
			r->index = *data & 0x7f;
		else
			*data = 0xff; /* write-only on a PC */
	} else {
		unsigned int reg = r->index;
		bool clock = reg < RTC_REG_A || reg == RTC_CENTURY;
		if (is_write) {
			if (reg == RTC_REG_B)
				r->cmos[reg] = (uint8_t)(*data | RTC_B_24H);
			else if (reg == RTC_REG_A)
				r->cmos[reg] = *data & 0x7f; /* UIP is read-only */
			else if (!clock && reg != RTC_REG_C && reg != RTC_REG_D)
				r->cmos[reg] = *data;
		} else {
			*data = clock ? time_reg(r, reg) : r->cmos[reg];
		}
	}
	pthread_mutex_unlock(&r->lock);
}
