/* SPDX-License-Identifier: MIT */
/*
 * The one header of the guest test suite (tests/guest/t_*.c): TAP output and
 * the helpers the programs share. Implemented in the .c files next to it, linked
 * into every program from build/tests/guest-lib/libsuite.a.
 *
 * TAP lines are written with write(2) straight to fd 1, never through stdio,
 * so nothing sits in a buffer across fork(). Only the parent process reports
 * checks: a child tells its parent what it saw through its exit status, a
 * MAP_SHARED page or a file, and the parent checks that.
 */
#ifndef UMBRA_GUEST_SUITE_H
#define UMBRA_GUEST_SUITE_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* x86-64 page size; musl's PAGE_SIZE is not always visible. */
#define PAGE 4096UL

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* --- TAP ------------------------------------------------------------------ */

/* Prints "1..count"; done_testing() checks that exactly count checks ran. */
void plan(int count);
/* One check: "ok N - name" or "not ok N - name". Returns cond. */
int ok(int cond, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Integer equality; on failure "not ok N - name # got X want Y". */
int is_long(long got, long want, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Same, printing both values in hex (addresses, flags). */
int is_hex(unsigned long got, unsigned long want, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* String equality (got may be NULL). */
int is_str(const char *got, const char *want, const char *fmt, ...) PRINTF_LIKE(3, 4);
/*
 * A call that must fail: ret is -1 (or MAP_FAILED cast to long) and errno is
 * want_errno. Reads errno before anything else can change it.
 */
int is_errno(long ret, int want_errno, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* A call that must succeed (ret != -1); on failure shows errno. */
int is_success(long ret, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Counts `count` checks as skipped: "ok N - # SKIP reason". */
void skip(int count, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* A comment line: "# ...". */
void diag(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Exit status for main: 0 iff every check passed and the plan was met. */
int done_testing(void);
/* Gives up: "Bail out! ..." and exit status 255. */
void bail_out(const char *fmt, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));
/* "EINVAL" for EINVAL, the number for errnos the table does not know. */
const char *errno_name(int err);

/* --- processes ------------------------------------------------------------ */

/*
 * Forks; the child runs fn(arg) and _exit()s with its return value. Returns
 * the wait status from wait4, or -1 if fork or wait4 failed.
 */
int run_in_child(int (*fn)(void *arg), void *arg);
/* wait4 for pid, retrying on EINTR; the wait status or -1. */
int wait_status(pid_t pid);
/* A wait status as text: "exit 3", "signal 11"; for diagnostics. */
const char *describe_status(int status);
/* True when running as root (uid 0): some permission checks differ. */
int is_root(void);
/* Sleeps ms milliseconds (nanosleep). */
void sleep_ms(long ms);
/*
 * Waits until *flag == value (a word in MAP_SHARED memory set by another
 * process), up to timeout_ms. Returns 1 if seen, 0 on timeout.
 */
int wait_for_word(volatile int *flag, int value, long timeout_ms);
/* One page of MAP_SHARED anonymous memory for parent/child messages. */
void *shared_page(void);
/* Raw brk(2) (musl's sbrk cannot grow): the new break, or the old one on failure. */
unsigned long sys_brk(unsigned long addr);
/* Grows the brk heap by len bytes; the start of the new part, or NULL. */
void *brk_grow(size_t len);

/* --- signals and faults --------------------------------------------------- */

/*
 * Reads (write == 0) or writes one byte at addr with SIGSEGV and SIGBUS
 * caught. Returns 0 if the access completed, else the signal number, with
 * the handler's siginfo copied to *info (if not NULL). Restores the previous
 * handlers before returning.
 */
int probe_access(volatile void *addr, int write, siginfo_t *info);
/* Calls fn(arg) the same way: the signal number it raised, or 0. */
int call_catching(void (*fn)(void *arg), void *arg, siginfo_t *info);

/*
 * Pointers system calls must answer with EFAULT: one into page 0 (never
 * mapped, below mmap_min_addr) and one into the kernel half. Functions in
 * another file, so the compiler cannot warn about or fold the bad accesses.
 */
void *unmapped_ptr(void);
void *kernel_ptr(void);

/* --- files ---------------------------------------------------------------- */

/* dir/umbra-PID-name: a per-process name for scratch files. */
void scratch_path(char *buf, size_t len, const char *dir, const char *name);
/*
 * Creates (truncating) path with `size` bytes, byte i = (seed + i) & 0xff,
 * and returns an O_RDWR fd, or -1.
 */
int make_file(const char *path, size_t size, unsigned seed);
/* Whole contents of a (proc) file into buf, NUL-terminated; length or -1. */
long read_text(const char *path, char *buf, size_t len);

/* --- /proc ---------------------------------------------------------------- */

/* One parsed line of /proc/self/maps. */
struct vma {
	unsigned long start, end;
	char perms[5];            /* "rw-p" */
	unsigned long long offset;
	unsigned int major, minor;
	unsigned long inode;
	char path[256];           /* "" for anonymous memory */
};

/*
 * The /proc/self/maps line of the mapping containing addr, without the
 * newline, into line. Returns 1 if found, 0 if addr is not mapped.
 */
int maps_line(const void *addr, char *line, size_t len);
/* The same line parsed; returns 1 if found. */
int maps_find(const void *addr, struct vma *vma);
/* Formats a maps line exactly as Linux does (show_map_vma). */
void maps_format(char *buf, size_t len, const struct vma *vma);
/* All of /proc/self/maps parsed into vmas[max]; the count, or -1. */
int maps_all(struct vma *vmas, int max);
/* Number of maps lines intersecting [start, end). */
int maps_count(const void *start, size_t len);
/* A field ("Rss", "Locked", ...) in kB of the smaps entry covering addr, or -1. */
long smaps_kb(const void *addr, const char *field);
/* True if the smaps VmFlags of the mapping covering addr include flag ("lo"). */
int smaps_has_flag(const void *addr, const char *flag);
/* A "Name:   N kB" field of /proc/self/status or /proc/meminfo, or -1. */
long status_kb(const char *field);
long meminfo_kb(const char *field);
/* A counter of /proc/vmstat ("pgfault"), or -1. */
long vmstat_value(const char *name);
/* A counter of umbra's /proc/self/vmstat (this process's fault paths), or
 * -1 (natively: Linux has no such file). */
long self_vmstat_value(const char *name);
/* A counter of the VMM's /proc/umbra/stats ("dedup_merges"), or -1
 * (natively, or a counter this run does not have). */
long umbra_stat(const char *name);
/* Pages of [addr, addr+len) resident according to mincore, or -1. */
long resident_pages(const void *addr, size_t len);
/*
 * len bytes of fresh private anonymous memory with an inaccessible guard page
 * on each side, so its VMA never merges with a neighbour. NULL on failure.
 */
void *map_isolated(size_t len, int prot, int flags);
/*
 * Whether a read fault of private anonymous memory maps the shared zero page
 * (Linux's do_anonymous_page; then it adds nothing to Rss). Always 1 under
 * umbra, whose guest kernel must. Natively it is probed: a host kernel may
 * not (seen: a 6.18 host kernel under a software-only hypervisor gave every
 * read its own page), and is then no oracle for zero-page checks.
 */
int zero_page_on_read(void);

#endif
