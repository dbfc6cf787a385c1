/* SPDX-License-Identifier: MIT */
/* Host failures and the fault injection switch (see fault_inject.h). */
#include "fault_inject.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum fi_mode { FI_OFF, FI_ALWAYS, FI_NTH, FI_FROM, FI_RATE };

static const char *const names[FI_KINDS] = {
	[FI_MMAP] = "mmap",
	[FI_MADVISE] = "madvise",
	[FI_UFFD] = "uffd",
	[FI_SP_ALLOC] = "sp-alloc",
	[FI_SWAP_WRITE] = "swap-write",
	[FI_SWAP_READ] = "swap-read",
};

struct fi_kind_state {
	enum fi_mode mode;
	uint64_t arg; /* N, or the percentage */
	atomic_uint_fast64_t calls, injected, survived, fatal;
	atomic_bool said;
};

static atomic_bool fi_on;
static struct fi_kind_state kinds[FI_KINDS];
static void (*stop_fn)(void *);
static void *stop_opaque;

const char *fault_inject_name(enum fi_kind kind)
{
	return kind < FI_KINDS ? names[kind] : "?";
}

bool fault_inject_enabled(void)
{
	return atomic_load_explicit(&fi_on, memory_order_relaxed);
}

void fault_inject_reset(void)
{
	atomic_store(&fi_on, false);
	for (unsigned k = 0; k < FI_KINDS; k++) {
		kinds[k].mode = FI_OFF;
		kinds[k].arg = 0;
		atomic_store(&kinds[k].calls, 0);
		atomic_store(&kinds[k].injected, 0);
		atomic_store(&kinds[k].survived, 0);
		atomic_store(&kinds[k].fatal, 0);
		atomic_store(&kinds[k].said, false);
	}
}

static int bad(char *err, size_t errlen, const char *item, const char *why)
{
	snprintf(err, errlen, "--fault-inject: \"%s\": %s", item, why);
	return -1;
}

static int parse(const char *spec, char *err, size_t errlen, bool apply)
{
	enum fi_mode mode[FI_KINDS] = {0};
	uint64_t arg[FI_KINDS] = {0};
	char buf[256];
	if (!spec || !*spec || strlen(spec) >= sizeof(buf))
		return bad(err, errlen, spec ? spec : "", "not a list of KIND[:N|:N+|%P]");
	strcpy(buf, spec);
	unsigned items = 0;
	for (char *save = NULL, *item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		size_t len = strcspn(item, ":%");
		items++;
		unsigned k = 0;
		while (k < FI_KINDS && !(strlen(names[k]) == len && !strncmp(item, names[k], len)))
			k++;
		if (k == FI_KINDS)
			return bad(err, errlen, item, "unknown kind (mmap, madvise, uffd, "
				   "sp-alloc, swap-write, swap-read)");
		const char *v = item + len;
		if (!*v) {
			mode[k] = FI_ALWAYS;
			continue;
		}
		char *end;
		errno = 0;
		if (v[1] < '0' || v[1] > '9')
			return bad(err, errlen, item, "a number must follow : or %");
		unsigned long long n = strtoull(v + 1, &end, 10);
		if (errno || n == 0)
			return bad(err, errlen, item, "the number must be 1 or more");
		if (*v == '%') {
			if (*end || n > 100)
				return bad(err, errlen, item, "a percentage is 1..100");
			mode[k] = FI_RATE;
		} else if (*end == '+' && !end[1]) {
			mode[k] = FI_FROM;
		} else if (!*end) {
			mode[k] = FI_NTH;
		} else {
			return bad(err, errlen, item, "not KIND, KIND:N, KIND:N+ or KIND%P");
		}
		arg[k] = n;
	}
	if (!items)
		return bad(err, errlen, spec, "not a list of KIND[:N|:N+|%P]");
	if (!apply)
		return 0;
	fault_inject_reset();
	for (unsigned k = 0; k < FI_KINDS; k++) {
		kinds[k].mode = mode[k];
		kinds[k].arg = arg[k];
	}
	atomic_store(&fi_on, true);
	return 0;
}

int fault_inject_check(const char *spec, char *err, size_t errlen)
{
	return parse(spec, err, errlen, false);
}

int fault_inject_parse(const char *spec, char *err, size_t errlen)
{
	return parse(spec, err, errlen, true);
}

/* splitmix64: the Nth call's draw, the same in every run. */
static uint64_t draw(unsigned kind, uint64_t n)
{
	uint64_t z = n * 0x9e3779b97f4a7c15ull + kind;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

bool fault_inject_hit(enum fi_kind kind)
{
	if (!atomic_load_explicit(&fi_on, memory_order_relaxed) || kind >= FI_KINDS)
		return false;
	struct fi_kind_state *s = &kinds[kind];
	uint64_t n = atomic_fetch_add(&s->calls, 1) + 1;
	bool hit;
	switch (s->mode) {
	case FI_ALWAYS: hit = true; break;
	case FI_NTH: hit = n == s->arg; break;
	case FI_FROM: hit = n >= s->arg; break;
	case FI_RATE: hit = draw(kind, n) % 100 < s->arg; break;
	default: hit = false; break;
	}
	if (hit)
		atomic_fetch_add(&s->injected, 1);
	return hit;
}

void host_failure_set_stop(void (*stop)(void *opaque), void *opaque)
{
	stop_fn = stop;
	stop_opaque = opaque;
}

void host_failure(enum fi_kind kind, bool fatal, const char *fmt, ...)
{
	if (kind >= FI_KINDS)
		return;
	struct fi_kind_state *s = &kinds[kind];
	atomic_fetch_add(fatal ? &s->fatal : &s->survived, 1);
	if (fatal || !atomic_exchange(&s->said, true)) {
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		fprintf(stderr, "umbra: %s%s\n", msg,
			fatal ? "" : " (further ones are counted: --stats)");
	}
	if (fatal) {
		/* The guest stops: what is left to run is the VMM's way out,
		 * which must not fail again on purpose. */
		atomic_store(&fi_on, false);
		if (stop_fn)
			stop_fn(stop_opaque);
	}
}

void fault_inject_counts(enum fi_kind kind, struct fi_counts *c)
{
	memset(c, 0, sizeof(*c));
	if (kind >= FI_KINDS)
		return;
	c->calls = atomic_load(&kinds[kind].calls);
	c->injected = atomic_load(&kinds[kind].injected);
	c->survived = atomic_load(&kinds[kind].survived);
	c->fatal = atomic_load(&kinds[kind].fatal);
}

void fault_inject_print_stats(FILE *f)
{
	for (unsigned k = 0; k < FI_KINDS; k++) {
		struct fi_counts c;
		fault_inject_counts(k, &c);
		if (!c.injected && !c.survived && !c.fatal && kinds[k].mode == FI_OFF)
			continue;
		fprintf(f, "umbra: host failures: %s: %llu calls, %llu injected, "
			"%llu survived, %llu fatal\n", names[k],
			(unsigned long long)c.calls, (unsigned long long)c.injected,
			(unsigned long long)c.survived, (unsigned long long)c.fatal);
	}
}
